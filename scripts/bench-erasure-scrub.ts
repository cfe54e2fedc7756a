/**
 * `npm run bench:scrub`: how long the erasure rewrite (`erasure.rewrite`: VACUUM (FULL, ANALYZE)
 * of every table an erasure touches, then CHECKPOINT, pg_switch_wal(), CHECKPOINT) takes, and so
 * how long the tables are locked, with BENCH_REQUESTS requests (default 100,000, each with two
 * timeline events) and a tenth as many accounts and mail rows. On PostgreSQL when DATABASE_URL
 * is set (a database of its own, dropped afterwards), else on a throwaway embedded database.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { rewriteErasedTables } from '../app/models/requests/erasure-scrub.server';
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
  const name = `pp_bench_scrub_${randomBytes(4).toString('hex')}`;
  const dir = base ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'pp-bench-scrub-'));
  let url: string | undefined;
  if (base) {
    const u = new URL(base);
    u.pathname = `/${name}`;
    url = u.href;
    await admin(base, `CREATE DATABASE ${name}`);
  }
  const { db, backend } = createDb(url ? { databaseUrl: url, poolSize: 2 } : { dataDir: path.join(dir!, 'pglite') });
  try {
    await migrateToLatest(db);
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
      select id, 'system', k, null, null, 'A timeline entry of ordinary length.' from requests, (values ('submitted'), ('verify')) v(k)`.execute(db);
    await sql`
      insert into users (email, password_hash, email_verified_at)
      select 'user' || g || '@example.test', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA', now() from generate_series(1, ${Math.ceil(REQUESTS / 10)}) g`.execute(db);
    await sql`
      insert into mail_outbox (to_address, subject, text_body, html_body, headers, status)
      select 'subject' || g || '@example.test', 'Your request', '', '', '{}', 'sent' from generate_series(1, ${Math.ceil(REQUESTS / 10)}) g`.execute(db);
    // The shape an erasure leaves: one request reduced, its account gone.
    await sql`update requests set email = '', name = '', details = null where reference = 'BENCH-1'`.execute(db);
    await sql`delete from users where email = 'user1@example.test'`.execute(db);
    const { rows } = await sql<{ size: string }>`select pg_database_size(current_database())::text as size`.execute(db);
    const started = process.hrtime.bigint();
    const result = await rewriteErasedTables(db);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(
      `erasure rewrite on ${backend}: ${REQUESTS.toLocaleString('en')} requests, ${(Number(rows[0]!.size) / 1e6).toFixed(0)} MB database: ` +
        `${(ms / 1000).toFixed(2)} s for ${result.tables} tables (checkpoint: ${result.checkpoint}, WAL switched: ${result.walSwitched})`,
    );
  } finally {
    await db.destroy();
    if (base) await admin(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
