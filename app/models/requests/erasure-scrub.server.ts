import fs from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import type { DB } from '../../../db/client';
import { recordAudit } from '~/models/audit.server';
import { enqueueJob } from '~/models/jobs.server';
import { appendLedgerFile, ledgerEntryOf } from '~/models/requests/erasure-ledger.server';
import { emailProofHash } from '~/models/requests/proof.server';

/**
 * Erasure means unreadable, not only undeleted (issue 24.6). PostgreSQL keeps an updated or
 * deleted row's old version in the table's pages until they are rewritten, and its write-ahead
 * log keeps every change until the segment is reused. After an erasure commits, this job (run
 * by the queue, retried on failure):
 *
 * 1. appends the erasure to the ledger file beside the backups (a restore re-applies it);
 * 2. waits until the erasure's last email has left the outbox, then deletes that outbox row and
 *    every mail file written to the person's address;
 * 3. queues the shared rewrite (`erasure.rewrite`, one per 10-second window of scrubs), which
 *    rewrites every table an erasure touches (`VACUUM (FULL, ANALYZE)`: a plain VACUUM frees the
 *    space but leaves the bytes) and the statistics catalog, whose samples can hold old values;
 * 4. runs `CHECKPOINT`, switches to a new WAL segment (`pg_switch_wal()`) and checkpoints again,
 *    so the segments that held the old rows are no longer needed and are recycled or removed.
 *    The embedded database does not recycle segments (db/client.ts): they are deleted here.
 *    On PostgreSQL the server recycles them as configured; see README, "Erasure and the WAL".
 */

export const ERASURE_SCRUB_JOB = 'erasure.scrub';
export const ERASURE_REWRITE_JOB = 'erasure.rewrite';
/** The scrub is queued this long after the erasure, so the last email's delivery job usually runs first. */
export const SCRUB_DELAY_MS = 5_000;
/** Scrubs finishing within one such window share one rewrite, run REWRITE_MARGIN_MS after the window ends. */
export const REWRITE_WINDOW_MS = 10_000;
const REWRITE_MARGIN_MS = 2_000;

/** Every table an erasure changes or deletes rows in (erasure.server.ts, proof.server.ts, the account's cascades). */
export const ERASED_TABLES = [
  'requests',
  'request_events',
  'request_tokens',
  'request_attachments',
  'package_files',
  'access_packages',
  'package_chunks',
  'users',
  'sessions',
  'account_email_tokens',
  'password_reset_tokens',
  'subprocessor_subscriptions',
  'subprocessor_objections',
  'subject_flags',
  'login_throttle',
  'mail_outbox',
  'system_tasks',
  'system_task_files',
  'identity_checks',
] as const;

export class ScrubWaitingError extends Error {
  override name = 'ScrubWaitingError';
}

export type ScrubPayload = { reference: string; emailHash: string; outboxIds: string[] };

export function scrubPayload(payload: Record<string, unknown>): ScrubPayload {
  const reference = String(payload.reference ?? '');
  const emailHash = String(payload.emailHash ?? '');
  const outboxIds = Array.isArray(payload.outboxIds) ? payload.outboxIds.map(String).filter((id) => /^\d+$/.test(id)) : [];
  if (!/^DSR-\d{4}-\d+$/.test(reference) || !/^[0-9a-f]{64}$/.test(emailHash)) throw new Error('erasure.scrub: malformed payload');
  return { reference, emailHash, outboxIds };
}

export type ScrubResult = { mailFiles: number; outboxRows: number };
export type RewriteResult = { tables: number; checkpoint: boolean; walSwitched: boolean };

/** The job: see the module comment. Throws ScrubWaitingError (retried later) while mail to the person is still queued. */
export async function scrubAfterErasure(
  db: DB,
  payload: ScrubPayload,
  paths: { mailDir: string; ledgerFile: string; ledgerKey: string },
  options: { now?: Date } = {},
): Promise<ScrubResult> {
  const entry = await ledgerEntryOf(db, payload.reference);
  if (entry) await appendLedgerFile(paths.ledgerFile, entry, paths.ledgerKey);

  // Mail still on its way to the person (the erasure's answer, or anything queued before it) would
  // leave a new outbox row and mail file behind the scrub: wait for it (the queue retries this job).
  const waiting = await db
    .selectFrom('mail_outbox')
    .select('id')
    .where('status', '=', 'queued')
    .where((eb) => eb.or([eb(sql<string>`encode(sha256(convert_to(lower(trim(to_address)), 'UTF8')), 'hex')`, '=', payload.emailHash), ...(payload.outboxIds.length ? [eb('id', 'in', payload.outboxIds)] : [])]))
    .limit(1)
    .execute();
  if (waiting.length) throw new ScrubWaitingError(`erasure ${payload.reference}: waiting for the mail to the person to be delivered before scrubbing`);
  const outboxRows = await deleteOutboxRows(db, payload);
  const mailFiles = await deleteMailFilesTo(paths.mailDir, payload.emailHash);
  await scheduleRewrite(db, options.now ?? new Date());
  await recordAudit(db, {
    actorId: null,
    action: 'erasure.scrubbed',
    targetType: 'request',
    targetId: payload.reference,
    details: { outboxRows, mailFiles },
  });
  return { outboxRows, mailFiles };
}

