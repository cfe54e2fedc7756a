/**
 * `npm run bench:search`: the staff queue's search (names, parts of addresses, identifiers) on
 * BENCH_SIZE requests (default 50,000), with the trigram index and with index scans forbidden,
 * and the plan PostgreSQL chose. PGlite by default (a temporary folder), PostgreSQL when
 * DATABASE_URL is set (a database of its own, dropped afterwards).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createDb, migrateToLatest, type DB } from '../db/client';
import { listQueue, queueFilterSchema, REQUEST_SEARCH_TEXT } from '../app/models/requests/staff.server';
import { parseQueueSearch } from '../app/models/requests/search';
import { createTestDatabaseUrl } from '../tests/support/db';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const SIZE = Number(process.env.BENCH_SIZE ?? 50_000);
const TZ = 'Europe/London';
const SEARCHES = ['schmidt-4242', 'cust-0012345', 'mail-777.example', 'bernd mail-41.example'];

async function main() {
  const database = await createTestDatabaseUrl();
  const dataDir = database ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'pp-bench-search-'));
  const { db, backend } = createDb(database ? { databaseUrl: database.url, poolSize: 2 } : { dataDir });
  try {
    await migrateToLatest(db);
    const staff = await db.insertInto('users').values({ email: 'bench-staff@example.org', password_hash: 'x', role: 'staff' } as never).returning('id').executeTakeFirstOrThrow();
    const started = performance.now();
    await sql`
      insert into requests (reference, type, state, email, email_key, name, account_identifier, aliases, requester_role, due_date, received_at)
      select 'DSR-2026-' || lpad(g::text, 7, '0'), 'access', (array['open','in_progress','completed'])[1 + g % 3],
             'person' || g || '@mail-' || (g % 1000) || '.example', 'person' || g || '@mail-' || (g % 1000) || '.example',
             (array['Anna','Bernd','Chloé','Dariusz'])[1 + g % 4] || ' Schmidt-' || g, 'CUST-' || lpad(g::text, 7, '0'),
             'Alias ' || g, 'self', to_char(date '2026-01-01' + (g % 365), 'YYYY-MM-DD'), now()
      from generate_series(1, ${SIZE}::int) g`.execute(db);
    await sql`analyze requests`.execute(db);
    console.log(`${backend}: seeded ${SIZE} requests in ${((performance.now() - started) / 1000).toFixed(1)} s; ${RUNS} runs each\n`);
    for (const q of SEARCHES) {
      const filter = queueFilterSchema.parse({ q, state: 'all' });
      const page = await listQueue(db, filter, { staffId: staff.id, timeZone: TZ });
      const indexed = await timeIt(() => listQueue(db, filter, { staffId: staff.id, timeZone: TZ }));
      const scanned = await timeIt(() => withoutIndexes(db, (trx) => listQueue(trx as DB, filter, { staffId: staff.id, timeZone: TZ })));
      const plan = await planOf(db, q);
      console.log(`"${q}": ${page.rows.length}${page.next ? '+' : ''} found`);
      console.log(`  with the index      p50 ${indexed.p50.toFixed(1)} ms  p95 ${indexed.p95.toFixed(1)} ms`);
      console.log(`  index scans off     p50 ${scanned.p50.toFixed(1)} ms  p95 ${scanned.p95.toFixed(1)} ms`);
      console.log(`  plan: ${plan}\n`);
    }
  } finally {
    await db.destroy();
    await database?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The scan nodes of the search's own WHERE clause, as EXPLAIN ANALYZE reports them. */
async function planOf(db: DB, q: string): Promise<string> {
  const search = parseQueueSearch(q);
  if (search.kind !== 'text') return search.kind;
  const where = sql.join(search.patterns.map((p) => sql`${REQUEST_SEARCH_TEXT} ilike ${p}`), sql` and `);
  const { rows } = await sql<{ 'QUERY PLAN': string }>`explain analyze select r.id from requests r where ${where}`.execute(db);
  return rows
    .map((r) => r['QUERY PLAN'].trim())
    .filter((line) => /Scan|Execution Time/.test(line))
    .map((line) => line.replace(/^->\s*/, '').replace(/\s+\(cost=[^)]*\)/, ''))
    .join(' | ');
}

async function withoutIndexes<T>(db: DB, fn: (trx: unknown) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`set local enable_bitmapscan = off`.execute(trx);
    await sql`set local enable_indexscan = off`.execute(trx);
    return fn(trx);
  });
}

async function timeIt(fn: () => Promise<unknown>) {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(RUNS * 0.5)]!, p95: times[Math.floor(RUNS * 0.95)]! };
}

await main();
