/**
 * `npm run bench:backup`: backup and restore throughput and this process's peak RSS with
 * 100,000 requests on PostgreSQL (DATABASE_URL names the server; the bench makes databases of
 * its own and drops them). BENCH_REQUESTS changes the size.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { recordAudit } from '../app/models/audit.server';
import { createBackup, restoreBackup } from '../app/models/backups/backups.server';
import { createDb, migrateToLatest } from '../db/client';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 100_000);

async function admin(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function main() {
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('bench:backup needs DATABASE_URL (a PostgreSQL server it may create databases on)');
  const names = [`pp_bench_backup_${randomBytes(4).toString('hex')}`, `pp_bench_restore_${randomBytes(4).toString('hex')}`];
  const urls = names.map((name) => {
    const u = new URL(base);
    u.pathname = `/${name}`;
    return u.href;
  });
  for (const name of names) await admin(base, `CREATE DATABASE ${name}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-bench-backup-'));
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  const { db } = createDb({ databaseUrl: urls[0], poolSize: 4 });
  try {
    await migrateToLatest(db);
    const fillStart = Date.now();
    await sql`
      insert into requests (reference, type, state, email, email_key, name, details, requester_role, received_at, due_date, closed_at)
      select 'BENCH-' || g, (array['access','erasure','rectification','portability','objection','restriction'])[1 + g % 6],
             (array['open','in_progress','completed','denied'])[1 + g % 4],
             'subject' || g || '@example.test', 'subject' || g || '@example.test', 'Subject ' || g,
             repeat('Details of the request, as a subject would write them. ', 4), 'self', now(), '2026-12-31',
             case when g % 4 >= 2 then now() end
      from generate_series(1, ${REQUESTS}) g`.execute(db);
    await sql`
      insert into request_events (request_id, actor, kind, from_state, to_state, note)
      select id, 'system', 'verified', 'unverified', 'open', 'Email verified.' from requests`.execute(db);
    for (let i = 0; i < 2000; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, j) => recordAudit(db, { actorId: null, action: 'bench.event', targetId: String(i + j) })));
    }
    const { rows } = await sql<{ size: string }>`select pg_database_size(current_database())::text as size`.execute(db);
    const dbMb = Number(rows[0]!.size) / 1e6;
    console.log(`filled ${REQUESTS} requests, ${REQUESTS} events, 2000 audit events in ${((Date.now() - fillStart) / 1000).toFixed(1)} s; database ${(Number(rows[0]!.size) / 1e6).toFixed(1)} MB`);

    const key = randomBytes(32).toString('base64url');
    peakRss = process.memoryUsage().rss;
    const startRss = peakRss;
    let t0 = Date.now();
    const backup = await createBackup({ db, backend: 'postgres', databaseUrl: urls[0] }, { outDir: work, key, keep: 2 });
    const backupSeconds = (Date.now() - t0) / 1000;
    const backupPeak = peakRss;
    console.log(
      `backup: ${dbMb.toFixed(1)} MB database -> ${(backup.plaintextBytes / 1e6).toFixed(1)} MB dump (pg_dump compresses) -> ${(backup.bytes / 1e6).toFixed(1)} MB file in ${backupSeconds.toFixed(2)} s = ${(dbMb / backupSeconds).toFixed(1)} MB/s of database, ${(backup.plaintextBytes / 1e6 / backupSeconds).toFixed(1)} MB/s of dump; peak RSS ${(backupPeak / 1e6).toFixed(0)} MB (${((backupPeak - startRss) / 1e6).toFixed(0)} MB above start)`,
    );
    peakRss = process.memoryUsage().rss;
    t0 = Date.now();
    const restored = await restoreBackup(backup.file, { key, target: { backend: 'postgres', databaseUrl: urls[1]! } });
    const restoreSeconds = (Date.now() - t0) / 1000;
    console.log(
      `restore (decrypt+verify to temp, pg_restore, migrate, audit:verify ${restored.audit.ok ? `OK ${restored.audit.count}` : 'BROKEN'}): ${restoreSeconds.toFixed(2)} s = ${(dbMb / restoreSeconds).toFixed(1)} MB/s of database, ${(backup.plaintextBytes / 1e6 / restoreSeconds).toFixed(1)} MB/s of dump; peak RSS ${(peakRss / 1e6).toFixed(0)} MB`,
    );
  } finally {
    clearInterval(sampler);
    await db.destroy();
    for (const name of names) await admin(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench:backup failed: ${(error as Error).message}`);
  process.exit(1);
});
