/**
 * `npm run bench:reports`: the time to compute a year's report (/staff/reports: every figure,
 * the four charts' series, the work open now) at 10,000 and at 1,000,000 requests, on
 * PostgreSQL (DATABASE_URL; a database of its own, dropped afterwards). All the requests fall
 * in the reported year, the worst case. Goal: under 500 ms at 1,000,000 and under 2x the time
 * at 10,000. Also times a report filtered by type (still report_cells) and by assignee (summed
 * from that person's requests), and with BENCH_EXPLAIN=1 prints the plans of the cell queries.
 *
 * Requests are made by generate_series in SQL with the report trigger off, then report_cells
 * are rebuilt in one pass (rebuildReportCells), as after a change of PORTAL_TIMEZONE, and both
 * tables vacuumed (as autovacuum would) before timing.
 */
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import { createDb, migrateToLatest, type DB } from '../db/client';
import { rebuildReportCells } from '../app/models/reports/cells.server';
import { parsePeriod } from '../app/models/reports/period';
import { computeReport, type ReportQuery } from '../app/models/reports/report.server';
import { createTestDatabaseUrl } from '../tests/support/db';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const SIZES = (process.env.BENCH_SIZES ?? '10000,1000000').split(',').map(Number);
const TZ = 'Europe/London';
const NOW = new Date('2026-01-15T12:00:00Z');
const STAFF = 5;

