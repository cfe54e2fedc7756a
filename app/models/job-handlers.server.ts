import type { DB } from '../../db/client';
import type { Config } from '~/utils/env.server';
import type { Logger } from '~/utils/logger.server';
import type { JobHandlers } from '~/models/jobs.server';
import { createMailDeliveryHandler, createMailSender, mailDir, MAIL_DELIVER_JOB } from '~/models/mail.server';
import { ERASURE_REWRITE_JOB, ERASURE_SCRUB_JOB, runErasureRewrite, scrubAfterErasure, scrubPayload } from '~/models/requests/erasure-scrub.server';
import { ledgerFilePath } from '~/models/requests/erasure-ledger.server';
import { enqueueJob } from '~/models/jobs.server';
import { pollInbox } from '~/models/inbox/inbox.server';
import { createBackup } from '~/models/backups/backups.server';
import { requestJobHandlers } from '~/models/requests/jobs.server';
import { sendDeadlineReminders } from '~/models/requests/reminders.server';
import { addDays, hourOfDayIn, todayIn } from '~/utils/calendar';
import { retentionPolicy, runRetention } from '~/models/retention.server';
import { BACKUPS_KEPT } from '~/models/policy';
import { createAlertHandler } from '~/models/subprocessors/alerts.server';
import { ALERT_JOB } from '~/models/subprocessors/registry.server';
import { breachJobHandlers } from '~/models/breaches/reminders.server';
import { statusJobHandlers } from '~/models/status/jobs.server';
import { systemJobHandlers } from '~/models/systems/delivery.server';

export const MAINTENANCE_JOB = 'maintenance.daily';
export const BACKUP_JOB = 'backup.scheduled';
export const REMINDERS_JOB = 'requests.reminders';
export const INBOX_POLL_JOB = 'inbox.poll';

/**
 * Every kind of background job the worker runs, by name. Features register their handlers
 * here (mail delivery, expiry, reminders, announcements) so one worker serves them all.
 */
export function createJobHandlers(deps: { db: DB; config: Config; logger: Logger }): JobHandlers {
  const { db, config, logger } = deps;
  const sender = createMailSender(config);
  return {
    ...requestJobHandlers({ db, config }),
    ...breachJobHandlers({ db, config }),
    [MAIL_DELIVER_JOB]: createMailDeliveryHandler(db, config, sender),
    [ALERT_JOB]: createAlertHandler(db, config, logger),
    ...statusJobHandlers({ db, config, logger }),
    ...systemJobHandlers({ db, config, logger }),
    [BACKUP_JOB]: async () => {
      if (config.backup.schedule === 'off') return;
      const result = await createBackup(
        { db, backend: config.backend, databaseUrl: config.databaseUrl },
        { outDir: config.backup.dir, key: config.secrets.backupKey, keep: config.backup.keep ?? BACKUPS_KEPT },
      );
      logger.info({ file: result.file, bytes: result.bytes, deleted: result.deleted.length }, 'scheduled backup written');
      await scheduleBackup(db, config, nextBackupPeriod(config.backup.schedule, new Date()));
    },
    [REMINDERS_JOB]: async () => {
      if (!config.reminders.enabled) return;
      const now = new Date();
      // Tomorrow's run is queued first, so a failing send cannot break the daily chain.
      await scheduleReminders(db, config, nextReminderRun(config, now));
      const counts = await sendDeadlineReminders(db, config, now);
      logger.info(counts, 'deadline reminders: staff mail queued');
    },
    [ERASURE_SCRUB_JOB]: async (payload) => {
      const result = await scrubAfterErasure(db, scrubPayload(payload), {
        mailDir: mailDir(config),
        ledgerFile: ledgerFilePath(config.backup.dir),
        ledgerKey: config.secrets.backupKey,
      });
      logger.info(result, 'erasure scrubbed: mail removed, ledger written, table rewrite queued');
    },
    [ERASURE_REWRITE_JOB]: async () => {
      const result = await runErasureRewrite(db);
      // Without the privilege (PostgreSQL: pg_checkpoint, EXECUTE on pg_switch_wal) the old WAL waits for the server's own checkpoints.
      const level = result.checkpoint && result.walSwitched ? 'info' : 'warn';
      logger[level](result, result.walSwitched ? 'erased rows rewritten out of the tables; WAL switched' : 'erased rows rewritten out of the tables, but the WAL could not be switched (grant pg_checkpoint and EXECUTE on pg_switch_wal)');
    },
    [INBOX_POLL_JOB]: async () => {
      if (!config.inbox.imapUrl) return;
      // The next poll is queued first, so a failing mailbox cannot break the chain.
      await scheduleInboxPoll(db, config, new Date(Date.now() + config.inbox.pollSeconds * 1000));
      await pollInbox(db, { url: config.inbox.imapUrl, password: config.inbox.password, exportKey: config.secrets.exportKey }, logger);
    },
    [MAINTENANCE_JOB]: async () => {
      // Retention (app/models/retention.server.ts): expired sign-ins, throttle rows, rate-limit
      // windows and tokens, unconfirmed subscriptions, old closed requests, old outbox rows.
      // (Log keys avoid "session" and "token", which the logger would mask.)
      const counts = await runRetention(db, retentionPolicy(config.retention), new Date(), { mailDir: mailDir(config) });
      const { expiredSessions: expiredLogins, expiredRequestTokens: expiredLinks, ...rest } = counts;
      logger.info({ expiredLogins, expiredLinks, ...rest }, 'daily maintenance: retention applied');
      await scheduleMaintenance(db, new Date(Date.now() + 24 * 3600 * 1000));
    },
  };
}

