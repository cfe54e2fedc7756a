import { sql } from 'kysely';
import type { RequestPolicy } from '~/models/requests/policy';
import type { DB } from '../../../db/client';
import type { RequestRow } from '../../../db/schema';
import { normalizeEmail } from '~/utils/email';
import { localDate } from '~/models/requests/deadlines';
import { enqueueJob } from '~/models/jobs.server';
import type { IntakeInput } from '~/models/requests/intake-rules.server';
import { ACTIVE_STATES, isUnverified } from '~/models/requests/lifecycle';
import { daysMs, RETENTION_DAYS } from '~/models/policy';
import { issueToken, VERIFY_TTL_DAYS } from '~/models/requests/tokens.server';
import { appendEvent, applyTransition, withLockedRequest } from '~/models/requests/transitions.server';
import { mailStatusLink, mailVerificationLink } from '~/models/requests/mail.server';
import { storeAttachment, type AttachmentType } from '~/models/requests/attachments.server';
import type { Language } from '~/utils/i18n';
import { actsForAnotherPerson } from '~/models/requests/authority';

export type { RequestRow };


/** DSR-2026-000123: the year the request was filed (organisation's time zone) and a global sequence number. */
export function formatReference(year: string, number: string | number): string {
  return `DSR-${year}-${String(number).padStart(6, '0')}`;
}

/** The key duplicate detection and rate limits use for an address. */
export const emailKey = normalizeEmail;

export type IntakeResult =
  | { outcome: 'created'; request: RequestRow; verifyToken?: string }
  | { outcome: 'duplicate'; request: RequestRow; verifyToken?: string; statusToken?: string }
  | { outcome: 'replayed'; reference: string | null };

/**
 * Files a request. In one transaction: claims the form's idempotency key (a retried post finds
 * it and changes nothing), links a second active request of the same type for the same email
 * to the first instead of starting a new clock, or creates the request with its reference,
 * timeline event, verification token and expiry job. A signed-in subject filing with their own
 * account's email is verified at once and the clock starts now.
 *
 * `userId` is the signed-in account, if any. The request belongs to it only when the request's
 * email is that account's confirmed email, checked here against the users table: anyone can
 * type someone else's address, and the owner's confirmation must not hand their request to
 * whoever typed it.
 */
