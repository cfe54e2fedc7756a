import { createHmac, randomInt } from 'node:crypto';
import { sql } from 'kysely';
import { z } from 'zod';
import type { DB, Tx } from '../../../db/client';
import type { RequestRow } from '../../../db/schema';
import { recordAudit, type Actor } from '~/models/audit.server';
import { VERIFICATION_CODE } from '~/models/policy';
import { consumeRateLimit } from '~/models/rate-limits.server';
import { actsForAnotherPerson, subjectAddressOf } from '~/models/requests/authority';
import { recordSubjectConfirmation } from '~/models/requests/authority.server';
import { isClosed, isUnverified } from '~/models/requests/lifecycle';
import { mailVerificationCode } from '~/models/requests/mail.server';
import type { RequestPolicy } from '~/models/requests/policy';
import { requestVersion, StaleFormError } from '~/models/requests/staff.server';
import { appendEvent, applyTransition, raiseLevel, RequestConflictError, withLockedRequest } from '~/models/requests/transitions.server';
import { levelStatus } from '~/models/requests/verification-levels.server';
import { safeEqual } from '~/utils/crypto.server';
import { normalizeEmail } from '~/utils/email';
import { hasControlCharacters, STAFF_CONTROL_ERROR } from '~/utils/text';

/**
 * How a subject raises a request's identity level (signed in; a one-time code) and how staff
 * record a manual check (issue 21.3-21.5). Each is one transaction with its timeline and audit
 * events; the level rises through `raiseLevel` and is never lowered.
 */

/** The signed-in user when their confirmed address is the request's subject address; else undefined. */
async function matchingUser(trx: Tx, request: RequestRow, userId: string) {
  return trx
    .selectFrom('users')
    .select(['id', 'email'])
    .where(sql<string>`id::text`, '=', userId)
    .where(sql<string>`lower(email)`, '=', normalizeEmail(subjectAddressOf(request)))
    .where('email_verified_at', 'is not', null)
    .executeTakeFirst();
}

export type SignedInConfirmation = 'confirmed' | 'not_yours' | 'nothing_to_do';

/**
 * The subject confirms the request signed in to the account that proved its address: the
 * request reaches `account` (an unverified one is verified too: the clock starts), and it
 * belongs to that account from now on. For an agent's request this is the subject's own
 * confirmation (authority.server.ts).
 */
export async function confirmSignedIn(
  db: DB,
  input: { requestId: string; userId: string; ip: string | null },
  options: { rules: RequestPolicy; now?: Date },
): Promise<SignedInConfirmation> {
  const now = options.now ?? new Date();
  return withLockedRequest(db, input.requestId, async (trx, request): Promise<SignedInConfirmation> => {
    if (!request || isClosed(request.state)) return 'nothing_to_do';
    const user = await matchingUser(trx, request, input.userId);
    if (!user) return 'not_yours';
    const actor = { kind: 'subject' as const, id: user.id, ip: input.ip };
    if (actsForAnotherPerson(request)) {
      return (await recordSubjectConfirmation(trx, request, 'account', { rules: options.rules, now, ip: input.ip, userId: user.id })) ? 'confirmed' : 'nothing_to_do';
    }
    let current = request;
    if (isUnverified(current.state)) {
      await trx
        .updateTable('request_tokens')
        .set({ used_at: now })
        .where('request_id', '=', current.id)
        .where('purpose', '=', 'verify')
        .where('used_at', 'is', null)
        .execute();
      current = await applyTransition(trx, current, 'verify', actor, { rules: options.rules, now });
    }
    if (!current.user_id) await trx.updateTable('requests').set({ user_id: user.id }).where('id', '=', current.id).execute();
    const raised = await raiseLevel(trx, current, 'account', actor, { now, how: 'confirmed while signed in to the account' });
    return raised ? 'confirmed' : 'nothing_to_do';
  });
}

function codeHash(key: string, requestId: string, code: string): string {
  return createHmac('sha256', key).update(`verification-codes/v1:${requestId}:${code}`).digest('hex');
}

export type CodeSent = { status: 'sent'; code: string } | { status: 'not_yours' | 'not_needed' | 'limited' };

/**
 * Mails a one-time code to the subject's address, for a request that needs `account+code` and
 * has reached `account`. Only its HMAC is stored (keyed outside the database), with an expiry;
 * a new code voids the earlier ones. The code is returned for the caller's tests, never shown.
 */
