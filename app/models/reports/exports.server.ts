import { sql } from 'kysely';
import type { DB } from '../../../db/client';
import { recordAudit, type Actor } from '~/models/audit.server';
import { addDays, startOfDayIn } from '~/utils/calendar';
import { csvLine, toCsv, type CsvValue } from '~/utils/csv';
import { auditDetails, computeReport, type ReportQuery } from '~/models/reports/report.server';

/**
 * The report's exports, each audited (`report.exported`, with what and for which period):
 * the figures as CSV, and the requests behind them as CSV without personal data (reference,
 * type, channel, dates, outcome; no name, address, identifier or free text).
 */

/**
 * Every figure of the report as rows of `section, item, detail, value`. Assignees are named by
 * account id, not address: this file is meant to leave the building.
 */
export async function exportFiguresCsv(db: DB, actor: Actor, query: ReportQuery, options: { timeZone: string; now?: Date }): Promise<string> {
  const r = await computeReport(db, query, options);
  const t = r.totals;
  const rows: CsvValue[][] = [['section', 'item', 'detail', 'value']];
  const add = (section: string, item: string, detail: string, value: CsvValue) => rows.push([section, item, detail, value]);
  add('period', 'from', '', r.period.from);
  add('period', 'to', '', r.period.to);
  add('period', 'time_zone', '', options.timeZone);
  add('filter', 'type', '', r.filter.type ?? 'all');
  add('filter', 'channel', '', r.filter.channel ?? 'all');
  add('filter', 'assignee', '', r.filter.assignee ?? 'anyone');
  for (const key of ['received', 'verified', 'answered', 'onTime', 'late', 'completed', 'completedOnTime', 'completedLate', 'refused', 'refusedOnTime', 'refusedLate', 'extended', 'withdrawn', 'expired', 'objectionsRejected'] as const) {
    add('totals', snake(key), '', t[key]);
  }
  add('totals', 'on_time_percent', '', round(t.onTimePercent));
  for (const [ground, n] of Object.entries(t.refusedByGround)) add('refused_by_ground', ground, '', n);
  for (const [measure, stats] of [['calendar_days', t.daysToClose], ['share_of_time_allowed_percent', t.deadlineShare]] as const) {
    add('days_to_close', measure, 'count', stats.count);
    add('days_to_close', measure, 'median', round(stats.median));
    add('days_to_close', measure, 'mean', round(stats.mean));
    add('days_to_close', measure, 'p90', round(stats.p90));
  }
  for (const [key, n] of Object.entries(r.now)) add('open_now', snake(key), r.today, n);
  for (const l of r.load) {
    for (const key of ['open', 'overdue', 'paused', 'dueSoon'] as const) add('load_by_assignee', l.assigneeId ?? 'nobody', snake(key), l[key]);
  }
  for (const sys of r.systems) {
    for (const key of ['answered', 'late', 'overdue'] as const) add('systems_answering', sys.name, key, sys[key]);
  }
  for (const w of r.weeklyVolume) for (const [type, n] of Object.entries(w.counts)) add('received_by_week', w.from, type, n);
  for (const b of r.deadlineHistogram) add('answers_by_share_of_time_allowed', b.label, b.onTime ? 'on_time' : 'late', b.n);
  for (const m of r.onTimeByMonth) {
    add('on_time_by_month', m.start.slice(0, 7), 'answered', m.answered);
    add('on_time_by_month', m.start.slice(0, 7), 'on_time', m.onTime);
    add('on_time_by_month', m.start.slice(0, 7), 'on_time_percent', round(m.onTimePercent));
  }
  for (const p of r.backlog) add('open_at_end_of_week', p.end, '', p.open);
  await recordAudit(db, { actorId: actor.id, ip: actor.ip, action: 'report.exported', targetType: 'report', details: { ...auditDetails(query), export: 'figures' } });
  return toCsv(rows);
}