/**
 * Queues a poll of the privacy mailbox at `at`. The key names the poll period, so however many
 * instances call this, one poll is queued per period (and the inbox's unique key takes each
 * message once even if two polls overlap).
 */
export async function scheduleInboxPoll(db: DB, config: Pick<Config, 'inbox'>, at: Date = new Date()) {
  if (!config.inbox.imapUrl) return;
  const period = Math.floor(at.getTime() / (config.inbox.pollSeconds * 1000));
  await enqueueJob(db, { kind: INBOX_POLL_JOB, runAt: at, dedupeKey: `${INBOX_POLL_JOB}:${period}`, maxAttempts: 1 });
}

/** Ensures the next daily maintenance run is queued (one per day, whatever the number of instances). */
export async function scheduleMaintenance(db: DB, at: Date = new Date()) {
  await enqueueJob(db, { kind: MAINTENANCE_JOB, runAt: at, dedupeKey: `${MAINTENANCE_JOB}:${at.toISOString().slice(0, 10)}` });
}

/**
 * Queues the deadline reminders for the local day `at` falls on (REMINDERS_HOUR in
 * PORTAL_TIMEZONE by default). The key names that day, so however many instances call this,
 * one run is queued per day; `reminder_sends` stops a second send even if one ran again.
 * At start-up `at` is today's hour, or now when that has passed (today's reminders, if not sent yet).
 */
export async function scheduleReminders(db: DB, config: Config, at?: Date) {
  if (!config.reminders.enabled) return;
  const now = new Date();
  const runAt = at ?? new Date(Math.max(now.getTime(), hourOfDayIn(todayIn(config.timeZone, now), config.reminders.hour, config.timeZone).getTime()));
  const day = todayIn(config.timeZone, runAt);
  await enqueueJob(db, { kind: REMINDERS_JOB, runAt, dedupeKey: `${REMINDERS_JOB}:${day}`, maxAttempts: 5 });
}

/** REMINDERS_HOUR on the local day after the one `now` falls on. */
export function nextReminderRun(config: Pick<Config, 'timeZone' | 'reminders'>, now: Date): Date {
  return hourOfDayIn(addDays(todayIn(config.timeZone, now), 1), config.reminders.hour, config.timeZone);
}

/** The start of the period after the one `now` is in. */
export function nextBackupPeriod(schedule: 'daily' | 'hourly', now: Date): Date {
  const next = new Date(now);
  if (schedule === 'hourly') next.setUTCHours(now.getUTCHours() + 1, 0, 0, 0);
  else next.setUTCHours(24, 0, 0, 0);
  return next;
}

/** A starting portal waits this long before its first backup, so start-up (and a short test or bench run) stays quiet. */
const FIRST_BACKUP_DELAY_MS = 10 * 60 * 1000;

/**
 * Queues the backup of the period `at` falls in (UTC day or hour). The job's key names the
 * period, so however many instances call this, one backup runs per period.
 */
export async function scheduleBackup(db: DB, config: Config, at: Date = new Date(Date.now() + FIRST_BACKUP_DELAY_MS)) {
  if (config.backup.schedule === 'off') return;
  const period = config.backup.schedule === 'hourly' ? at.toISOString().slice(0, 13) : at.toISOString().slice(0, 10);
  await enqueueJob(db, { kind: BACKUP_JOB, runAt: at, dedupeKey: `${BACKUP_JOB}:${period}`, maxAttempts: 3 });
}