export async function sendVerificationCode(
  db: DB,
  input: { requestId: string; userId: string; ip: string | null },
  options: { rules: RequestPolicy; now?: Date },
): Promise<CodeSent> {
  const now = options.now ?? new Date();
  const key = options.rules.codeKey;
  if (!key) throw new Error('sendVerificationCode: rules.codeKey is needed');
  return withLockedRequest(db, input.requestId, async (trx, request): Promise<CodeSent> => {
    if (!request || isClosed(request.state)) return { status: 'not_needed' };
    const user = await matchingUser(trx, request, input.userId);
    if (!user) return { status: 'not_yours' };
    const status = await levelStatus(trx, request, options.rules);
    if (status.step !== 'code') return { status: 'not_needed' };
    const limit = await consumeRateLimit(trx, { bucket: 'verification-code', key: String(request.id), ...VERIFICATION_CODE.perRequest, now });
    if (!limit.allowed) return { status: 'limited' };
    const code = String(randomInt(0, 10 ** VERIFICATION_CODE.digits)).padStart(VERIFICATION_CODE.digits, '0');
    await trx.updateTable('verification_codes').set({ used_at: now }).where('request_id', '=', request.id).where('used_at', 'is', null).execute();
    await trx
      .insertInto('verification_codes')
      .values({
        request_id: request.id,
        code_hash: codeHash(key, String(request.id), code),
        expires_at: new Date(now.getTime() + VERIFICATION_CODE.lifetimeMinutes * 60_000),
        created_at: now,
      })
      .execute();
    await mailVerificationCode(trx, request, code, options.rules);
    await appendEvent(trx, {
      requestId: request.id,
      actor: { kind: 'subject', id: user.id, ip: input.ip },
      kind: 'code_sent',
      note: 'A one-time code was emailed to the address, at the subject’s request.',
      visibleToSubject: false,
    });
    await recordAudit(trx, { actorId: user.id, ip: input.ip, action: 'request.code_sent', targetType: 'request', targetId: String(request.id) });
    return { status: 'sent', code };
  });
}

export type CodeResult = 'confirmed' | 'wrong' | 'expired' | 'locked' | 'not_yours' | 'not_needed';

/**
 * Checks a code typed by the signed-in subject against the latest one mailed. Each wrong try
 * counts (and is kept: the transaction commits); after VERIFICATION_CODE.maxAttempts the code is
 * dead and a new one must be asked for.
 */
export async function enterVerificationCode(
  db: DB,
  input: { requestId: string; userId: string; ip: string | null; code: string },
  options: { rules: RequestPolicy; now?: Date },
): Promise<CodeResult> {
  const now = options.now ?? new Date();
  const key = options.rules.codeKey;
  if (!key) throw new Error('enterVerificationCode: rules.codeKey is needed');
  return withLockedRequest(db, input.requestId, async (trx, request): Promise<CodeResult> => {
    if (!request || isClosed(request.state)) return 'not_needed';
    const user = await matchingUser(trx, request, input.userId);
    if (!user) return 'not_yours';
    const status = await levelStatus(trx, request, options.rules);
    if (status.step !== 'code') return 'not_needed';
    const latest = await trx
      .selectFrom('verification_codes')
      .selectAll()
      .where('request_id', '=', request.id)
      .where('used_at', 'is', null)
      .orderBy('id', 'desc')
      .executeTakeFirst();
    if (!latest || latest.expires_at.getTime() <= now.getTime()) return 'expired';
    if (latest.attempts >= VERIFICATION_CODE.maxAttempts) return 'locked';
    const typed = input.code.replace(/\s+/g, '');
    const actor = { kind: 'subject' as const, id: user.id, ip: input.ip };
    if (!/^\d{1,12}$/.test(typed) || !safeEqual(codeHash(key, String(request.id), typed), latest.code_hash)) {
      const attempts = latest.attempts + 1;
      await trx.updateTable('verification_codes').set({ attempts }).where('id', '=', latest.id).execute();
      await recordAudit(trx, { actorId: user.id, ip: input.ip, action: 'request.code_failed', targetType: 'request', targetId: String(request.id), details: { attempts } });
      return attempts >= VERIFICATION_CODE.maxAttempts ? 'locked' : 'wrong';
    }
    await trx.updateTable('verification_codes').set({ used_at: now }).where('id', '=', latest.id).execute();
    await raiseLevel(trx, request, 'account+code', actor, { now, how: 'signed in, and the code mailed to the address' });
    return 'confirmed';
  });
}

/** How staff may check identity; the list keeps the record comparable and free of documents. */
export const IDENTITY_CHECK_METHODS = {
  document_seen_in_person: 'Identity document seen in person (not copied)',
  document_seen_video: 'Identity document seen on a video call (not recorded)',
  document_copy_deleted: 'Copy of an identity document checked, then deleted',
  known_details: 'Details only the person would know, matched against our records',
  callback_known_number: 'Called back on a number already in our records',
  letter_known_address: 'Letter to a postal address already in our records',
  other: 'Other (say how in the note)',
} as const;
export type IdentityCheckMethod = keyof typeof IDENTITY_CHECK_METHODS;

