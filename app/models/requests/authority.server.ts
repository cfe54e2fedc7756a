import { sql } from 'kysely';
import { z } from 'zod';
import type { DB, Tx } from '../../../db/client';
import type { AuthorityDocumentKind, RequestRow } from '../../../db/schema';
import { recordAudit, type Actor } from '~/models/audit.server';
import { actsForAnotherPerson, AUTHORITY_DOCUMENT_KINDS, authoritySummary, mayReachSubjectData } from '~/models/requests/authority';
import { isClosed, isUnverified } from '~/models/requests/lifecycle';
import { mailVerificationLink } from '~/models/requests/mail.server';
import type { RequestPolicy } from '~/models/requests/policy';
import { requestVersion, StaleFormError } from '~/models/requests/staff.server';
import { issueToken } from '~/models/requests/tokens.server';
import { appendEvent, applyTransition, raiseLevel, RequestConflictError, withLockedRequest } from '~/models/requests/transitions.server';
import { normalizeEmail } from '~/utils/email';
import { levelStatus } from '~/models/requests/verification-levels.server';

/**
 * The database side of an agent's authority (rules in authority.ts): the subject confirms by
 * their own link or signed in to their own account, or staff record the check of the agent's
 * authority. Each is one transaction with its timeline event and audit event.
 */

export { actsForAnotherPerson, authoritySummary, mayReachSubjectData };

/**
 * The subject confirms through the link sent to their address, inside the caller's transaction
 * with the request locked. A request still unverified is verified by it too (the clock starts):
 * the person it is about asked for it. Returns false when there is nothing left to confirm.
 */
export async function recordSubjectConfirmation(
  trx: Tx,
  request: RequestRow,
  via: 'email' | 'account',
  options: { rules: RequestPolicy; now: Date; ip?: string | null; userId?: string | null },
): Promise<boolean> {
  const { now } = options;
  if (!actsForAnotherPerson(request) || isClosed(request.state)) return false;
  // Confirmed by the link already: signing in later raises it to the account level (issue 21.3).
  const upgrade = request.subject_confirmed_via === 'email' && via === 'account';
  if (request.subject_confirmed_at && !upgrade) return false;
  let current = request;
  if (isUnverified(request.state)) {
    // The agent's own links die with this: the request is confirmed.
    await trx
      .updateTable('request_tokens')
      .set({ used_at: now })
      .where('request_id', '=', request.id)
      .where('purpose', '=', 'verify')
      .where('used_at', 'is', null)
      .execute();
    current = await applyTransition(trx, request, 'verify', { kind: 'subject', id: options.userId ?? null }, { rules: options.rules, now });
  }
  await trx
    .updateTable('requests')
    .set({ subject_confirmed_at: now, subject_confirmed_via: via, updated_at: now })
    .where('id', '=', current.id)
    .execute();
  // Any other confirmation link of the subject's dies with this one.
  await trx
    .updateTable('request_tokens')
    .set({ used_at: now })
    .where('request_id', '=', request.id)
    .where('purpose', '=', 'subject_confirm')
    .where('used_at', 'is', null)
    .execute();
  await appendEvent(trx, {
    requestId: request.id,
    actor: { kind: 'subject', id: options.userId ?? null, ip: options.ip },
    kind: 'subject_confirmed',
    note:
      via === 'account'
        ? 'The person this request is about confirmed it, signed in to their own account.'
        : 'The person this request is about confirmed it through the link sent to their email address.',
  });
  await recordAudit(trx, {
    actorId: options.userId ?? null,
    ip: options.ip ?? null,
    action: 'request.subject_confirmed',
    targetType: 'request',
    targetId: String(request.id),
    details: { via },
  });
  return true;
}

