import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import pg from 'pg';
import { createDb, embeddedInstanceOf, PGLITE_EXTENSIONS, isProcessAlive, migrateToLatest, type Backend, type DB } from '../../../db/client';
import { migrations } from '../../../db/migrations/index';
import { recordAudit, verifyAuditChain, type AuditVerifyResult } from '~/models/audit.server';
import { BackupEncryptor, BackupRefused, checksumOffset, decryptBackup, readBackupHeader, type BackupHeader } from './format.server';
import { readLedgerFiles, replayErasureLedger, type LedgerRead } from '~/models/requests/erasure-ledger.server';
import { rewriteErasedTables } from '~/models/requests/erasure-scrub.server';

export { BackupRefused };

export const BACKUP_AUDIT_ACTION = 'backup.created';
export const FILE_PATTERN = /^privacy-portal-(pglite|postgres)-\d{8}T\d{6}Z\.ppbak$/;

export type BackupSource = { db: DB; backend: Backend; databaseUrl?: string };

/** The latest migration applied in a database: the schema version a backup records. */
export async function schemaVersion(db: DB): Promise<string> {
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name desc limit 1`.execute(db);
  return rows[0]?.name ?? '(none)';
}

function pgEnv(databaseUrl: string) {
  const url = new URL(databaseUrl);
  // The password goes through the environment, never the command line (visible in `ps`).
  const env: NodeJS.ProcessEnv = { ...process.env, PGPASSWORD: decodeURIComponent(url.password) };
  url.password = '';
  return { env, url: url.href };
}

/** The database as one stream: pg_dump's custom format, or PGlite's own dump of its data folder. */
async function dumpStream(source: BackupSource): Promise<{ stream: Readable; done: Promise<void> }> {
  if (source.backend === 'postgres') {
    if (!source.databaseUrl) throw new Error('a PostgreSQL backup needs DATABASE_URL');
    const { env, url } = pgEnv(source.databaseUrl);
    const child = spawn('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', '--dbname', url], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const done = new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`pg_dump failed (exit ${code}): ${stderr.trim().split('\n').pop()}`))));
    });
    return { stream: child.stdout, done };
  }
  const pglite = embeddedInstanceOf(source.db);
  if (!pglite) throw new Error('no embedded database instance to dump');
  const blob = await pglite.dumpDataDir('gzip');
  return { stream: Readable.fromWeb(blob.stream() as any), done: Promise.resolve() };
}

function stamp(date: Date) {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export type BackupResult = { file: string; bytes: number; plaintextBytes: number; header: BackupHeader; deleted: string[] };

/**
 * Writes one encrypted backup into `outDir` under a temporary name, then renames it: the file
 * is complete or absent. Then deletes the oldest backups beyond `keep`, and records the backup
 * in the audit trail (which is what the staff home and /metrics read its age from).
 */
export async function createBackup(
  source: BackupSource,
  options: { outDir: string; key: string; keep: number; now?: Date; actor?: { id: string | null; ip: string | null } },
): Promise<BackupResult> {
  const now = options.now ?? new Date();
  fs.mkdirSync(options.outDir, { recursive: true, mode: 0o700 });
  const name = `privacy-portal-${source.backend}-${stamp(now)}.ppbak`;
  const final = path.join(options.outDir, name);
  removeDeadPartials(options.outDir);
  // The writer's pid is in the temporary name, so a later run can tell a dead writer's leftover
  // (SIGKILL, power loss) from a backup another process is writing right now.
  const partial = path.join(options.outDir, `.${name}.${process.pid}.partial`);
  const encryptor = new BackupEncryptor(options.key, { backend: source.backend, schema: await schemaVersion(source.db), createdAt: now });
  try {
    const { stream, done } = await dumpStream(source);
    await Promise.all([pipeline(stream, encryptor, fs.createWriteStream(partial, { mode: 0o600 })), done]);
    const fh = await fs.promises.open(partial, 'r+');
    try {
      await fh.write(Buffer.from(encryptor.header.sha256, 'utf8'), 0, 64, checksumOffset(encryptor.header));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.promises.rename(partial, final);
  } catch (error) {
    await fs.promises.rm(partial, { force: true });
    throw error;
  }
  const bytes = (await fs.promises.stat(final)).size;
  const deleted = pruneBackups(options.outDir, options.keep);
  await recordAudit(source.db, {
    actorId: options.actor?.id ?? null,
    action: BACKUP_AUDIT_ACTION,
    ip: options.actor?.ip ?? null,
    targetType: 'backup',
    targetId: name,
    details: { bytes, schema: encryptor.header.schema, sha256: encryptor.header.sha256, deleted },
  });
  return { file: final, bytes, plaintextBytes: encryptor.plaintextBytes, header: encryptor.header, deleted };
}

const PARTIAL_PATTERN = /^\.privacy-portal-.*\.ppbak\.(\d+)\.partial$/;

/** Deletes temporary files whose writer is no longer running on this machine. */
function removeDeadPartials(dir: string): string[] {
  const removed: string[] = [];
  for (const f of fs.readdirSync(dir)) {
    const pid = Number(PARTIAL_PATTERN.exec(f)?.[1] ?? NaN);
    if (!Number.isInteger(pid) || pid === process.pid || isProcessAlive(pid)) continue;
    fs.rmSync(path.join(dir, f), { force: true });
    removed.push(f);
  }
  return removed;
}

/** Keeps the newest `keep` backups in `dir` (by the time in their names); returns what was deleted. */
export function pruneBackups(dir: string, keep: number): string[] {
  const files = fs
    .readdirSync(dir)
    .filter((f) => FILE_PATTERN.test(f))
    .sort((a, b) => (a.slice(-22) < b.slice(-22) ? 1 : -1));
  const doomed = files.slice(Math.max(keep, 1));
  for (const f of doomed) fs.rmSync(path.join(dir, f), { force: true });
  return doomed;
}

/** When the last backup was taken, from the audit trail; null if never. */
export async function lastBackupAt(db: DB): Promise<Date | null> {
  const row = await db
    .selectFrom('audit_events')
    .select('occurred_at')
    .where('action', '=', BACKUP_AUDIT_ACTION)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? new Date(row.occurred_at) : null;
}

export type RestoreTarget = { backend: 'postgres'; databaseUrl: string } | { backend: 'pglite'; dataDir: string };
export type RestoreResult = {
  header: BackupHeader;
  migrated: string[];
  audit: AuditVerifyResult;
  /** Erasures made after the backup was taken, applied again from the ledger files; lines refused. */
  erasures: { replayed: string[]; refused: LedgerRead['refused'] };
};

async function postgresIsEmpty(databaseUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      `select count(*)::text as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind in ('r', 'p', 'v', 'm', 'S') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'`,
    );
    return rows[0]!.n === '0';
  } finally {
    await client.end();
  }
}