export const identityCheckSchema = z.object({
  version: z.string().min(1, 'Reload the page and try again'),
  method: z.enum(Object.keys(IDENTITY_CHECK_METHODS) as [IdentityCheckMethod, ...IdentityCheckMethod[]], { error: 'Choose how you checked' }),
  note: z
    .string()
    .trim()
    .min(5, 'Say what you checked, without copying the document’s numbers')
    .max(500, 'At most 500 characters')
    .refine((v) => !hasControlCharacters(v), STAFF_CONTROL_ERROR),
  checked: z.literal('yes', { error: 'Confirm that you checked the person’s identity' }),
});

/** Deletes the named attachments of a request (the documents shown for a check); returns how many went. */
async function deleteDocuments(trx: Tx, requestId: string, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  // Attachment ids are UUIDs: anything else cannot be one of the request's files.
  const wanted = ids.filter((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id));
  if (wanted.length !== ids.length) throw new RequestConflictError('A document you named is not one of this request’s files; reload the page');
  const deleted = await trx.deleteFrom('request_attachments').where('request_id', '=', requestId).where('id', 'in', wanted).executeTakeFirst();
  const n = Number(deleted.numDeletedRows);
  if (n !== wanted.length) throw new RequestConflictError('A document you named is not one of this request’s files; reload the page');
  return n;
}

/**
 * Frees the space the deleted documents' rows held, so their (encrypted) bytes do not linger in
 * dead tuples until autovacuum. Outside any transaction; best effort, a later vacuum does it too.
 */
export async function vacuumDocuments(db: DB): Promise<boolean> {
  try {
    await sql`vacuum request_attachments`.execute(db);
    return true;
  } catch {
    return false;
  }
}

/**
 * Staff record a manual identity check: who (the actor), when (now), how (a method from the
 * list) and a note. The documents shown for it are deleted in the same transaction: only the
 * fact of the check stays (data minimisation). The request reaches `manual`.
 */
export async function recordIdentityCheck(
  db: DB,
  input: { requestId: string; version: string; method: IdentityCheckMethod; note: string; documentIds: readonly string[] },
  actor: Actor & { id: string },
  options: { now?: Date } = {},
): Promise<{ documentsDeleted: number }> {
  const now = options.now ?? new Date();
  const result = await withLockedRequest(db, input.requestId, async (trx, request) => {
    if (!request) throw new RequestConflictError('No such request');
    if (input.version !== requestVersion(request)) throw new StaleFormError();
    if (isClosed(request.state)) throw new RequestConflictError('The request is closed');
    const documentsDeleted = await deleteDocuments(trx, request.id, input.documentIds);
    await trx
      .insertInto('identity_checks')
      .values({ request_id: request.id, purpose: 'identity', method: input.method, note: input.note, checked_by: actor.id, checked_at: now, documents_deleted: documentsDeleted })
      .execute();
    await trx.updateTable('requests').set({ updated_at: now }).where('id', '=', request.id).execute();
    const staffRef = { kind: 'staff' as const, id: actor.id, ip: actor.ip };
    await appendEvent(trx, {
      requestId: request.id,
      actor: staffRef,
      kind: 'identity_checked',
      note: `Identity checked: ${IDENTITY_CHECK_METHODS[input.method]}. ${input.note}${documentsDeleted ? `\n\n${documentsDeleted} document(s) shown for the check were deleted.` : ''}`,
      visibleToSubject: false,
    });
    await recordAudit(trx, {
      actorId: actor.id,
      ip: actor.ip,
      action: 'request.identity_checked',
      targetType: 'request',
      targetId: String(request.id),
      details: { method: input.method, documentsDeleted },
    });
    await raiseLevel(trx, request, 'manual', staffRef, { now, how: IDENTITY_CHECK_METHODS[input.method] });
    return { documentsDeleted };
  });
  if (result.documentsDeleted > 0) await vacuumDocuments(db);
  return result;
}

/** The checks recorded on a request, for the staff page. */
export async function listIdentityChecks(db: DB, requestId: string) {
  return db
    .selectFrom('identity_checks as c')
    .leftJoin('users as u', 'u.id', 'c.checked_by')
    .select(['c.id', 'c.purpose', 'c.method', 'c.note', 'c.checked_at', 'c.documents_deleted', 'u.email as checker_email'])
    .where('c.request_id', '=', requestId)
    .orderBy('c.id')
    .execute();
}

/** The manual-check page: the request, the files it holds (which may be shown for a check) and the checks so far. Audited as a view. */
export async function getIdentityCheckPage(db: DB, actor: Actor, id: string) {
  if (!/^\d{1,18}$/.test(id)) return undefined;
  const request = await db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirst();
  if (!request) return undefined;
  const [documents, checks] = await Promise.all([
    db.selectFrom('request_attachments').select(['id', 'filename', 'size']).where('request_id', '=', id).orderBy('id').execute(),
    listIdentityChecks(db, id),
  ]);
  await recordAudit(db, { actorId: actor.id, ip: actor.ip, action: 'request.identity_view', targetType: 'request', targetId: id });
  return { request, documents, checks, version: requestVersion(request) };
}
