import { createHmac, hkdfSync } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import type { DB } from '../../../db/client';
import { recordAudit } from '~/models/audit.server';
import { reduceToProofRecord } from '~/models/requests/proof.server';
import { safeEqual } from '~/utils/crypto.server';

/**
 * The erasure ledger (issue 24.6). A backup taken before an erasure still holds the person; a
 * restore of it would bring them back. So every erasure is recorded twice: in the database
 * (`erasure_ledger`, in every later backup) and as one line in `erasure-ledger.jsonl` beside
 * the backups (BACKUP_DIR), which no restore replaces. After a restore, every ledger entry made
 * after the backup was taken is applied again: the account deleted, the requests reduced to
 * their proof records, subscriptions, objections' personal fields, standing decisions, sign-in
 * counters and mail to the address removed. An entry holds no address, only its SHA-256 (as
 * proof records do), and each line carries an HMAC under a key derived from BACKUP_KEY, so a
 * line someone added or changed is refused rather than erasing a person at restore.
 */

export const LEDGER_FILE_NAME = 'erasure-ledger.jsonl';

export type LedgerEntry = { reference: string; emailHash: string; erasedAt: string; requests: string[]; accountDeleted: boolean };

export function ledgerFilePath(backupDir: string): string {
  return path.join(backupDir, LEDGER_FILE_NAME);
}

function macKey(backupKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', backupKey, Buffer.alloc(0), 'privacy-portal/erasure-ledger/v1', 32));
}

function canonical(e: LedgerEntry): string {
  return JSON.stringify([e.reference, e.emailHash, e.erasedAt, e.requests, e.accountDeleted]);
}

function macOf(e: LedgerEntry, backupKey: string): string {
  return createHmac('sha256', macKey(backupKey)).update(canonical(e)).digest('hex');
}

export async function ledgerEntryOf(db: DB, reference: string): Promise<LedgerEntry | undefined> {
  const row = await db.selectFrom('erasure_ledger').selectAll().where('reference', '=', reference).executeTakeFirst();
  if (!row) return undefined;
  return {
    reference: row.reference,
    emailHash: row.email_hash,
    erasedAt: new Date(row.erased_at).toISOString(),
    requests: row.requests,
    accountDeleted: row.account_deleted,
  };
}

/** Appends the entry unless the file already has it (the scrub job may run twice). */
export async function appendLedgerFile(file: string, entry: LedgerEntry, backupKey: string): Promise<boolean> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const existing = await fs.readFile(file, 'utf8').catch(() => '');
  if (existing.split('\n').some((line) => line.includes(`"reference":${JSON.stringify(entry.reference)}`))) return false;
  const line = JSON.stringify({ v: 1, ...entry, mac: macOf(entry, backupKey) });
  // A line ends with its newline in one write: a torn last line (power loss) is refused on reading, the rest stays valid.
  await fs.appendFile(file, `${existing && !existing.endsWith('\n') ? '\n' : ''}${line}\n`, { mode: 0o600 });
  return true;
}

export type LedgerRead = { entries: LedgerEntry[]; refused: Array<{ file: string; line: number; reason: string }> };

/** Reads ledger files (absent ones are skipped); lines that do not parse or whose HMAC is wrong are refused and reported. */
export async function readLedgerFiles(files: string[], backupKey: string): Promise<LedgerRead> {
  const out: LedgerRead = { entries: [], refused: [] };
  const seen = new Set<string>();
  for (const file of files) {
    const text = await fs.readFile(file, 'utf8').catch(() => null);
    if (text === null) continue;
    text.split('\n').forEach((raw, i) => {
      if (raw.trim() === '') return;
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        out.refused.push({ file, line: i + 1, reason: 'not JSON' });
        return;
      }
      const entry: LedgerEntry = {
        reference: String(parsed.reference ?? ''),
        emailHash: String(parsed.emailHash ?? ''),
        erasedAt: String(parsed.erasedAt ?? ''),
        requests: Array.isArray(parsed.requests) ? parsed.requests.map(String) : [],
        accountDeleted: parsed.accountDeleted === true,
      };
      if (!/^DSR-\d{4}-\d+$/.test(entry.reference) || !/^[0-9a-f]{64}$/.test(entry.emailHash) || Number.isNaN(Date.parse(entry.erasedAt))) {
        out.refused.push({ file, line: i + 1, reason: 'malformed entry' });
        return;
      }
      if (typeof parsed.mac !== 'string' || !safeEqual(parsed.mac, macOf(entry, backupKey))) {
        out.refused.push({ file, line: i + 1, reason: 'HMAC does not match (altered, or written under another BACKUP_KEY)' });
        return;
      }
      if (seen.has(entry.reference)) return;
      seen.add(entry.reference);
      out.entries.push(entry);
    });
  }
  out.entries.sort((a, b) => a.erasedAt.localeCompare(b.erasedAt));
  return out;
}

