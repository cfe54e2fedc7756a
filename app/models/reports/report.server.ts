import { sql } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../../db/client';
import { recordAudit, type Actor } from '~/models/audit.server';
import { REQUEST_CHANNELS } from '~/models/requests/channels';
import { REQUEST_TYPE_VALUES } from '~/models/requests/request-types';
import { ACTIVE_QUEUE_STATES } from '~/models/requests/staff.server';
import { addDays, startOfDayIn, todayIn } from '~/utils/calendar';
import { ensureReportCells, readSums, type CellScope } from '~/models/reports/cells.server';
import {
  backlogChange,
  backlogSeries,
  CLOSING_MEASURES,
  deadlineHistogram,
  MEASURE,
  onTimeSeries,
  totalsOf,
  volumeSeries,
} from '~/models/reports/figures';
import { parsePeriod, PeriodError, periodLabel, type Period } from '~/models/reports/period';

/**
 * The DPO's report (/staff/reports): a period's figures, the four charts' series, and the
 * work open now, all summed by the database (report_cells, or the assignee's requests);
 * nothing here reads requests one by one.
 */

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' || v === null ? undefined : v), schema.optional());

export const reportQuerySchema = z.object({
  period: optional(z.string().max(20)),
  from: optional(z.string().max(10)),
  to: optional(z.string().max(10)),
  type: optional(z.enum(REQUEST_TYPE_VALUES, { error: 'Choose one of the request types' })),
  channel: optional(z.enum(REQUEST_CHANNELS, { error: 'Choose one of the channels' })),
  assignee: optional(
    z.string().refine((v) => v === 'unassigned' || z.uuid().safeParse(v).success, 'Choose a member of staff or "nobody"'),
  ),
});

export type ReportQuery = { period: Period; type?: string; channel?: string; assignee?: string };

/** The report's query string, read strictly: an unknown type, channel, assignee or date is a sentence for a 400. */
export function parseReportQuery(params: URLSearchParams, today: string): { ok: true; query: ReportQuery } | { ok: false; error: string } {
  const raw = Object.fromEntries([...params].filter(([key]) => key in reportQuerySchema.shape));
  const parsed = reportQuerySchema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0]!.message };
  const q = parsed.data;
  try {
    const period = parsePeriod(q.period ?? today.slice(0, 4), { from: q.from, to: q.to });
    return { ok: true, query: { period, type: q.type, channel: q.channel, assignee: q.assignee } };
  } catch (error) {
    if (error instanceof PeriodError) return { ok: false, error: error.message };
    throw error;
  }
}

/** The query string that names a report (for the export and print links). */
export function reportSearch(query: ReportQuery): string {
  const params = new URLSearchParams({ period: query.period.key });
  if (query.period.kind === 'custom') {
    params.set('from', query.period.from);
    params.set('to', query.period.to);
  }
  for (const key of ['type', 'channel', 'assignee'] as const) if (query[key]) params.set(key, query[key]!);
  return params.toString();
}

export type Report = Awaited<ReturnType<typeof computeReport>>;

/**
 * The whole report for a query; `now` fixes "today" (tests pass it). Audited as a view of
 * the report (`report.view`, or what `auditAction` names: printing is `report.printed`).
 */
export async function buildReport(
  db: DB,
  actor: Actor,
  query: ReportQuery,
  options: { timeZone: string; now?: Date; auditAction?: 'report.view' | 'report.printed' },
) {
  const report = await computeReport(db, query, options);
  await recordAudit(db, {
    actorId: actor.id,
    ip: actor.ip,
    action: options.auditAction ?? 'report.view',
    targetType: 'report',
    details: auditDetails(query),
  });
  return report;
}

export function auditDetails(query: ReportQuery) {
  return { from: query.period.from, to: query.period.to, type: query.type ?? null, channel: query.channel ?? null, assignee: query.assignee ?? null };
}

/** The figures without the audit event (exports record their own). */
export async function computeReport(db: DB, query: ReportQuery, options: { timeZone: string; now?: Date }) {
  const { period } = query;
  const today = todayIn(options.timeZone, options.now);
  await ensureReportCells(db, options.timeZone);
  const scope: CellScope = { timeZone: options.timeZone, type: query.type, channel: query.channel, assignee: query.assignee };
  // The backlog is counted back from the number open now, through every day up to today.
  const last = period.to < today ? period.to : today;
  const backlogMeasures = [MEASURE.verified, ...CLOSING_MEASURES];
  const answeredMeasures = [MEASURE.completedOnTime, MEASURE.completedLate, MEASURE.refusedOnTime, MEASURE.refusedLate];
  const [totalRows, weekRows, monthRows, backlogRows, afterRows, work, systems] = await Promise.all([
    readSums(db, scope, { from: period.from, to: period.to }),
    readSums(db, scope, { from: period.from, to: period.to, by: 'week', measures: [MEASURE.received] }),
    readSums(db, scope, { from: period.from, to: period.to, by: 'month', measures: answeredMeasures }),
    readSums(db, scope, { from: period.from, to: last, by: 'week', measures: backlogMeasures }),
    readSums(db, scope, { from: addDays(last, 1), to: today, measures: backlogMeasures }),
    openWork(db, query, today),
    systemAnswers(db, query, options.timeZone, options.now ?? new Date()),
  ]);
  return {
    period: { ...period, label: periodLabel(period) },
    filter: { type: query.type ?? null, channel: query.channel ?? null, assignee: query.assignee ?? null },
    today,
    totals: totalsOf(totalRows),
    now: work.now,
    load: work.load,
    weeklyVolume: volumeSeries(weekRows, period, 'week'),
    deadlineHistogram: deadlineHistogram(totalRows),
    onTimeByMonth: onTimeSeries(monthRows, period),
    backlog: backlogSeries(backlogRows, backlogChange(afterRows), work.now.open, { from: period.from, last }),
    systems,
  };
}