export async function seedBenchRequests(db: DB, from: number, to: number, staffIds: string[]) {
  const staff = sql.raw(`array[${staffIds.map((id) => `'${id}'::uuid`).join(',')}, null::uuid]`);
  await sql`alter table requests disable trigger user`.execute(db);
  try {
    // Spread over 2025; each row's fate from a hash of its number: 3% never confirmed, 3%
    // withdrawn, 12% refused, 2% still open, the rest completed, 8% of answers late, 5% extended.
    await sql`
      insert into requests (reference, type, channel, state, email, email_key, name, requester_role, created_at, updated_at,
                            received_at, due_date, extension_months, extended_at, closed_at, outcome, refusal_ground, assigned_to)
      select 'DSR-B-' || lpad(g::text, 9, '0'), v.type, v.channel, v.state,
             'subject' || g || '@example.org', 'subject' || g || '@example.org', 'Subject ' || g, 'self',
             v.created, v.created,
             case when v.state <> 'expired' then v.created + interval '2 hours' end,
             case when v.state <> 'expired' then to_char(v.created + interval '1 month' * (1 + v.ext), 'YYYY-MM-DD') end,
             v.ext,
             case when v.ext = 1 then v.created + interval '20 days' end,
             case when v.state in ('completed', 'denied', 'withdrawn') then v.created + interval '1 day' * v.days
                  when v.state = 'expired' then v.created + interval '7 days' end,
             case when v.state = 'completed' then 'fulfilled' end,
             case when v.state = 'denied' then (array['unfounded_or_excessive','identity_not_established','duplicate','rights_of_others','erasure_exemption','legal_restriction','other'])[1 + v.h % 7] end,
             (${staff})[1 + (v.h / 7) % ${STAFF + 1}]
      from generate_series(${from}::int, ${to}::int) g
      cross join lateral (select hashint4(g) & 2147483647 as h) hh
      cross join lateral (
        select h,
               (array['access','rectification','erasure','restriction','portability','objection'])[1 + h % 6] as type,
               (array['web','web','web','web','web','web','web','email','letter','phone'])[1 + (h / 6) % 10] as channel,
               timestamptz '2025-01-01 00:00:00+00' + interval '1 second' * ((h / 60) % 31536000) as created,
               case when h % 100 < 3 then 'expired' when h % 100 < 6 then 'withdrawn' when h % 100 < 18 then 'denied'
                    when h % 100 < 20 then 'in_progress' else 'completed' end as state,
               case when (h / 100) % 20 = 0 then 1 else 0 end as ext,
               (h / 1000) % 30 + case when (h / 100) % 12 = 0 then 8 else 0 end as days
      ) v`.execute(db);
  } finally {
    await sql`alter table requests enable trigger user`.execute(db);
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
  return { p50: times[Math.floor(RUNS * 0.5)]!, p95: times[Math.min(RUNS - 1, Math.floor(RUNS * 0.95))]! };
}

async function main() {
  const database = await createTestDatabaseUrl();
  if (!database) throw new Error('bench:reports needs DATABASE_URL (a PostgreSQL role that may create databases)');
  const { db } = createDb({ databaseUrl: database.url, poolSize: 8 });
  try {
    await migrateToLatest(db);
    const staffIds: string[] = [];
    for (let i = 0; i < STAFF; i++) {
      const row = await db
        .insertInto('users')
        .values({ email: `bench-staff-${i}@example.org`, password_hash: 'x', role: 'staff' })
        .returning('id')
        .executeTakeFirstOrThrow();
      staffIds.push(row.id);
    }
    const year = parsePeriod('2025');
    const views: [string, ReportQuery][] = [
      ['year 2025', { period: year }],
      ['year 2025, type=access', { period: year, type: 'access' }],
      ['year 2025, one assignee', { period: year, assignee: staffIds[0] }],
    ];
    const lines: string[] = [];
    const firstP50: Record<string, number> = {};
    let seeded = 0;
    for (const size of SIZES) {
      const started = performance.now();
      await seedBenchRequests(db, seeded + 1, size, staffIds);
      seeded = size;
      const inserted = performance.now();
      const cells = await rebuildReportCells(db, TZ, { force: true });
      // As autovacuum leaves a table in use: without it, the first reads after a bulk insert
      // visit the heap for every index entry (no visibility map yet) and measure that instead.
      await sql`vacuum (analyze) requests, report_cells`.execute(db);
      const built = performance.now();
      console.log(
        `seeded ${size.toLocaleString('en-GB')} requests: insert ${((inserted - started) / 1000).toFixed(1)} s, ` +
          `report_cells rebuilt (${cells.toLocaleString('en-GB')} rows) ${((built - inserted) / 1000).toFixed(1)} s`,
      );
      for (const [name, query] of views) {
        const { p50, p95 } = await timeIt(() => computeReport(db, query, { timeZone: TZ, now: NOW }));
        firstP50[name] ??= p50;
        const ratio = p50 / firstP50[name]!;
        lines.push(`${size.toLocaleString('en-GB').padStart(9)}  ${name.padEnd(26)} p50 ${p50.toFixed(1).padStart(7)} ms  p95 ${p95.toFixed(1).padStart(7)} ms  (${ratio.toFixed(2)}x)`);
      }
      if (process.env.BENCH_EXPLAIN) await explain(db);
    }
    const check = await computeReport(db, views[0]![1], { timeZone: TZ, now: NOW });
    console.log(`\n(the year's report at ${seeded.toLocaleString('en-GB')}: ${check.totals.received.toLocaleString('en-GB')} received, ${check.totals.answered.toLocaleString('en-GB')} answered, median ${check.totals.daysToClose.median} days)`);
    console.log(`\n${'requests'.padStart(9)}  report${' '.repeat(20)} (${RUNS} runs each; ratio to the first size)`);
    for (const line of lines) console.log(line);
  } finally {
    await db.destroy();
    await database.drop();
  }
}

/** The plans of the year's cell reads: index scans on report_cells' key, no scan of requests. */
async function explain(db: DB) {
  for (const [name, query] of [
    ['totals (month cells)', sql`select type, measure, value, sum(n) from report_cells where grain = 'month' and period_start between '2025-01-01' and '2025-12-01' group by 1, 2, 3`],
    ['weekly volume (week + day cells)', sql`select period_start, type, sum(n) from report_cells where measure = 'received' and ((grain = 'week' and period_start between '2025-01-06' and '2025-12-22') or (grain = 'day' and period_start between '2025-01-01' and '2025-01-05') or (grain = 'day' and period_start between '2025-12-29' and '2025-12-31')) group by 1, 2`],
    ['open now', sql`select count(*) from requests where state in ('open', 'in_progress', 'awaiting_subject')`],
  ] as const) {
    const { rows } = await sql<{ 'QUERY PLAN': string }>`explain (analyze, costs off, timing off, summary on) ${query}`.execute(db);
    console.log(`\n  EXPLAIN ${name}:\n${rows.map((r) => `    ${r['QUERY PLAN']}`).join('\n')}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