const REQUEST_COLUMNS = [
  'reference',
  'type',
  'channel',
  'state',
  'outcome',
  'refusal_ground',
  'filed_on',
  'received_on',
  'due_on',
  'extension_months',
  'extended_on',
  'paused_days',
  'closed_on',
  'on_time',
  'days_to_close',
  'share_of_time_allowed_percent',
];

const PAGE = 1000;

/**
 * The requests behind a report: every request filed, verified, extended or closed in the
 * period (one of its report_tuples falls in it), with the report's filters, as CSV. Read a
 * thousand at a time in id order and streamed, so an export of a million rows holds a
 * thousand in memory. Audited when it starts.
 */
export async function exportRequestsCsv(db: DB, actor: Actor, query: ReportQuery, options: { timeZone: string }): Promise<ReadableStream<Uint8Array>> {
  const { from, to } = query.period;
  const tz = options.timeZone;
  const fromInstant = startOfDayIn(from, tz);
  const endInstant = startOfDayIn(addDays(to, 1), tz);
  await recordAudit(db, { actorId: actor.id, ip: actor.ip, action: 'report.exported', targetType: 'report', details: { ...auditDetails(query), export: 'requests' } });
  const encoder = new TextEncoder();
  let after = '0';
  let done = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(csvLine(REQUEST_COLUMNS)));
    },
    async pull(controller) {
      if (done) return;
      const local = (column: string) => sql<string | null>`to_char(${sql.ref(column)} at time zone ${tz}, 'YYYY-MM-DD')`;
      let q = db
        .selectFrom('requests as r')
        .select([
          'r.id',
          'r.reference',
          'r.type',
          'r.channel',
          'r.state',
          'r.outcome',
          'r.refusal_ground',
          local('r.created_at').as('filed_on'),
          local('r.received_at').as('received_on'),
          'r.due_date',
          'r.extension_months',
          local('r.extended_at').as('extended_on'),
          'r.paused_days',
          local('r.closed_at').as('closed_on'),
        ])
        .where('r.id', '>', after)
        // Nothing happens to a request before it is filed or after it closes.
        .where('r.created_at', '<', endInstant)
        .where((eb) => eb.or([eb('r.closed_at', 'is', null), eb('r.closed_at', '>=', fromInstant)]))
        .where(
          sql<boolean>`exists (select 1 from report_tuples(r.state, r.outcome, r.refusal_ground, r.created_at, r.received_at, r.closed_at, r.extended_at, r.due_date, ${tz}) t
                               where t.day between ${from}::date and ${to}::date)`,
        )
        .orderBy('r.id')
        .limit(PAGE);
      if (query.type) q = q.where('r.type', '=', query.type as never);
      if (query.channel) q = q.where('r.channel', '=', query.channel as never);
      if (query.assignee === 'unassigned') q = q.where('r.assigned_to', 'is', null);
      else if (query.assignee) q = q.where('r.assigned_to', '=', query.assignee);
      try {
        const rows = await q.execute();
        let text = '';
        for (const row of rows) {
          const answered = row.state === 'completed' || row.state === 'denied';
          const days = answered && row.received_on && row.closed_on ? daysFrom(row.received_on, row.closed_on) : null;
          const allowed = answered && row.received_on && row.due_date ? daysFrom(row.received_on, row.due_date) : null;
          text += csvLine([
            row.reference,
            row.type,
            row.channel,
            row.state,
            row.outcome,
            row.refusal_ground,
            row.filed_on,
            row.received_on,
            row.due_date,
            row.extension_months,
            row.extended_on,
            row.paused_days,
            row.closed_on,
            answered && row.closed_on && row.due_date ? row.closed_on <= row.due_date : null,
            days,
            days !== null && allowed ? Math.ceil((100 * days) / allowed) : null,
          ]);
        }
        if (text) controller.enqueue(encoder.encode(text));
        if (rows.length < PAGE) {
          done = true;
          controller.close();
        } else {
          after = String(rows.at(-1)!.id);
        }
      } catch (error) {
        controller.error(error);
      }
    },
  });
}

function daysFrom(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function round(n: number | null): number | null {
  return n === null ? null : Math.round(n * 100) / 100;
}

