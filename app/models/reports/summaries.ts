import { parseDate } from '~/utils/calendar';
import { requestTypeLabel } from '~/models/requests/request-types';
import type { Report } from '~/models/reports/report.server';

/**
 * The sentence under each chart, saying in words what it shows (the chart's description for
 * a screen reader, and its summary for everyone), and the number formats of the staff pages.
 */

const count = new Intl.NumberFormat('en-GB');
const oneDecimal = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1 });

export function formatCount(n: number): string {
  return count.format(n);
}

/** "30", "30.8", or "–" when there is nothing to measure. */
export function formatDays(n: number | null): string {
  return n === null ? '–' : oneDecimal.format(n);
}

export function formatPercent(n: number | null): string {
  return n === null ? '–' : `${oneDecimal.format(n)}%`;
}

export function formatDayMonth(date: string): string {
  return parseDate(date).setLocale('en-GB').toFormat('d LLLL yyyy');
}

const typeName = (type: string) => requestTypeLabel(type).replace(/ \(Art\. \d+\)$/, '').toLowerCase();

export function volumeSummary(report: Report): string {
  const weeks = report.weeklyVolume;
  const total = weeks.reduce((s, w) => s + w.total, 0);
  if (total === 0) return `No requests were received in ${report.period.label}.`;
  const busiest = weeks.reduce((best, w) => (w.total > best.total ? w : best));
  const byType = Object.entries(
    weeks.reduce<Record<string, number>>((acc, w) => {
      for (const [type, n] of Object.entries(w.counts)) acc[type] = (acc[type] ?? 0) + n;
      return acc;
    }, {}),
  ).sort((a, b) => b[1] - a[1]);
  const [topType, topCount] = byType[0]!;
  return (
    `${formatCount(total)} requests were received in ${report.period.label}, over ${weeks.length} weeks. ` +
    `The busiest week began ${formatDayMonth(busiest.from)}, with ${formatCount(busiest.total)}. ` +
    `The most common type was ${typeName(topType)}: ${formatCount(topCount)} (${formatPercent((100 * topCount) / total)}).`
  );
}

export function deadlineSummary(report: Report): string {
  const t = report.totals;
  if (t.answered === 0) return `No requests were answered in ${report.period.label}.`;
  return (
    `${formatCount(t.onTime)} of ${formatCount(t.answered)} answers (${formatPercent(t.onTimePercent)}) came within the time allowed, ` +
    `${formatCount(t.late)} after it. The median answer used ${formatDays(t.deadlineShare.median)}% of the time allowed, ` +
    `and nine in ten used at most ${formatDays(t.deadlineShare.p90)}%.`
  );
}

export function onTimeSummary(report: Report): string {
  const months = report.onTimeByMonth.filter((m) => m.answered > 0);
  if (months.length === 0) return `No requests were answered in ${report.period.label}.`;
  const worst = months.reduce((a, m) => (m.onTimePercent! < a.onTimePercent! ? m : a));
  const best = months.reduce((a, m) => (m.onTimePercent! > a.onTimePercent! ? m : a));
  const month = (start: string) => parseDate(start).setLocale('en-GB').toFormat('LLLL yyyy');
  return (
    `Over the period, ${formatPercent(report.totals.onTimePercent)} of answers were on time. ` +
    `The best month was ${month(best.start)} (${formatPercent(best.onTimePercent)} of ${formatCount(best.answered)}), ` +
    `the worst ${month(worst.start)} (${formatPercent(worst.onTimePercent)} of ${formatCount(worst.answered)}).`
  );
}

export function backlogSummary(report: Report): string {
  const points = report.backlog;
  if (points.length === 0) return `${report.period.label} has not begun yet: there is no backlog to show.`;
  const first = points[0]!;
  const last = points.at(-1)!;
  const highest = points.reduce((a, p) => (p.open > a.open ? p : a));
  return (
    `${formatCount(first.open)} requests were open on ${formatDayMonth(first.end)} and ${formatCount(last.open)} on ${formatDayMonth(last.end)}. ` +
    `The most at the end of a week was ${formatCount(highest.open)}, on ${formatDayMonth(highest.end)}.`
  );
}
