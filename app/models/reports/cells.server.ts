import { sql, type Expression, type SqlBool } from 'kysely';
import type { DB } from '../../../db/client';
import { addDays, startOfDayIn } from '~/utils/calendar';
import { splitRange, type Grain } from '~/models/reports/period';
import { ALL_MEASURES, WEEKLY_MEASURES, type SumRow } from '~/models/reports/figures';

/**
 * Reading the report's counts. `report_cells` (migration 0140) holds them per local day, ISO
 * week and month, measure, type and value, by channel, by assignee and by type alone, kept by a
 * trigger on `requests`; a sum over a period reads one row per month (or week) inside it and one
 * per day only at its edges, so a year costs the same at ten thousand requests as at a million.
 * A report filtered by assignee and channel at once has no cells of its own (docs/decisions/
 * 035-report-cells.md): it sums the same `report_tuples` over that person's requests, through
 * the (assigned_to, created_at) index.
 */

export type CellScope = {
  timeZone: string;
  type?: string;
  channel?: string;
  /** A staff account's id, or `unassigned`. */
  assignee?: string;
};

/**
 * Makes report_cells count in `timeZone`: a no-op when they already do, else (first use, or
 * PORTAL_TIMEZONE changed) rebuilds them from every request. Cheap enough to call per report.
 */
export async function ensureReportCells(db: DB, timeZone: string): Promise<void> {
  const settings = await db.selectFrom('report_settings').select('time_zone').where('id', '=', 1).executeTakeFirst();
  if (settings?.time_zone === timeZone) return;
  await rebuildReportCells(db, timeZone);
}

/**
 * Recomputes report_cells from the requests, as the GROUP BY the trigger maintains. Holds a
 * SHARE lock on `requests` meanwhile: writers finish first (their deferred trigger included)
 * and wait for the rebuild, so no change is counted twice or lost. Returns the cells written.
 */
export async function rebuildReportCells(db: DB, timeZone: string, options: { force?: boolean } = {}): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await sql`lock table requests in share mode`.execute(trx);
    const settings = await trx.selectFrom('report_settings').select('time_zone').where('id', '=', 1).forUpdate().executeTakeFirst();
    if (!options.force && settings?.time_zone === timeZone) return 0; // another instance built them meanwhile
    await trx.updateTable('report_settings').set({ time_zone: timeZone, built_at: new Date() }).where('id', '=', 1).execute();
    await trx.deleteFrom('report_cells').execute();
    // One big GROUP BY over every request: room to hash it in memory instead of spilling to disk.
    await sql`set local work_mem = '256MB'`.execute(trx);
    await sql`
      insert into report_cells (grain, period_start, measure, type, channel, assignee, value, n)
      select 'day', t.day, t.measure, r.type, b.channel, b.assignee, t.value, count(*)
      from requests r
      cross join lateral ${tuplesOf(timeZone)} t
      cross join lateral (values (r.channel, '*'), ('*', coalesce(r.assigned_to::text, 'none')), ('*', '*')) as b(channel, assignee)
      group by t.day, t.measure, r.type, b.channel, b.assignee, t.value`.execute(trx);
    for (const grain of ['week', 'month'] as const) {
      const only = grain === 'week' ? sql`and measure in (${sql.join(WEEKLY_MEASURES)})` : sql``;
      await sql`
        insert into report_cells (grain, period_start, measure, type, channel, assignee, value, n)
        select ${grain}, date_trunc(${grain}, period_start::timestamp)::date, measure, type, channel, assignee, value, sum(n)
        from report_cells where grain = 'day' ${only}
        group by 2, measure, type, channel, assignee, value`.execute(trx);
    }
    const { n } = await trx.selectFrom('report_cells').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow();
    return Number(n);
  });
}

/**
 * Counts summed over `from`..`to` (local dates, inclusive) per type, measure and value, and
 * per week or month when `by` asks (`bucket` is the week's Monday or the month's first day).
 * `measures` limits what is read.
 */
export async function readSums(
  db: DB,
  scope: CellScope,
  range: { from: string; to: string; by?: Grain; measures?: readonly string[] },
): Promise<SumRow[]> {
  if (range.by === 'week' && range.measures?.some((m) => !(WEEKLY_MEASURES as readonly string[]).includes(m))) {
    throw new Error(`readSums: report_cells keep only ${WEEKLY_MEASURES.join(', ')} by week`);
  }
  if (range.to < range.from) return [];
  return scope.assignee && scope.channel ? readSumsFromRequests(db, scope, range) : readSumsFromCells(db, scope, range);
}

