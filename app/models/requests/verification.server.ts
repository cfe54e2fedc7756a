import type { ExpressionBuilder } from 'kysely';
import type { DB } from '../../../db/client';
import type { Database, RequestRow } from '../../../db/schema';
import type { RequestPolicy } from '~/models/requests/policy';
import { mailStatusLink, mailVerificationLink } from '~/models/requests/mail.server';
import { consumeToken, findToken, issueToken, STATUS_LINK_DAYS_AFTER_CLOSE, type TokenStatus } from '~/models/requests/tokens.server';
import { emailKey } from '~/models/requests/requests.server';
import { isUnverified, isVerifiedAndOpen } from '~/models/requests/lifecycle';
import { daysMs } from '~/models/policy';
import { applyTransition, lockRequest } from '~/models/requests/transitions.server';
import { actsForAnotherPerson, recordSubjectConfirmation } from '~/models/requests/authority.server';
import { isClosed } from '~/models/requests/lifecycle';

/**
 * Email verification. Opening the link (GET) only looks; confirming is a POST, so a mail
 * scanner that prefetches links cannot verify anyone. The token is single-use and valid 7 days.
 */
export type VerificationView =
  | { status: 'unknown' }
  | {
      status: TokenStatus;
      /** The link went to the person an agent's request is about: they confirm that the agent acts for them. */
      forSubject: boolean;
      request: Pick<RequestRow, 'reference' | 'type' | 'state' | 'name' | 'email' | 'details' | 'created_at' | 'agent_relationship' | 'subject_name'>;
    };

/** Both kinds of confirmation link: the requester's own (`verify`) and the one sent to an agent's subject. */
const CONFIRM_PURPOSES = ['verify', 'subject_confirm'] as const;

export async function getVerificationView(db: DB, token: string, now: Date = new Date()): Promise<VerificationView> {
  const found = await findToken(db, token, CONFIRM_PURPOSES, now);
  if (!found) return { status: 'unknown' };
  const request = await db
    .selectFrom('requests')
    .select(['reference', 'type', 'state', 'name', 'email', 'details', 'created_at', 'agent_relationship', 'subject_name', 'subject_confirmed_at'])
    .where('id', '=', found.requestId)
    .executeTakeFirstOrThrow();
  const { subject_confirmed_at: subjectConfirmedAt, ...shown } = request;
  if (found.purpose === 'subject_confirm') {
    // The subject's link works while the request is open and they have not confirmed yet.
    const status = found.status === 'valid' && (subjectConfirmedAt || isClosed(request.state)) ? 'used' : found.status;
    return { status, forSubject: true, request: shown };
  }
  // A token for a request that has since expired behaves like an expired link.
  const status = found.status === 'valid' && !isUnverified(request.state) ? 'used' : found.status;
  return { status, forSubject: false, request: shown };
}

export type ConfirmResult =
  | { status: 'verified'; request: RequestRow; statusToken: string }
  | { status: 'subject_confirmed' }
  | { status: 'unknown' | 'expired' | 'used' };

/**
 * Confirms the email: uses the token, starts the clock, issues the private status link. The
 * link an agent's subject received records the subject's own confirmation instead (and
 * verifies the request if the agent has not yet); the subject gets no status link.
 */
export async function confirmVerification(
  db: DB,
  token: string,
  options: { rules: RequestPolicy; now?: Date; ip?: string | null },
): Promise<ConfirmResult> {
  const now = options.now ?? new Date();
  return db.transaction().execute(async (trx): Promise<ConfirmResult> => {
    const found = await findToken(trx, token, CONFIRM_PURPOSES, now);
    if (!found) return { status: 'unknown' };
    if (found.status !== 'valid') return { status: found.status };
    const request = await lockRequest(trx, found.requestId);
    if (found.purpose === 'subject_confirm') {
      if (!request || !(await consumeToken(trx, found.id, now))) return { status: 'used' };
      const done = await recordSubjectConfirmation(trx, request, 'email', { rules: options.rules, now, ip: options.ip });
      return done ? { status: 'subject_confirmed' } : { status: 'used' };
    }
    if (!request || !isUnverified(request.state)) return { status: 'used' };
    // A double click: the second POST waits on the row lock, then finds the token used.
    if (!(await consumeToken(trx, found.id, now))) return { status: 'used' };
    // Any other verification links for this request die with this one.
    await trx
      .updateTable('request_tokens')
      .set({ used_at: now })
      .where('request_id', '=', request.id)
      .where('purpose', '=', 'verify')
      .where('used_at', 'is', null)
      .execute();
    const verified = await applyTransition(trx, request, 'verify', { kind: 'subject' }, { rules: options.rules, now });
    const statusToken = await issueToken(trx, request.id, 'status', now);
    return { status: 'verified', request: verified, statusToken };
  });
}