/**
 * The rewrite of the tables and the WAL switch are shared: every scrub that finishes within one
 * REWRITE_WINDOW_MS window queues the same rewrite (its key names the window), which runs just
 * after the window closes, so a burst of erasures costs a few rewrites, not one each.
 */
export async function scheduleRewrite(db: DB, now: Date): Promise<void> {
  const window = Math.floor(now.getTime() / REWRITE_WINDOW_MS);
  await enqueueJob(db, {
    kind: ERASURE_REWRITE_JOB,
    runAt: new Date((window + 1) * REWRITE_WINDOW_MS + REWRITE_MARGIN_MS),
    dedupeKey: `${ERASURE_REWRITE_JOB}:${window}`,
    maxAttempts: 12,
  });
}

/** The shared rewrite job: the tables, then the WAL; recorded in the audit trail. */
export async function runErasureRewrite(db: DB): Promise<RewriteResult> {
  const result = await rewriteErasedTables(db);
  await recordAudit(db, { actorId: null, action: 'erasure.rewritten', details: result });
  return result;
}

/** The erasure's own last email once delivered, and any other sent mail to the address. */
async function deleteOutboxRows(db: DB, payload: ScrubPayload): Promise<number> {
  const byId = payload.outboxIds.length
    ? Number((await db.deleteFrom('mail_outbox').where('id', 'in', payload.outboxIds).where('status', '!=', 'queued').executeTakeFirst()).numDeletedRows)
    : 0;
  const byAddress = await db
    .deleteFrom('mail_outbox')
    .where('status', '!=', 'queued')
    .where(sql<string>`encode(sha256(convert_to(lower(trim(to_address)), 'UTF8')), 'hex')`, '=', payload.emailHash)
    .executeTakeFirst();
  return byId + Number(byAddress.numDeletedRows);
}

/**
 * Deletes every `.eml` file (written when no SMTP server is configured) addressed to the person,
 * found by recipient: the file's To and Cc addresses are hashed as proof records hash them.
 */
export async function deleteMailFilesTo(mailDir: string, emailHash: string): Promise<number> {
  const files = (await fs.readdir(mailDir).catch(() => [] as string[])).filter((f) => f.endsWith('.eml'));
  let deleted = 0;
  for (const file of files) {
    const full = path.join(mailDir, file);
    const recipients = await recipientsOf(full).catch(() => [] as string[]);
    if (recipients.some((address) => emailProofHash(address) === emailHash)) {
      await fs.rm(full, { force: true });
      deleted += 1;
    }
  }
  return deleted;
}

/** The addresses in a message file's To and Cc headers. */
async function recipientsOf(file: string): Promise<string[]> {
  const { simpleParser } = await import('mailparser');
  const parsed = await simpleParser(await fs.readFile(file), { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  const lists = [parsed.to, parsed.cc].flatMap((a) => (a === undefined ? [] : Array.isArray(a) ? a : [a]));
  return lists.flatMap((list) => list.value.flatMap((a) => (a.address ? [a.address] : [])));
}

/**
 * Rewrites the tables and moves the write-ahead log on. Each step that needs a privilege the
 * database role may lack (CHECKPOINT, pg_switch_wal on PostgreSQL) is tried on its own and
 * reported, never fatal: the rewrite already removed the rows from the table files.
 */
export async function rewriteErasedTables(db: DB): Promise<RewriteResult> {
  return db.connection().execute(async (conn) => {
    // A rewrite waiting for a lock (a long backup reads the tables) would make every query on
    // the table queue behind it: give up after a few seconds instead; the job is retried later.
    await sql`set lock_timeout = '5s'`.execute(conn);
    try {
      for (const table of ERASED_TABLES) await sql`vacuum (full, analyze) ${sql.table(table)}`.execute(conn);
      // Statistics samples (most common values, histogram bounds) can hold an erased address; after
      // the ANALYZE above the old ones are dead rows of pg_statistic. Skipped with a warning without the privilege.
      await attempt(() => sql`vacuum full pg_statistic`.execute(conn));
    } finally {
      await sql`reset lock_timeout`.execute(conn);
    }
    const checkpoint = await attempt(() => sql`checkpoint`.execute(conn));
    const walSwitched = await attempt(() => sql`select pg_switch_wal()`.execute(conn));
    // The segments written before the switch are now older than the checkpoint's redo point.
    if (walSwitched) await attempt(() => sql`checkpoint`.execute(conn));
    return { tables: ERASED_TABLES.length, checkpoint, walSwitched };
  });
}

async function attempt(step: () => Promise<unknown>): Promise<boolean> {
  try {
    await step();
    return true;
  } catch {
    return false;
  }
}