function dirIsEmpty(dir: string) {
  return !fs.existsSync(dir) || fs.readdirSync(dir).length === 0;
}

/**
 * Restores a backup into an empty database. The whole file is decrypted and checked into a
 * temporary file first, so a wrong key, an altered byte, a cut tail, a newer schema or a
 * non-empty target (without `force`) is refused with nothing changed. Afterwards migrations are
 * brought current and the audit chain is verified.
 */
export async function restoreBackup(
  file: string,
  options: { key: string; target: RestoreTarget; force?: boolean; /** Erasure ledgers (erasure-ledger.server.ts) to replay after the restore. */ ledgerFiles?: string[] },
): Promise<RestoreResult> {
  const { header } = await readBackupHeader(file);
  if (header.backend !== options.target.backend) {
    throw new BackupRefused(`this is a ${header.backend} backup; it cannot be restored into ${options.target.backend}`);
  }
  const known = Object.keys(migrations);
  if (!known.includes(header.schema) && header.schema > known[known.length - 1]!) {
    throw new BackupRefused(`the backup's schema (${header.schema}) is newer than this version's (${known[known.length - 1]}): upgrade the portal first`);
  }
  const empty = options.target.backend === 'postgres' ? await postgresIsEmpty(options.target.databaseUrl) : dirIsEmpty(options.target.dataDir);
  if (!empty && !options.force) throw new BackupRefused('the target database is not empty: restore into an empty one, or pass --force to replace it');

  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-restore-'));
  const plain = path.join(tmpDir, 'dump');
  try {
    await decryptBackup(file, options.key, fs.createWriteStream(plain, { mode: 0o600 }));
    let db: DB;
    if (options.target.backend === 'postgres') {
      const { env, url } = pgEnv(options.target.databaseUrl);
      const args = ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', '--dbname', url];
      if (!empty) args.push('--clean', '--if-exists');
      await new Promise<void>((resolve, reject) => {
        const child = spawn('pg_restore', [...args, plain], { env, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
        child.once('error', reject);
        child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`pg_restore failed (exit ${code}): ${stderr.trim().split('\n').pop()}`))));
      });
      db = createDb({ databaseUrl: options.target.databaseUrl, poolSize: 2 }).db;
    } else {
      const dataDir = options.target.dataDir;
      const staging = `${dataDir}.restoring`;
      fs.rmSync(staging, { recursive: true, force: true });
      fs.mkdirSync(staging, { recursive: true, mode: 0o700 });
      const pglite = new PGlite({ dataDir: staging, loadDataDir: await fs.openAsBlob(plain), extensions: PGLITE_EXTENSIONS });
      await pglite.waitReady;
      await pglite.close();
      if (!empty) fs.renameSync(dataDir, `${dataDir}.before-restore-${stamp(new Date())}`);
      else fs.rmSync(dataDir, { recursive: true, force: true });
      fs.renameSync(staging, dataDir);
      db = createDb({ dataDir }).db;
    }
    try {
      const migrated = (await migrateToLatest(db)).map((r) => r.migrationName);
      const audit = await verifyAuditChain(db);
      // Issue 24.6: erasures made since the backup was taken are applied again, and their old rows scrubbed.
      const ledger = await readLedgerFiles(options.ledgerFiles ?? [], options.key);
      const replayed = await replayErasureLedger(db, ledger.entries);
      if (replayed.length) await rewriteErasedTables(db);
      return { header, migrated, audit, erasures: { replayed, refused: ledger.refused } };
    } finally {
      await db.destroy();
    }
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
}