/** What one request of `requests r` contributes (the function the trigger uses). */
function tuplesOf(timeZone: string) {
  return sql`report_tuples(r.state, r.outcome, r.refusal_ground, r.created_at, r.received_at, r.closed_at, r.extended_at, r.due_date, ${timeZone})`;
}

/** The breakdown a scope reads: by assignee (any channel) or by channel (any assignee). */
function assigneeKey(assignee: string): string {
  return assignee === 'unassigned' ? 'none' : assignee;
}

type RawSum = { bucket: string | null; type: string; measure: string; value: number; n: string };

async function readSumsFromCells(
  db: DB,
  scope: CellScope,
  range: { from: string; to: string; by?: Grain; measures?: readonly string[] },
): Promise<SumRow[]> {
  // Totals and monthly series read month cells; weekly series read week cells; days fill the edges.
  const grain: Grain = range.by === 'week' ? 'week' : 'month';
  const { whole, edges } = splitRange(range.from, range.to, grain);
  const bucket =
    range.by === undefined
      ? sql<string | null>`null`
      : sql<string>`(case when grain = 'day' then date_trunc(${range.by}, period_start::timestamp)::date else period_start end)::text`;
  let query = db
    .selectFrom('report_cells')
    .select([bucket.as('bucket'), 'type', 'measure', 'value', sql<string>`sum(n)`.as('n')])
    .where((eb) => {
      const parts: Expression<SqlBool>[] = edges.map(([a, b]) =>
        eb.and([eb('grain', '=', 'day'), eb('period_start', '>=', a), eb('period_start', '<=', b)]),
      );
      if (whole) parts.push(eb.and([eb('grain', '=', grain), eb('period_start', '>=', whole[0]), eb('period_start', '<=', whole[1])]));
      return eb.or(parts);
    })
    .groupBy([sql`1`, 'type', 'measure', 'value']);
  if (scope.type) query = query.where('type', '=', scope.type);
  // Each scope reads one breakdown: by assignee, by channel, or by type alone.
  query = query
    .where('assignee', '=', scope.assignee ? assigneeKey(scope.assignee) : '*')
    .where('channel', '=', scope.channel && !scope.assignee ? scope.channel : '*');
  // Every measure named, so the index is walked measure by measure over the period's range.
  query = query.where('measure', 'in', [...(range.measures ?? ALL_MEASURES)]);
  const rows = (await query.execute()) as RawSum[];
  return rows.map(toSumRow);
}

async function readSumsFromRequests(
  db: DB,
  scope: CellScope,
  range: { from: string; to: string; by?: Grain; measures?: readonly string[] },
): Promise<SumRow[]> {
  // Nothing happens to a request before it is filed or after it closes: these bounds let the
  // index skip requests filed after the period and those closed before it.
  const fromInstant = startOfDayIn(range.from, scope.timeZone);
  const endInstant = startOfDayIn(addDays(range.to, 1), scope.timeZone);
  const bucket = range.by === undefined ? sql`null` : sql`date_trunc(${range.by}, t.day::timestamp)::date::text`;
  const assignee = scope.assignee === 'unassigned' ? sql`r.assigned_to is null` : sql`r.assigned_to = ${scope.assignee}::uuid`;
  const type = scope.type ? sql`and r.type = ${scope.type}` : sql``;
  const channel = scope.channel ? sql`and r.channel = ${scope.channel}` : sql``;
  const measures = range.measures ? sql`and t.measure in (${sql.join([...range.measures])})` : sql``;
  const { rows } = await sql<RawSum>`
    select ${bucket} as bucket, r.type, t.measure, t.value, count(*) as n
    from requests r cross join lateral ${tuplesOf(scope.timeZone)} t
    where ${assignee} ${type} ${channel}
      and r.created_at < ${endInstant}
      and (r.closed_at is null or r.closed_at >= ${fromInstant})
      and t.day between ${range.from}::date and ${range.to}::date
      ${measures}
    group by 1, r.type, t.measure, t.value`.execute(db);
  return rows.map(toSumRow);
}

function toSumRow(r: RawSum): SumRow {
  return { bucket: r.bucket, type: r.type, measure: r.measure, value: Number(r.value), n: Number(r.n) };
}