/** Requests made for the signed-in person by someone else, still waiting for their confirmation. */
export async function listRequestsAwaitingMyConfirmation(db: DB, userId: string) {
  const user = await db.selectFrom('users').select(['email', 'email_verified_at']).where('id', '=', userId).executeTakeFirst();
  // Only a confirmed address speaks for its owner (the same rule as request ownership).
  if (!user?.email_verified_at) return [];
  const rows = await db
    .selectFrom('requests')
    .selectAll()
    .where('requester_role', '=', 'representative')
    .where(sql<string>`lower(subject_email)`, '=', normalizeEmail(user.email))
    .where((eb) => eb.or([eb('subject_confirmed_at', 'is', null), eb('subject_confirmed_via', '=', 'email')]))
    .where('state', 'in', ['unverified', 'open', 'in_progress', 'awaiting_subject'])
    .orderBy('id')
    .limit(50)
    .execute();
  // Confirmed by the link but waiting to be started at the account level: still theirs to confirm, signed in.
  const waiting = [];
  for (const r of rows.filter(actsForAnotherPerson)) {
    if (!r.subject_confirmed_at || (r.state === 'open' && (await levelStatus(db, r, {})).step === 'sign_in')) waiting.push(r);
  }
  return waiting.map((r) => ({
    id: String(r.id),
    reference: r.reference,
    type: r.type,
    agentName: r.name,
    agentEmail: r.email,
    relationship: r.agent_relationship ?? 'other',
    createdAt: r.created_at.toISOString(),
  }));
}

/** The signed-in subject confirms a request made for them; refused unless their confirmed address is the request's subject address. */
export async function confirmAsSignedInSubject(
  db: DB,
  input: { requestId: string; userId: string; ip: string | null },
  options: { rules: RequestPolicy; now?: Date },
): Promise<boolean> {
  if (!/^\d{1,18}$/.test(input.requestId)) return false;
  const now = options.now ?? new Date();
  return withLockedRequest(db, input.requestId, async (trx, request) => {
    if (!request || !request.subject_email) return false;
    const user = await trx
      .selectFrom('users')
      .select('id')
      .where(sql<string>`id::text`, '=', input.userId)
      .where(sql<string>`lower(email)`, '=', normalizeEmail(request.subject_email))
      .where('email_verified_at', 'is not', null)
      .executeTakeFirst();
    if (!user) return false;
    return recordSubjectConfirmation(trx, request, 'account', { rules: options.rules, now, ip: input.ip, userId: user.id });
  });
}

const KIND_VALUES = Object.keys(AUTHORITY_DOCUMENT_KINDS) as [AuthorityDocumentKind, ...AuthorityDocumentKind[]];

export const authorityActionSchema = z.discriminatedUnion('intent', [
  z.object({
    intent: z.literal('attest'),
    version: z.string().min(1, 'Reload the page and try again'),
    documentKind: z.enum(KIND_VALUES, { error: 'Choose the kind of document you checked' }),
    document: z
      .string()
      .trim()
      .min(5, 'Name the document you checked (what it is, its date, who signed it)')
      .max(300, 'At most 300 characters')
      // eslint-disable-next-line no-control-regex
      .refine((v) => !/[\u0000-\u001F\u007F]/.test(v), 'Use one line of plain text'),
    checked: z.literal('yes', { error: "Confirm that you checked the document against the subject's details" }),
  }),
  z.object({ intent: z.literal('resend') }),
]);
export type AuthorityAction = z.infer<typeof authorityActionSchema>;

/** The authority page: the agent, the subject, what was confirmed or attested, and the documents the agent sent. Audited as a view. */
export async function getAuthorityForStaff(db: DB, actor: Actor, id: string) {
  if (!/^\d{1,18}$/.test(id)) return undefined;
  const request = await db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirst();
  if (!request) return undefined;
  const [documents, checker] = await Promise.all([
    db
      .selectFrom('request_attachments')
      .select(['id', 'filename', 'content_type', 'size', 'created_at'])
      .where('request_id', '=', id)
      .orderBy('id')
      .execute(),
    request.authority_checked_by
      ? db.selectFrom('users').select('email').where('id', '=', request.authority_checked_by).executeTakeFirst()
      : Promise.resolve(undefined),
  ]);
  await recordAudit(db, { actorId: actor.id, ip: actor.ip, action: 'request.authority_view', targetType: 'request', targetId: id });
  return { request, documents, checkerEmail: checker?.email ?? null, version: requestVersion(request) };
}

/**
 * Staff record that they checked the agent's authority, naming the document. Refused for a
 * request that is not an agent's for another person, one already closed, or a stale form.
 */