export async function createRequest(
  db: DB,
  input: IntakeInput & {
    /** The signed-in account, if any: the request becomes its own only when the email is the account's confirmed address. */
    userId?: string | null;
    /** The language the form was filled in: later emails use it. */
    lang?: Language;
    /** An agent's proof of authority, already checked (checkAttachment); stored encrypted with the request. */
    authorisation?: { filename: string; bytes: Buffer; contentType: AttachmentType };
  },
  options: { rules: RequestPolicy; now?: Date; exportKey?: string },
): Promise<IntakeResult> {
  const now = options.now ?? new Date();
  const key = emailKey(input.email);
  const agent = input.requesterRole === 'representative' && !!input.subjectEmail;
  // An agent may act for several people: their requests are told apart by the subject's address.
  const subjectKey = agent ? emailKey(input.subjectEmail!) : '';
  return db.transaction().execute(async (trx): Promise<IntakeResult> => {
    const claimed = await trx
      .insertInto('request_submissions')
      .values({ key: input.submissionId, outcome: 'created' })
      .onConflict((oc) => oc.column('key').doNothing())
      .returning('key')
      .executeTakeFirst();
    if (!claimed) {
      const earlier = await trx
        .selectFrom('request_submissions')
        .leftJoin('requests', 'requests.id', 'request_submissions.request_id')
        .select('requests.reference')
        .where('request_submissions.key', '=', input.submissionId)
        .executeTakeFirst();
      return { outcome: 'replayed', reference: earlier?.reference ?? null };
    }
    // Two different submissions for the same email and type must not both pass the duplicate check.
    await sql`select pg_advisory_xact_lock(hashtextextended(${`request:${key}:${input.type}:${subjectKey}`}, 0))`.execute(trx);
    // A request for someone else (an agent's) never belongs to the agent's account.
    const ownerId = input.userId && !agent ? await confirmedOwner(trx, input.userId, key) : null;

    const existing = await trx
      .selectFrom('requests')
      .selectAll()
      .where('email_key', '=', key)
      .where('type', '=', input.type)
      .where('state', 'in', [...ACTIVE_STATES])
      .where(sql<string>`coalesce(lower(subject_email), '')`, '=', subjectKey)
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    if (existing) {
      await appendEvent(trx, {
        requestId: existing.id,
        actor: { kind: 'subject', id: ownerId },
        kind: 'duplicate_submission',
        note: 'The same request was submitted again. It was linked to this one; no new deadline started.',
      });
      await trx
        .updateTable('request_submissions')
        .set({ request_id: existing.id, outcome: 'duplicate' })
        .where('key', '=', input.submissionId)
        .execute();
      // The reminder goes to the mailbox only, with a fresh link: whoever typed the address learns nothing here.
      const settings = options.rules;
      if (isUnverified(existing.state)) {
        const verifyToken = await issueToken(trx, existing.id, 'verify', now);
        await mailVerificationLink(trx, existing, verifyToken, settings, 'duplicate');
        return { outcome: 'duplicate', request: existing, verifyToken };
      }
      const statusToken = await issueToken(trx, existing.id, 'status', now);
      await mailStatusLink(trx, existing, settings, 'duplicate', statusToken);
      return { outcome: 'duplicate', request: existing, statusToken };
    }

    const { n } = await sql<{ n: string }>`select nextval('request_reference_seq')::text as n`
      .execute(trx)
      .then((r) => r.rows[0]!);
    const created = await trx
      .insertInto('requests')
      .values({
        reference: formatReference(localDate(now, options.rules.timeZone).slice(0, 4), n),
        type: input.type,
        state: 'unverified',
        email: input.email,
        email_key: key,
        name: input.name,
        account_identifier: input.accountIdentifier || null,
        details: input.details || null,
        requester_role: input.requesterRole,
        user_id: ownerId,
        lang: input.lang ?? 'en',
        scope: input.scope?.trim() || null,
        aliases: input.aliases?.trim() || null,
        period_from: input.periodFrom || null,
        period_to: input.periodTo || null,
        preferred_format: input.preferredFormat || null,
        country: input.country || null,
        subject_name: agent ? input.subjectName!.trim() : null,
        subject_email: agent ? input.subjectEmail!.trim() : null,
        agent_relationship: agent ? input.agentRelationship || 'other' : null,
        // The public form; staff logging a request from another channel names that channel.
        channel: 'web',
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('request_submissions')
      .set({ request_id: created.id })
      .where('key', '=', input.submissionId)
      .execute();
    const submittedEvent = await appendEvent(trx, {
      requestId: created.id,
      actor: { kind: 'subject', id: ownerId },
      kind: 'submitted',
      to: 'unverified',
      note: 'Request received.',
    });
    if (input.authorisation) {
      if (!options.exportKey) throw new Error('createRequest: an authorisation needs the export key to be stored encrypted');
      await storeAttachment(trx, { requestId: created.id, eventId: submittedEvent, ...input.authorisation }, options.exportKey);
    }
    if (ownerId) {
      const request = await applyTransition(trx, created, 'verify', { kind: 'system' }, { rules: options.rules, now });
      return { outcome: 'created', request };
    }
    await enqueueJob(trx, {
      kind: 'request.expire',
      payload: { requestId: String(created.id) },
      runAt: new Date(now.getTime() + daysMs(VERIFY_TTL_DAYS)),
      dedupeKey: `request.expire:${created.id}`,
    });
    const verifyToken = await issueToken(trx, created.id, 'verify', now);
    await mailVerificationLink(trx, created, verifyToken, options.rules, 'receipt');
    if (actsForAnotherPerson(created)) {
      // The person the request is about hears of it too, and confirms it themselves: until they
      // do (or staff record a check of the agent's authority), it cannot reach their data.
      const subjectToken = await issueToken(trx, created.id, 'subject_confirm', now);
      await mailVerificationLink(trx, created, subjectToken, options.rules, 'receipt', { to: created.subject_email!, forSubject: true });
    }
    return { outcome: 'created', request: created, verifyToken };
  });
}

/** The account's id when its confirmed email is `key`; null for an unconfirmed or another address. */
async function confirmedOwner(trx: DB, userId: string, key: string): Promise<string | null> {
  const user = await trx
    .selectFrom('users')
    .select('id')
    // As text: a session's user id is always a uuid, but a malformed one must not abort the transaction.
    .where(sql<string>`id::text`, '=', userId)
    .where(sql<string>`lower(email)`, '=', key)
    .where('email_verified_at', 'is not', null)
    .executeTakeFirst();
  return user?.id ?? null;
}

/** A request the signed-in subject filed; undefined for anyone else's. */
export async function getRequestForSubject(db: DB, scope: { id: string; userId: string }) {
  if (!/^\d{1,18}$/.test(scope.id)) return undefined;
  return db
    .selectFrom('requests')
    .selectAll()
    .where('id', '=', scope.id)
    .where('user_id', '=', scope.userId)
    .executeTakeFirst();
}

export async function listRequestsForUser(db: DB, userId: string) {
  return db
    .selectFrom('requests')
    .select(['id', 'reference', 'type', 'state', 'created_at', 'received_at', 'due_date'])
    .where('user_id', '=', userId)
    .orderBy('id', 'desc')
    .execute();
}

export async function getRequestById(db: DB, id: string) {
  return db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The timeline as the subject sees it: transitions and messages meant for them, oldest first. */
export async function getSubjectTimeline(db: DB, requestId: string) {
  return db
    .selectFrom('request_events')
    .select(['id', 'at', 'actor', 'kind', 'to_state', 'note'])
    .where('request_id', '=', requestId)
    .where('visible_to_subject', '=', true)
    .orderBy('id')
    .execute();
}

/** The expiry job: a request still unverified after 7 days expires; its data is purged later. */
export async function expireUnverifiedRequest(
  db: DB,
  requestId: string,
  options: { rules: RequestPolicy; now?: Date },
): Promise<boolean> {
  const now = options.now ?? new Date();
  return withLockedRequest(db, requestId, async (trx, request) => {
    if (!request || !isUnverified(request.state)) return false;
    await applyTransition(trx, request, 'expire', { kind: 'system' }, { rules: options.rules, now });
    await enqueueJob(trx, {
      kind: 'request.purge-personal-data',
      payload: { requestId: String(requestId) },
      runAt: new Date(request.created_at.getTime() + daysMs(RETENTION_DAYS.unverifiedRequestPersonalData)),
      dedupeKey: `request.purge-personal-data:${requestId}`,
    });
    return true;
  });
}

/**
 * Deletes what a never-verified request held about a person: name, email, details, links,
 * submitted text. The reference, type, dates and state stay, so counts and the sequence of
 * references still add up.
 */
export async function purgeUnverifiedPersonalData(db: DB, requestId: string, now: Date = new Date()): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const purged = await trx
      .updateTable('requests')
      .set({
        email: '',
        email_key: null,
        name: '',
        account_identifier: null,
        details: null,
        personal_data_deleted_at: now,
        updated_at: now,
      })
      .where('id', '=', requestId)
      .where('state', '=', 'expired')
      .where('personal_data_deleted_at', 'is', null)
      .executeTakeFirst();
    if (purged.numUpdatedRows !== 1n) return false;
    await trx.deleteFrom('request_tokens').where('request_id', '=', requestId).execute();
    await trx.deleteFrom('request_attachments').where('request_id', '=', requestId).execute();
    await trx.updateTable('request_events').set({ note: null }).where('request_id', '=', requestId).execute();
    await appendEvent(trx, {
      requestId,
      actor: { kind: 'system' },
      kind: 'personal_data_deleted',
      note: 'Personal data of this unverified request was deleted.',
      visibleToSubject: false,
    });
    return true;
  });
}