const hashOf = (column: string) => sql<string>`encode(sha256(convert_to(lower(trim(${sql.ref(column)})), 'UTF8')), 'hex')`;

/**
 * Applies again every entry the restored database does not record, each in its own transaction,
 * as the erasure did: what it reduced and deleted then is reduced and deleted now. An erasure
 * older than the backup is in the backup's own ledger table, so it is skipped (and a person who
 * came back after it is left alone); comparing times instead would miss an erasure that
 * committed while the backup was being taken. Returns the references applied.
 */
export async function replayErasureLedger(db: DB, entries: LedgerEntry[], options: { now?: Date } = {}): Promise<string[]> {
  const now = options.now ?? new Date();
  const applied: string[] = [];
  for (const entry of entries) {
    const done = await db.transaction().execute(async (trx) => {
      const known = await trx.selectFrom('erasure_ledger').select('id').where('reference', '=', entry.reference).executeTakeFirst();
      if (known) return false;
      if (entry.accountDeleted) {
        const accounts = await trx.selectFrom('users').select('id').where(hashOf('email'), '=', entry.emailHash).where('role', '=', 'subject').execute();
        for (const a of accounts) {
          await trx.updateTable('requests').set({ user_id: null }).where('user_id', '=', a.id).execute();
          await trx.deleteFrom('users').where('id', '=', a.id).execute();
        }
      }
      await trx.deleteFrom('subprocessor_subscriptions').where(hashOf('email'), '=', entry.emailHash).execute();
      await trx
        .updateTable('subprocessor_objections')
        .set({ email: '', reason: '[erased]', answer: sql<string | null>`case when answer is null then null else '[erased]' end` })
        .where(hashOf('email'), '=', entry.emailHash)
        .execute();
      await trx.deleteFrom('subject_flags').where(hashOf('email_key'), '=', entry.emailHash).execute();
      await trx.deleteFrom('login_throttle').where(sql<string>`encode(sha256(convert_to(substr(key, 9), 'UTF8')), 'hex')`, '=', entry.emailHash).where('key', 'like', 'account:%').execute();
      // Mail from before the backup to the person: none of it may go out again, or stay.
      await trx.deleteFrom('mail_outbox').where(hashOf('to_address'), '=', entry.emailHash).execute();
      if (entry.requests.length) {
        const requests = await trx.selectFrom('requests').select('id').where('reference', 'in', entry.requests).execute();
        for (const r of requests) {
          await reduceToProofRecord(trx, r.id, { now, note: `Erased (Art. 17) under ${entry.reference}; applied again after a restore from a backup taken before the erasure.` });
        }
      }
      // The erasure request itself was completed by the erasure; in the older backup it may still be open.
      await trx
        .updateTable('requests')
        .set({ state: 'completed', outcome: 'fulfilled', closed_at: entry.erasedAt, paused_at: null, updated_at: now })
        .where('reference', '=', entry.reference)
        .where('state', 'in', ['open', 'in_progress', 'awaiting_subject'])
        .execute();
      await trx
        .insertInto('erasure_ledger')
        .values({ reference: entry.reference, email_hash: entry.emailHash, erased_at: entry.erasedAt, requests: JSON.stringify(entry.requests), account_deleted: entry.accountDeleted, replayed_at: now })
        .execute();
      await recordAudit(trx, { actorId: null, action: 'erasure.replayed', targetType: 'request', targetId: entry.reference, details: { emailHash: entry.emailHash } });
      return true;
    });
    if (done) applied.push(entry.reference);
  }
  return applied;
}
