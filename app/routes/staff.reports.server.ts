import { json, type LoaderFunctionArgs } from '@remix-run/node';
import { backlogChart, deadlineChart, onTimeChart, volumeChart } from '~/models/reports/charts.server';
import { periodChoices } from '~/models/reports/period';
import { buildReport, listAssignees, parseReportQuery, reportSearch } from '~/models/reports/report.server';
import { backlogSummary, deadlineSummary, onTimeSummary, volumeSummary } from '~/models/reports/summaries';
import { requireStaff } from '~/utils/auth.server';
import { todayIn } from '~/utils/calendar';

const FIELDS = ['period', 'from', 'to', 'type', 'channel', 'assignee'] as const;

/**
 * The loader of /staff/reports and its printable page: guard, read the query, build the
 * report (audited as a view or a print), draw the charts. A query that names no period,
 * type, channel or assignee answers 400 with the form as it was sent.
 */
export async function loadReportPage({ request, context }: LoaderFunctionArgs, auditAction: 'report.view' | 'report.printed') {
  const staff = await requireStaff(request, context);
  const params = new URL(request.url).searchParams;
  const today = todayIn(context.config.timeZone);
  const values = Object.fromEntries(FIELDS.map((k) => [k, (params.get(k) ?? '').slice(0, 40)])) as Record<(typeof FIELDS)[number], string>;
  const page = { values, choices: periodChoices(today), assignees: await listAssignees(context.db), timeZone: context.config.timeZone };
  const parsed = parseReportQuery(params, today);
  if (!parsed.ok) return json({ ...page, error: parsed.error, report: null, charts: null, summaries: null, search: '' }, { status: 400 });
  const report = await buildReport(context.db, { id: staff.id, ip: context.clientIp }, parsed.query, {
    timeZone: context.config.timeZone,
    auditAction,
  });
  const summaries = {
    volume: volumeSummary(report),
    deadline: deadlineSummary(report),
    onTime: onTimeSummary(report),
    backlog: backlogSummary(report),
  };
  const charts = {
    volume: volumeChart(report.weeklyVolume, summaries.volume),
    deadline: deadlineChart(report.deadlineHistogram, summaries.deadline),
    onTime: onTimeChart(report.onTimeByMonth, summaries.onTime),
    backlog: backlogChart(report.backlog, summaries.backlog),
  };
  return json({ ...page, values: { ...values, period: parsed.query.period.key }, error: null, report, charts, summaries, search: reportSearch(parsed.query) });
}