/**
 * Connected systems' answers to the period's requests (issue 22, from issue 20's system
 * answers): per system, the answers given in the period, how many came after the system's own
 * deadline, and the tasks still unanswered past it now. Systems with nothing to report are left out.
 */
async function systemAnswers(db: DB, query: ReportQuery, timeZone: string, now: Date) {
  const from = startOfDayIn(query.period.from, timeZone);
  const to = startOfDayIn(addDays(query.period.to, 1), timeZone);
  let q = db
    .selectFrom('system_tasks as t')
    .innerJoin('connected_systems as s', 's.id', 't.system_id')
    .innerJoin('requests as r', 'r.id', 't.request_id')
    .select((eb) => [
      's.id',
      's.name',
      eb.fn.count<string>('t.id').filterWhere('t.answered_at', '>=', from).filterWhere('t.answered_at', '<', to).as('answered'),
      eb.fn
        .count<string>('t.id')
        .filterWhere('t.answered_at', '>=', from)
        .filterWhere('t.answered_at', '<', to)
        .filterWhere(sql<boolean>`t.answered_at > t.due_at`)
        .as('late'),
      eb.fn.count<string>('t.id').filterWhere('t.state', 'not in', ['answered', 'skipped', 'cancelled']).filterWhere('t.due_at', '<', now).as('overdue'),
    ])
    .groupBy(['s.id', 's.name'])
    .orderBy('s.name');
  if (query.type) q = q.where(sql.ref('r.type'), '=', query.type);
  if (query.channel) q = q.where(sql.ref('r.channel'), '=', query.channel);
  if (query.assignee === 'unassigned') q = q.where('r.assigned_to', 'is', null);
  else if (query.assignee) q = q.where('r.assigned_to', '=', query.assignee);
  const rows = await q.execute();
  return rows
    .map((r) => ({ id: r.id, name: r.name, answered: Number(r.answered), late: Number(r.late), overdue: Number(r.overdue) }))
    .filter((r) => r.answered > 0 || r.overdue > 0);
}

/**
 * The work open now (verified, not closed), per assignee and in all: open, overdue (clock
 * running past the due date), paused (waiting on the subject), due within 7 days. One pass
 * over the small partial index of open work (requests_open_work_idx).
 */
async function openWork(db: DB, query: ReportQuery, today: string) {
  let counts = db
    .selectFrom('requests')
    .where('state', 'in', [...ACTIVE_QUEUE_STATES])
    .select([
      'assigned_to',
      sql<string>`count(*)`.as('open'),
      sql<string>`count(*) filter (where state <> 'awaiting_subject' and due_date < ${today})`.as('overdue'),
      sql<string>`count(*) filter (where state = 'awaiting_subject')`.as('paused'),
      sql<string>`count(*) filter (where state <> 'awaiting_subject' and due_date >= ${today} and due_date <= ${addDays(today, 7)})`.as('dueSoon'),
    ])
    .groupBy('assigned_to');
  if (query.type) counts = counts.where('type', '=', query.type as never);
  if (query.channel) counts = counts.where('channel', '=', query.channel as never);
  if (query.assignee === 'unassigned') counts = counts.where('assigned_to', 'is', null);
  else if (query.assignee) counts = counts.where('assigned_to', '=', query.assignee);
  // Counted first, then named: the join sees one row per assignee, not one per request.
  const rows = await db
    .selectFrom(counts.as('w'))
    .leftJoin('users as u', 'u.id', 'w.assigned_to')
    .select(['w.assigned_to', 'u.email', 'w.open', 'w.overdue', 'w.paused', 'w.dueSoon'])
    .orderBy(sql`w.open::bigint`, 'desc')
    .orderBy('u.email')
    .execute();
  const load = rows.map((r) => ({
    assigneeId: r.assigned_to,
    email: r.email,
    open: Number(r.open),
    overdue: Number(r.overdue),
    paused: Number(r.paused),
    dueSoon: Number(r.dueSoon),
  }));
  const sum = (key: 'open' | 'overdue' | 'paused' | 'dueSoon') => load.reduce((s, r) => s + r[key], 0);
  return { now: { open: sum('open'), overdue: sum('overdue'), paused: sum('paused'), dueSoon: sum('dueSoon') }, load };
}

/** Staff and admins, for the assignee filter. */
export async function listAssignees(db: DB) {
  return db.selectFrom('users').select(['id', 'email']).where('role', 'in', ['staff', 'admin']).orderBy('email').execute();
}