export async function attestAuthority(
  db: DB,
  input: { requestId: string; version: string; documentKind: AuthorityDocumentKind; document: string },
  actor: Actor & { id: string },
  options: { now?: Date } = {},
): Promise<void> {
  const now = options.now ?? new Date();
  const deleted = await withLockedRequest(db, input.requestId, async (trx, request) => {
    if (!request) throw new RequestConflictError('No such request');
    if (input.version !== requestVersion(request)) throw new StaleFormError();
    if (!actsForAnotherPerson(request)) throw new RequestConflictError('This request is not made for another person: there is no authority to check');
    if (isClosed(request.state)) throw new RequestConflictError('The request is closed');
    if (request.authority_checked_at) throw new RequestConflictError('The authority check is already recorded');
    await trx
      .updateTable('requests')
      .set({
        authority_checked_at: now,
        authority_checked_by: actor.id,
        authority_document_kind: input.documentKind,
        authority_document: input.document,
        updated_at: now,
      })
      .where('id', '=', request.id)
      .execute();
    await appendEvent(trx, {
      requestId: request.id,
      actor: { kind: 'staff', id: actor.id, ip: actor.ip },
      kind: 'authority_checked',
      note: `Authority of the representative checked: ${AUTHORITY_DOCUMENT_KINDS[input.documentKind]}: ${input.document}`,
      visibleToSubject: false,
    });
    // The kind is enough for the permanent trail; the description, which may name people, stays with the request.
    await recordAudit(trx, {
      actorId: actor.id,
      ip: actor.ip,
      action: 'request.authority_attested',
      targetType: 'request',
      targetId: String(request.id),
      details: { documentKind: input.documentKind },
    });
    // Issue 21.5: checked and recorded as a manual identity check is. The authorisation the agent
    // sent with the form is deleted now; only the fact of the check (kind, who, when) stays.
    const submitted = await trx.selectFrom('request_events').select('id').where('request_id', '=', request.id).where('kind', '=', 'submitted').executeTakeFirst();
    const removed = submitted
      ? Number((await trx.deleteFrom('request_attachments').where('request_id', '=', request.id).where('event_id', '=', submitted.id).executeTakeFirst()).numDeletedRows)
      : 0;
    await trx
      .insertInto('identity_checks')
      .values({ request_id: request.id, purpose: 'authority', method: input.documentKind, note: input.document, checked_by: actor.id, checked_at: now, documents_deleted: removed })
      .execute();
    await raiseLevel(trx, request, 'manual', { kind: 'staff', id: actor.id, ip: actor.ip }, { now, how: `authority of the representative checked: ${AUTHORITY_DOCUMENT_KINDS[input.documentKind]}` });
    return removed;
  });
  if (deleted > 0) {
    try {
      await sql`vacuum request_attachments`.execute(db);
    } catch {
      // Best effort: autovacuum frees the space later.
    }
  }
}

/** A fresh confirmation link to the subject's address (the first one expired or was lost). */
export async function resendSubjectConfirmation(
  db: DB,
  input: { requestId: string },
  actor: Actor & { id: string },
  options: { rules: RequestPolicy; now?: Date },
): Promise<void> {
  const now = options.now ?? new Date();
  await withLockedRequest(db, input.requestId, async (trx, request) => {
    if (!request) throw new RequestConflictError('No such request');
    if (!actsForAnotherPerson(request)) throw new RequestConflictError('This request is not made for another person');
    if (request.subject_confirmed_at) throw new RequestConflictError('The subject has already confirmed');
    if (isClosed(request.state)) throw new RequestConflictError('The request is closed');
    const token = await issueToken(trx, request.id, 'subject_confirm', now);
    await mailVerificationLink(trx, request, token, options.rules, 'resend', { to: request.subject_email!, forSubject: true });
    await appendEvent(trx, {
      requestId: request.id,
      actor: { kind: 'staff', id: actor.id, ip: actor.ip },
      kind: 'subject_link_sent',
      note: 'A new confirmation link was sent to the address of the person this request is about.',
      visibleToSubject: false,
    });
    await recordAudit(trx, { actorId: actor.id, ip: actor.ip, action: 'request.subject_link_sent', targetType: 'request', targetId: String(request.id) });
  });
}
