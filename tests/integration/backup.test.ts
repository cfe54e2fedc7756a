import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit, verifyAuditChain } from '../../app/models/audit.server';
import { signIn } from '../../app/models/accounts/accounts.server';
import { storeAttachment } from '../../app/models/requests/attachments.server';
import { planAddition } from '../../app/models/subprocessors/registry.server';
import { addDays, todayIn } from '../../app/models/subprocessors/rules';
import { BackupRefused, createBackup, lastBackupAt, pruneBackups, restoreBackup, type RestoreTarget } from '../../app/models/backups/backups.server';
import { createDb, type DB } from '../../db/client';
import { createTestDatabaseUrl, createTestDb, type TestDb } from '../support/db';
import { fileRequest, SAMPLE_FILES } from '../support/requests';
import { createUser } from '../support/users';

const key = randomBytes(32).toString('base64url');
const exportKey = randomBytes(32).toString('base64url');
let t: TestDb;
let work: string;
const emails: string[] = [];
let backupFile: string;

async function fill(db: DB) {
  const staff = await createUser(db, { role: 'staff' });
  const subject = await createUser(db);
  emails.push(staff.email, subject.email);
  expect((await signIn(db, { email: staff.email, password: staff.password, ip: '192.0.2.1' })).ok).toBe(true);
  await signIn(db, { email: subject.email, password: 'wrong password here', ip: '192.0.2.2' });
  for (let i = 0; i < 5; i++) {
    const created = await fileRequest(db);
    const { request } = created;
    emails.push(request.email);
    const event = await db.selectFrom('request_events').select('id').where('request_id', '=', request.id).executeTakeFirstOrThrow();
    await storeAttachment(db, { requestId: request.id, eventId: String(event.id), filename: `proof-${i}.pdf`, bytes: SAMPLE_FILES.pdf, contentType: 'application/pdf' }, exportKey);
  }
  const timeZone = 'Europe/London';
  await planAddition(
    db,
    {
      details: { name: 'Backupco', legalEntity: 'Backupco Ltd', purpose: 'Storage', dataCategories: ['Contact data'], locations: ['DE'], transferMechanism: 'eea-only', website: 'https://example.org/' },
      effectiveOn: addDays(todayIn(timeZone), 31),
    },
    { actorId: staff.id, timeZone, noticeDays: 30 },
  );
  await recordAudit(db, { actorId: staff.id, action: 'test.filled', details: { emails: emails.length } });
}

