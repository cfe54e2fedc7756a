import fs from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import type { DB } from '../../db/client';
import { recordAudit } from '~/models/audit.server';
import { deleteExpiredSessions } from '~/models/accounts/sessions.server';
import { deleteStaleThrottleRows } from '~/models/accounts/login-throttle.server';
import { pruneRateLimits } from '~/models/rate-limits.server';
import { RETENTION_DAYS } from '~/models/policy';
import { purgeInboxItems } from '~/models/inbox/inbox.server';
import { purgeLapsedPackages } from '~/models/requests/packages.server';
import { emailProofHash, reduceToProofRecord } from '~/models/requests/proof.server';

/**
 * Retention that really deletes: the periodic rules, run once a day by the maintenance job.
 * Periods come from RETENTION_DAYS (app/models/policy.ts) unless the environment sets them.
 * Rules that run per request from the request jobs (unverified requests expire and later lose
 * their personal data; attachments go after a request closes) are not here.
 */
export const RETENTION_DEFAULTS: RetentionPolicy = {
  unconfirmedSubscriptionDays: RETENTION_DAYS.unconfirmedSubscription,
  closedRequestDays: RETENTION_DAYS.closedRequest,
  mailOutboxDays: RETENTION_DAYS.mailOutbox,
  inboxDays: RETENTION_DAYS.inboxItems,
};

/** The policy table's periods, with any the environment overrides. */
export function retentionPolicy(overrides: Partial<RetentionPolicy> = {}): RetentionPolicy {
  return {
    unconfirmedSubscriptionDays: overrides.unconfirmedSubscriptionDays ?? RETENTION_DEFAULTS.unconfirmedSubscriptionDays,
    closedRequestDays: overrides.closedRequestDays ?? RETENTION_DEFAULTS.closedRequestDays,
    mailOutboxDays: overrides.mailOutboxDays ?? RETENTION_DEFAULTS.mailOutboxDays,
    inboxDays: overrides.inboxDays ?? RETENTION_DEFAULTS.inboxDays,
  };
}

export type RetentionPolicy = { unconfirmedSubscriptionDays: number; closedRequestDays: number; mailOutboxDays: number; inboxDays: number };
export type RetentionCounts = {
  expiredSessions: number;
  staleThrottleRows: number;
  expiredRateLimitWindows: number;
  expiredRequestTokens: number;
  unconfirmedSubscriptions: number;
  anonymisedRequests: number;
  oldOutboxMail: number;
  /** Access packages past their days or downloads whose purge job had not run. */
  lapsedAccessPackages: number;
  /** Records of staff reminders sent (recipient address, day), past RETENTION_DAYS.reminderSends. */
  oldReminderSends: number;
  /** Staff invitations and setup links accepted, revoked or expired more than RETENTION_DAYS.spentInvitations ago. */
  spentInvitations: number;
  /** Mail files (DATA_DIR/mail, written without SMTP_URL) past the outbox's period. */
  oldMailFiles: number;
  /** Privacy-mailbox items past RETENTION_INBOX_DAYS. */
  oldInboxItems: number;
};

const daysBefore = (now: Date, days: number) => new Date(now.getTime() - days * 86_400_000);

export { emailProofHash };

/**
 * Closed requests older than the period become proof records: id, reference, type, dates and
 * outcome stay, with the email's hash; the address, name, identifiers, free text, notes,
 * tokens and files go. One transaction per request, so a failure leaves each whole.
 */
export async function anonymiseClosedRequests(db: DB, now: Date, days: number): Promise<number> {
  const due = await db
    .selectFrom('requests')
    .select(['id', 'email'])
    .where('closed_at', '<', daysBefore(now, days))
    .where('personal_data_deleted_at', 'is', null)
    .where('state', 'in', ['completed', 'denied', 'withdrawn', 'expired'])
    .orderBy('id')
    .limit(1000)
    .execute();
  let count = 0;
  for (const request of due) {
    await db.transaction().execute(async (trx) => {
      const done = await reduceToProofRecord(trx, request.id, { now, note: 'Retention: personal data removed; this proof record remains.' });
      if (!done) return;
      if (request.email) await trx.deleteFrom('mail_outbox').where('to_address', '=', request.email).where('status', '!=', 'queued').execute();
      count += 1;
    });
  }
  return count;
}

