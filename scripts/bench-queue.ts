/**
 * `npm run bench:queue`: the staff queue's first page and a deep page (p50, p95 over 40 runs)
 * for the default view and two filters, at 1,000 and at 1,000,000 requests, on PostgreSQL
 * (DATABASE_URL; a database of its own, dropped afterwards). Goal: under 2x growth.
 */
import { sql } from 'kysely';
import { createDb, migrateToLatest } from '../db/client';
import { listQueue, queueFilterSchema, type QueueFilter } from '../app/models/requests/staff.server';
import { createTestDatabaseUrl } from '../tests/support/db';

const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const SIZES = (process.env.BENCH_SIZES ?? '1000,1000000').split(',').map(Number);
const TZ = 'Europe/London';

async function main() {
  const database = await createTestDatabaseUrl();
  if (!database) throw new Error('bench:queue needs DATABASE_URL (a PostgreSQL role that may create databases)');
  const { db } = createDb({ databaseUrl: database.url, poolSize: 4 });
  try {
    await migrateToLatest(db);
    const staff = await db.insertInto('users').values({ email: 'bench-staff@example.org', password_hash: 'x', role: 'staff' } as never).returning('id').executeTakeFirstOrThrow();
    const views: [string, QueueFilter][] = [
      ['default (open work)', queueFilterSchema.parse({})],
      ['type=access', queueFilterSchema.parse({ type: 'access' })],
      ['unassigned + overdue', queueFilterSchema.parse({ assignee: 'unassigned', due: 'overdue' })],
    ];
    let seeded = 0;
    const rows: string[] = [];
    for (const size of SIZES) {
      const started = performance.now();
      // Spread over states, types and two years of due dates; a tenth assigned.
      await sql`
        insert into requests (reference, type, state, email, email_key, name, requester_role, due_date, received_at, assigned_to)
        select 'DSR-B-' || lpad(g::text, 9, '0'),
               (array['access','rectification','erasure','restriction','portability','objection'])[1 + g % 6],
               (array['open','in_progress','awaiting_subject','completed','denied','unverified','expired','withdrawn'])[1 + g % 8],
               'subject' || g || '@example.org', 'subject' || g || '@example.org', 'Subject ' || g, 'self',
               to_char(date '2025-06-01' + (g % 730), 'YYYY-MM-DD'), now(),
               case when g % 10 = 0 then ${staff.id}::uuid end
        from generate_series(${seeded + 1}::int, ${size}::int) g`.execute(db);
      seeded = size;
      await sql`analyze requests`.execute(db);
      const seedSeconds = (performance.now() - started) / 1000;
      for (const [name, filter] of views) {
        const first = await timeIt(() => listQueue(db, filter, { staffId: staff.id, timeZone: TZ }));
        // A cursor about half-way through the view: the page a keyset never pays extra for.
        let cursor: string | null = null;
        let page = await listQueue(db, filter, { staffId: staff.id, timeZone: TZ });
        for (let i = 0; i < 20 && page.next; i++) {
          cursor = page.next;
          page = await listQueue(db, { ...filter, after: cursor }, { staffId: staff.id, timeZone: TZ });
        }
        const deep = cursor
          ? await timeIt(() => listQueue(db, { ...filter, after: cursor! }, { staffId: staff.id, timeZone: TZ }))
          : { p50: NaN, p95: NaN };
        rows.push(
          `${String(size).padStart(9)}  ${name.padEnd(22)}  first p50 ${first.p50.toFixed(2)} ms  p95 ${first.p95.toFixed(2)} ms   page 21 p50 ${deep.p50.toFixed(2)} ms  p95 ${deep.p95.toFixed(2)} ms`,
        );
      }
      console.log(`seeded ${size} requests in ${seedSeconds.toFixed(1)} s`);
    }
    console.log(`\n${'requests'.padStart(9)}  view${' '.repeat(20)}  (${RUNS} runs each)`);
    for (const row of rows) console.log(row);
  } finally {
    await db.destroy();
    await database.drop();
  }
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

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