/** Every row of every table, as text, sorted: two databases compared row for row. */
async function snapshot(db: DB): Promise<Record<string, string[]>> {
  const { rows: tables } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`.execute(db);
  const out: Record<string, string[]> = {};
  for (const { name } of tables) {
    const { rows } = await sql<{ r: string }>`select to_jsonb(x)::text as r from ${sql.table(name)} x`.execute(db);
    out[name] = rows.map((r) => r.r).sort();
  }
  return out;
}

beforeAll(async () => {
  t = await createTestDb();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-backup-test-'));
  await fill(t.db);
});
afterAll(async () => {
  await t?.destroy();
  fs.rmSync(work, { recursive: true, force: true });
});

async function freshTarget(): Promise<{ target: RestoreTarget; open: () => DB; drop: () => Promise<void> }> {
  if (t.backend === 'postgres') {
    const database = (await createTestDatabaseUrl())!;
    return { target: { backend: 'postgres', databaseUrl: database.url }, open: () => createDb({ databaseUrl: database.url, poolSize: 2 }).db, drop: database.drop };
  }
  const dataDir = fs.mkdtempSync(path.join(work, 'target-'));
  return { target: { backend: 'pglite', dataDir }, open: () => createDb({ dataDir }).db, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
}

describe(`backup and restore (${process.env.DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  it('writes one encrypted file, records it, and carries none of the emails in plain text', async () => {
    const source = { db: t.db, backend: t.backend, databaseUrl: t.backend === 'postgres' ? await currentUrl(t.db) : undefined };
    const result = await createBackup(source, { outDir: path.join(work, 'out'), key, keep: 14 });
    backupFile = result.file;
    expect(fs.readdirSync(path.join(work, 'out'))).toEqual([path.basename(result.file)]);
    expect(result.header).toMatchObject({ format: 1, backend: t.backend, cipher: 'aes-256-gcm' });
    expect(result.header.schema).toMatch(/^\d{4}_/);
    expect(result.header.sha256).toMatch(/^[0-9a-f]{64}$/);
    const bytes = fs.readFileSync(result.file);
    for (const email of emails) {
      expect(bytes.includes(Buffer.from(email))).toBe(false);
      expect(bytes.includes(Buffer.from(email.split('@')[0]!))).toBe(false);
    }
    expect(await lastBackupAt(t.db)).toBeInstanceOf(Date);
  });

  it('restores into a fresh database: every table row for row, migrations current, chain verified', async () => {
    const target = await freshTarget();
    try {
      const result = await restoreBackup(backupFile, { key, target: target.target });
      expect(result.audit.ok).toBe(true);
      expect(result.migrated).toEqual([]);
      const restored = target.open();
      try {
        const before = await snapshot(t.db);
        const after = await snapshot(restored);
        // The backup's own audit event was written after the dump was taken.
        const lastEvent = before.audit_events!.filter((r) => r.includes('"backup.created"'));
        expect(lastEvent).toHaveLength(1);
        before.audit_events = before.audit_events!.filter((r) => !r.includes('"backup.created"'));
        delete before.audit_chain_head;
        delete after.audit_chain_head;
        expect(Object.keys(after)).toEqual(Object.keys(before));
        for (const table of Object.keys(before)) expect(after[table], table).toEqual(before[table]);
        expect(after.request_attachments!.length).toBe(5);
        expect((await verifyAuditChain(restored)).ok).toBe(true);
        // The restored trail keeps growing as one chain.
        await recordAudit(restored, { actorId: null, action: 'test.after_restore' });
        expect((await verifyAuditChain(restored)).ok).toBe(true);
      } finally {
        await restored.destroy();
      }

      // A second restore into the now non-empty database is refused, and changes nothing.
      await expect(restoreBackup(backupFile, { key, target: target.target })).rejects.toThrow(/not empty.*--force/);
      // With --force it replaces what is there (the extra event is gone) and verifies.
      const forced = await restoreBackup(backupFile, { key, target: target.target, force: true });
      expect(forced.audit.ok).toBe(true);
      const again = target.open();
      try {
        const extra = await again.selectFrom('audit_events').select('id').where('action', '=', 'test.after_restore').execute();
        expect(extra).toEqual([]);
      } finally {
        await again.destroy();
      }
    } finally {
      await target.drop();
    }
  });

  async function refusal(file: string, withKey = key) {
    const target = await freshTarget();
    try {
      const error = await restoreBackup(file, { key: withKey, target: target.target }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(BackupRefused);
      // Nothing was changed: the target is still empty.
      if (target.target.backend === 'pglite') expect(fs.readdirSync(target.target.dataDir)).toEqual([]);
      else {
        const db = target.open();
        const { rows } = await sql<{ n: string }>`select count(*)::text as n from information_schema.tables where table_schema = 'public'`.execute(db);
        await db.destroy();
        expect(rows[0]!.n).toBe('0');
      }
      return (error as Error).message;
    } finally {
      await target.drop();
    }
  }

  it('refuses a wrong key, a flipped byte, a cut tail and a newer schema, each with a reason', async () => {
    expect(await refusal(backupFile, randomBytes(32).toString('base64url'))).toMatch(/wrong BACKUP_KEY/);

    const bytes = fs.readFileSync(backupFile);
    const flipped = Buffer.from(bytes);
    flipped[Math.floor(bytes.length / 2)]! ^= 0x01;
    fs.writeFileSync(path.join(work, 'flipped.ppbak'), flipped);
    expect(await refusal(path.join(work, 'flipped.ppbak'))).toMatch(/altered/);

    fs.writeFileSync(path.join(work, 'cut.ppbak'), bytes.subarray(0, bytes.length - 100));
    expect(await refusal(path.join(work, 'cut.ppbak'))).toMatch(/cut/);

    // Cut exactly at a frame boundary: every remaining frame authenticates, but none is final.
    const boundary = lastFrameStart(bytes);
    fs.writeFileSync(path.join(work, 'cut-boundary.ppbak'), bytes.subarray(0, boundary));
    expect(await refusal(path.join(work, 'cut-boundary.ppbak'))).toMatch(/ends before its final chunk/);

    const headerLength = bytes.readUInt32BE(8);
    const header = JSON.parse(bytes.subarray(12, 12 + headerLength).toString('utf8'));
    const newer = Buffer.from(JSON.stringify({ ...header, schema: '9999_from_the_future' }));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(newer.length);
    fs.writeFileSync(path.join(work, 'newer.ppbak'), Buffer.concat([bytes.subarray(0, 8), length, newer, bytes.subarray(12 + headerLength)]));
    expect(await refusal(path.join(work, 'newer.ppbak'))).toMatch(/newer/);
  });

  it('keeps only the newest backups beyond the retention count', () => {
    const dir = path.join(work, 'prune');
    fs.mkdirSync(dir);
    for (let day = 1; day <= 5; day++) fs.writeFileSync(path.join(dir, `privacy-portal-postgres-2026010${day}T020000Z.ppbak`), 'x');
    fs.writeFileSync(path.join(dir, 'unrelated.txt'), 'x');
    expect(pruneBackups(dir, 3).sort()).toEqual(['privacy-portal-postgres-20260101T020000Z.ppbak', 'privacy-portal-postgres-20260102T020000Z.ppbak']);
    expect(fs.readdirSync(dir).sort()).toEqual([
      'privacy-portal-postgres-20260103T020000Z.ppbak',
      'privacy-portal-postgres-20260104T020000Z.ppbak',
      'privacy-portal-postgres-20260105T020000Z.ppbak',
      'unrelated.txt',
    ]);
  });
});

/** Walks the frames to find where the last one starts. */
function lastFrameStart(bytes: Buffer): number {
  let position = 12 + bytes.readUInt32BE(8);
  let last = position;
  while (position < bytes.length) {
    last = position;
    position += 4 + bytes.readUInt32BE(position) + 16;
  }
  return last;
}

async function currentUrl(db: DB): Promise<string> {
  const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(db);
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${rows[0]!.name}`;
  return url.href;
}

describe.skipIf(!!process.env.DATABASE_URL)('backup and restore commands on the embedded database', () => {
  it('refuse while a portal holds the database, then round-trip once it is stopped', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const { migrateToLatest } = await import('../../db/client');
    const run = promisify(execFile);
    const dataDir = fs.mkdtempSync(path.join(work, 'cli-'));
    const env = { ...process.env, NODE_ENV: 'test' as const, DATA_DIR: dataDir, BACKUP_KEY: key, DATABASE_URL: '' };
    const { db } = createDb({ dataDir: path.join(dataDir, 'pglite') });
    await migrateToLatest(db);
    await recordAudit(db, { actorId: null, action: 'test.cli' });
    const outDir = path.join(work, 'cli-out');
    const refused = await run('npx', ['tsx', 'scripts/backup.ts', '--out', outDir], { env }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    await db.destroy();
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toMatch(/open \(a running portal owns it\): stop the portal first/);
    expect(fs.existsSync(outDir) ? fs.readdirSync(outDir) : []).toEqual([]);

    const made = await run('npx', ['tsx', 'scripts/backup.ts', '--out', outDir], { env });
    expect(made.stdout).toMatch(/backup written: .*\.ppbak/);
    const [file] = fs.readdirSync(outDir);
    // Restoring over a database a portal holds open is refused too, even with --force.
    const held = createDb({ dataDir: path.join(dataDir, 'pglite') }).db;
    await held.selectFrom('audit_events').select('id').execute();
    const overOpen = await run('npx', ['tsx', 'scripts/restore.ts', path.join(outDir, file!), '--force'], { env }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    await held.destroy();
    expect(overOpen?.stderr).toMatch(/restore refused: .*stop the portal first/);
    const restoreDir = fs.mkdtempSync(path.join(work, 'cli-restore-'));
    const restored = await run('npx', ['tsx', 'scripts/restore.ts', path.join(outDir, file!)], { env: { ...env, DATA_DIR: restoreDir } });
    expect(restored.stdout).toMatch(/migrations current/);
    expect(restored.stdout).toMatch(/audit chain OK: 1 events verified/);
  }, 60_000);
});

describe('the scheduled backup', () => {
  it('is queued once per day whatever the number of instances, and the job writes a restorable backup', async () => {
    const { loadConfig } = await import('../../app/utils/env.server');
    const { createJobHandlers, scheduleBackup, BACKUP_JOB } = await import('../../app/models/job-handlers.server');
    const { runDueJobs } = await import('../../app/models/jobs.server');
    const { createLogger } = await import('../../app/utils/logger.server');
    const dataDir = fs.mkdtempSync(path.join(work, 'scheduled-'));
    const config = loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      BACKUP_SCHEDULE: 'daily',
      BACKUP_KEY: key,
      ...(t.backend === 'postgres' ? { DATABASE_URL: await currentUrl(t.db) } : {}),
    });
    const now = new Date();
    // Three instances starting on the same day.
    await Promise.all([scheduleBackup(t.db, config, now), scheduleBackup(t.db, config, now), scheduleBackup(t.db, config, now)]);
    const queued = await t.db.selectFrom('jobs').select(['id', 'dedupe_key']).where('kind', '=', BACKUP_JOB).execute();
    expect(queued).toHaveLength(1);
    expect(queued[0]!.dedupe_key).toBe(`${BACKUP_JOB}:${now.toISOString().slice(0, 10)}`);

    const handlers = createJobHandlers({ db: t.db, config, logger: createLogger({ level: 'silent' }) });
    expect(await runDueJobs(t.db, { [BACKUP_JOB]: handlers[BACKUP_JOB]! }, createLogger({ level: 'silent' }))).toBe(1);
    const job = await t.db.selectFrom('jobs').selectAll().where('id', '=', queued[0]!.id).executeTakeFirstOrThrow();
    expect(job.state).toBe('done');
    const files = fs.readdirSync(config.backup.dir);
    expect(files).toHaveLength(1);
    // The next day's backup is queued.
    const next = await t.db.selectFrom('jobs').select('run_at').where('kind', '=', BACKUP_JOB).where('state', '=', 'pending').execute();
    expect(next).toHaveLength(1);
    expect(next[0]!.run_at.getTime()).toBeGreaterThan(now.getTime());

    const target = await freshTarget();
    try {
      const result = await restoreBackup(path.join(config.backup.dir, files[0]!), { key, target: target.target });
      expect(result.audit.ok).toBe(true);
    } finally {
      await target.drop();
    }
  }, 60_000);
});