/** Invitations (they hold the invitee's address) and setup links, once spent or dead for the period. */
async function deleteSpentInvitations(db: DB, before: Date): Promise<number> {
  const invitations = await db
    .deleteFrom('staff_invitations')
    .where(sql<Date>`least(coalesce(accepted_at, 'infinity'), coalesce(revoked_at, 'infinity'), expires_at)`, '<', before)
    .executeTakeFirst();
  const links = await db.deleteFrom('admin_setup_links').where(sql<Date>`least(coalesce(used_at, 'infinity'), expires_at)`, '<', before).executeTakeFirst();
  return Number(invitations.numDeletedRows) + Number(links.numDeletedRows);
}

/** A mail file's time: from its name (`2026-01-31T10-00-00-000Z-00000042.eml`), else when it was last written. */
function mailFileTime(name: string, mtime: Date): Date {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z-/.exec(name);
  return m ? new Date(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`) : mtime;
}

/** The outbox's retention applied to the `.eml` files the mail fallback writes: older than `days`, deleted. */
export async function pruneMailFiles(dir: string, days: number, now: Date = new Date()): Promise<number> {
  const cutoff = daysBefore(now, days).getTime();
  let deleted = 0;
  for (const name of (await fs.readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.eml'))) {
    const file = path.join(dir, name);
    const stat = await fs.stat(file).catch(() => null);
    if (!stat || mailFileTime(name, stat.mtime).getTime() >= cutoff) continue;
    await fs.rm(file, { force: true });
    deleted += 1;
  }
  return deleted;
}

/** Applies every periodic retention rule once and records the run, with its counts, in the audit trail. */
export async function runRetention(db: DB, policy: RetentionPolicy, now: Date = new Date(), files: { mailDir?: string } = {}): Promise<RetentionCounts> {
  const counts: RetentionCounts = {
    expiredSessions: await deleteExpiredSessions(db, now),
    staleThrottleRows: await deleteStaleThrottleRows(db, now),
    expiredRateLimitWindows: await pruneRateLimits(db, now),
    expiredRequestTokens: Number(
      (await db.deleteFrom('request_tokens').where('expires_at', '<', daysBefore(now, RETENTION_DAYS.expiredRequestLinkGrace)).executeTakeFirst()).numDeletedRows,
    ),
    unconfirmedSubscriptions: Number(
      (
        await db
          .deleteFrom('subprocessor_subscriptions')
          .where('confirmed_at', 'is', null)
          .where('created_at', '<', daysBefore(now, policy.unconfirmedSubscriptionDays))
          .executeTakeFirst()
      ).numDeletedRows,
    ),
    anonymisedRequests: await anonymiseClosedRequests(db, now, policy.closedRequestDays),
    oldOutboxMail: Number(
      (
        await db
          .deleteFrom('mail_outbox')
          .where('status', 'in', ['sent', 'failed'])
          .where(sql<Date>`coalesce(sent_at, created_at)`, '<', daysBefore(now, policy.mailOutboxDays))
          .executeTakeFirst()
      ).numDeletedRows,
    ),
    lapsedAccessPackages: await purgeLapsedPackages(db, now),
    oldReminderSends: Number(
      (await db.deleteFrom('reminder_sends').where('created_at', '<', daysBefore(now, RETENTION_DAYS.reminderSends)).executeTakeFirst())
        .numDeletedRows,
    ),
    spentInvitations: await deleteSpentInvitations(db, daysBefore(now, RETENTION_DAYS.spentInvitations)),
    oldMailFiles: files.mailDir ? await pruneMailFiles(files.mailDir, policy.mailOutboxDays, now) : 0,
    oldInboxItems: await purgeInboxItems(db, now, policy.inboxDays),
  };
  await recordAudit(db, { actorId: null, action: 'retention.run', details: { ...counts, policy } });
  return counts;
}