export type ResendResult =
  | { sent: 'verify'; request: RequestRow; token: string }
  | { sent: 'subject'; request: RequestRow; token: string }
  | { sent: 'status'; request: RequestRow; token: string }
  | { sent: null };

/**
 * From an expired or used verification link: a new verification link while the request is
 * still unverified, or a new private status link once it is verified. Either goes to the
 * request's email address only. A closed or expired request gets nothing.
 */
export async function resendLink(
  db: DB,
  token: string,
  options: { rules: RequestPolicy; now?: Date },
): Promise<ResendResult> {
  const now = options.now ?? new Date();
  const settings = options.rules;
  return db.transaction().execute(async (trx): Promise<ResendResult> => {
    const found = await findToken(trx, token, CONFIRM_PURPOSES, now);
    if (!found) return { sent: null };
    const request = await lockRequest(trx, found.requestId);
    if (!request) return { sent: null };
    if (found.purpose === 'subject_confirm') {
      // A new link for the subject, to the subject's address, while there is still something to confirm.
      if (!actsForAnotherPerson(request) || request.subject_confirmed_at || isClosed(request.state)) return { sent: null };
      const fresh = await issueToken(trx, request.id, 'subject_confirm', now);
      await mailVerificationLink(trx, request, fresh, settings, 'resend', { to: request.subject_email!, forSubject: true });
      return { sent: 'subject', request, token: fresh };
    }
    if (isUnverified(request.state)) {
      const fresh = await issueToken(trx, request.id, 'verify', now);
      await mailVerificationLink(trx, request, fresh, settings, 'resend');
      return { sent: 'verify', request, token: fresh };
    }
    if (isVerifiedAndOpen(request.state)) {
      const fresh = await issueToken(trx, request.id, 'status', now);
      await mailStatusLink(trx, request, settings, 'resend', fresh);
      return { sent: 'status', request, token: fresh };
    }
    return { sent: null };
  });
}

/** Requests whose status links still work: open ones, and closed ones for STATUS_LINK_DAYS_AFTER_CLOSE days. */
function linkStillLive(now: Date) {
  const closedSince = new Date(now.getTime() - daysMs(STATUS_LINK_DAYS_AFTER_CLOSE));
  return (eb: ExpressionBuilder<Database, 'requests'>) => eb.or([eb('closed_at', 'is', null), eb('closed_at', '>', closedSince)]);
}

/** The request behind a private status link, or undefined once the link's life is over. */
export async function resolveStatusLink(db: DB, token: string, now: Date = new Date()): Promise<RequestRow | undefined> {
  const found = await findToken(db, token, 'status', now);
  if (!found) return undefined;
  return db
    .selectFrom('requests')
    .selectAll()
    .where('id', '=', found.requestId)
    .where('personal_data_deleted_at', 'is', null)
    .where('state', 'not in', ['unverified', 'expired'])
    .where(linkStillLive(now))
    .executeTakeFirst();
}

/**
 * "Lost your link": a fresh status link, by email, for each of the address's requests whose
 * link would still work. The caller answers the same whether or not there were any.
 */
export async function resendStatusLinks(
  db: DB,
  email: string,
  options: { rules: RequestPolicy; now?: Date },
): Promise<number> {
  const now = options.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    const requests = await trx
      .selectFrom('requests')
      .selectAll()
      .where('email_key', '=', emailKey(email))
      .where('personal_data_deleted_at', 'is', null)
      .where('state', 'not in', ['unverified', 'expired'])
      .where(linkStillLive(now))
      .orderBy('id')
      .limit(20)
      .execute();
    for (const request of requests) {
      const token = await issueToken(trx, request.id, 'status', now);
      await mailStatusLink(trx, request, options.rules, 'resend', token);
    }
    return requests.length;
  });
}
