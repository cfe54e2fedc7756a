import { addDays } from '~/utils/calendar';
import { NOT_RECORDED, REFUSAL_GROUNDS } from '~/models/requests/refusal-grounds';
import { REQUEST_TYPE_VALUES } from '~/models/requests/request-types';
import { bucketsOf, clipBucket, type Grain } from '~/models/reports/period';

/**
 * The report's figures, from counts the database summed (report_cells or, filtered by
 * assignee, the requests themselves): pure functions, so every number has a unit test and the
 * definitions are in one place (docs/decisions/035-report-cells.md).
 *
 * Each event counts in the period it happened in, on its local date: received (filed),
 * verified (the statutory clock started), extended, and the closing events (answered, refused,
 * withdrawn, expired unconfirmed). "Answered" is completed or refused: both are the answer
 * Art. 12(3) and 12(4) require within the deadline, so on time is judged over both.
 */

/** One summed count: events of `measure` with `value`, for one type (and week or month when asked). */
export type SumRow = { bucket: string | null; type: string; measure: string; value: number; n: number };

export const MEASURE = {
  received: 'received',
  verified: 'verified',
  extended: 'extended',
  expired: 'expired',
  withdrawn: 'withdrawn',
  completedOnTime: 'completed_on_time',
  completedLate: 'completed_late',
  refusedOnTime: 'refused_on_time',
  refusedLate: 'refused_late',
  objectionRejected: 'objection_rejected',
  days: 'days',
  pct: 'pct',
} as const;
export const REFUSED_FOR = 'refused_for:';

/** The measures that close a verified request: the backlog shrinks by these. */
export const CLOSING_MEASURES = [MEASURE.completedOnTime, MEASURE.completedLate, MEASURE.refusedOnTime, MEASURE.refusedLate, MEASURE.withdrawn];

/** The only measures report_cells keep by week (migration 0140): the weekly volume and the backlog. */
export const WEEKLY_MEASURES = [MEASURE.received, MEASURE.verified, ...CLOSING_MEASURES];

/** Every measure report_tuples yields. */
export const ALL_MEASURES = [
  ...Object.values(MEASURE),
  ...[...REFUSAL_GROUNDS, NOT_RECORDED].map((ground) => `${REFUSED_FOR}${ground}`),
];

export type Histogram = [value: number, n: number][];
export type Stats = { count: number; mean: number | null; median: number | null; p90: number | null };

/**
 * The p-th percentile of a histogram of whole numbers, interpolated between the two nearest
 * ranks (PostgreSQL's percentile_cont, a spreadsheet's PERCENTILE.INC): the median of 3, 4, 10,
 * 12 is 7. Null for an empty histogram.
 */
export function percentile(histogram: Histogram, p: number): number | null {
  const sorted = histogram.filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const count = sorted.reduce((sum, [, n]) => sum + n, 0);
  if (count === 0) return null;
  const rank = (count - 1) * p;
  const lo = Math.floor(rank);
  const valueAt = (r: number) => {
    let seen = 0;
    for (const [value, n] of sorted) {
      seen += n;
      if (r < seen) return value;
    }
    return sorted[sorted.length - 1]![0];
  };
  const low = valueAt(lo);
  return lo === rank ? low : low + (rank - lo) * (valueAt(lo + 1) - low);
}

export function statsOf(histogram: Histogram): Stats {
  const count = histogram.reduce((sum, [, n]) => sum + n, 0);
  if (count === 0) return { count, mean: null, median: null, p90: null };
  const total = histogram.reduce((sum, [value, n]) => sum + value * n, 0);
  return { count, mean: total / count, median: percentile(histogram, 0.5), p90: percentile(histogram, 0.9) };
}

/** A share as a percentage; null when there is nothing to share. */
export function percentOf(part: number, whole: number): number | null {
  return whole === 0 ? null : (100 * part) / whole;
}

function count(rows: readonly SumRow[], measure: string): number {
  return rows.reduce((sum, r) => (r.measure === measure ? sum + r.n : sum), 0);
}

function histogramOf(rows: readonly SumRow[], measure: string): Histogram {
  const byValue = new Map<number, number>();
  for (const r of rows) if (r.measure === measure) byValue.set(r.value, (byValue.get(r.value) ?? 0) + r.n);
  return [...byValue].sort((a, b) => a[0] - b[0]);
}

export type Totals = {
  received: number;
  verified: number;
  expired: number;
  withdrawn: number;
  extended: number;
  completed: number;
  completedOnTime: number;
  completedLate: number;
  refused: number;
  refusedOnTime: number;
  refusedLate: number;
  /** Completed or refused. */
  answered: number;
  onTime: number;
  late: number;
  onTimePercent: number | null;
  objectionsRejected: number;
  /** Refusals per ground (REFUSAL_GROUNDS, then `not_recorded`), every ground present. */
  refusedByGround: Record<string, number>;
  /** Local calendar days from receipt to the answer. */
  daysToClose: Stats;
  /** Percent of the time allowed (to the due date, with pauses and extension) that was used; 100 or less is on time. */
  deadlineShare: Stats;
};

export function totalsOf(rows: readonly SumRow[]): Totals {
  const completedOnTime = count(rows, MEASURE.completedOnTime);
  const completedLate = count(rows, MEASURE.completedLate);
  const refusedOnTime = count(rows, MEASURE.refusedOnTime);
  const refusedLate = count(rows, MEASURE.refusedLate);
  const answered = completedOnTime + completedLate + refusedOnTime + refusedLate;
  const onTime = completedOnTime + refusedOnTime;
  const refusedByGround: Record<string, number> = {};
  for (const ground of [...REFUSAL_GROUNDS, NOT_RECORDED]) refusedByGround[ground] = count(rows, `${REFUSED_FOR}${ground}`);
  return {
    received: count(rows, MEASURE.received),
    verified: count(rows, MEASURE.verified),
    expired: count(rows, MEASURE.expired),
    withdrawn: count(rows, MEASURE.withdrawn),
    extended: count(rows, MEASURE.extended),
    completed: completedOnTime + completedLate,
    completedOnTime,
    completedLate,
    refused: refusedOnTime + refusedLate,
    refusedOnTime,
    refusedLate,
    answered,
    onTime,
    late: answered - onTime,
    onTimePercent: percentOf(onTime, answered),
    objectionsRejected: count(rows, MEASURE.objectionRejected),
    refusedByGround,
    daysToClose: statsOf(histogramOf(rows, MEASURE.days)),
    deadlineShare: statsOf(histogramOf(rows, MEASURE.pct)),
  };
}

/**
 * The California CCPA regulations' yearly disclosure (§7102(a)) for one right: requests
 * received, complied with in whole or in part, denied, and the median and mean days to
 * respond. An objection rejected on compelling legitimate grounds was answered but not complied
 * with, so it counts as denied; days to respond are local calendar days from receipt to answer.
 */
export type DisclosureRow = { received: number; compliedWith: number; denied: number; medianDays: number | null; meanDays: number | null };

export function disclosureOf(rows: readonly SumRow[]): DisclosureRow {
  const t = totalsOf(rows);
  return {
    received: t.received,
    compliedWith: t.completed - t.objectionsRejected,
    denied: t.refused + t.objectionsRejected,
    medianDays: t.daysToClose.median,
    meanDays: t.daysToClose.mean,
  };
}

export function byType(rows: readonly SumRow[]): Record<string, SumRow[]> {
  const out: Record<string, SumRow[]> = Object.fromEntries(REQUEST_TYPE_VALUES.map((t) => [t, []]));
  for (const r of rows) (out[r.type] ??= []).push(r);
  return out;
}

/** Requests received per week (or month), split by type, for every bucket the period touches. */
export function volumeSeries(rows: readonly SumRow[], period: { from: string; to: string }, grain: Grain) {
  return bucketsOf(period.from, period.to, grain).map((start) => {
    const counts = Object.fromEntries(REQUEST_TYPE_VALUES.map((t) => [t, 0])) as Record<string, number>;
    for (const r of rows) if (r.bucket === start && r.measure === MEASURE.received) counts[r.type] = (counts[r.type] ?? 0) + r.n;
    return { start, ...clipBucket(start, grain, period.from, period.to), counts, total: Object.values(counts).reduce((a, b) => a + b, 0) };
  });
}

/** Answered requests per month and the share of them answered on time. */
export function onTimeSeries(rows: readonly SumRow[], period: { from: string; to: string }) {
  return bucketsOf(period.from, period.to, 'month').map((start) => {
    const inMonth = rows.filter((r) => r.bucket === start);
    const t = totalsOf(inMonth);
    return { start, ...clipBucket(start, 'month', period.from, period.to), answered: t.answered, onTime: t.onTime, onTimePercent: t.onTimePercent };
  });
}

/** Verified minus closed: how much the backlog grew by these rows. */
export function backlogChange(rows: readonly SumRow[]): number {
  let change = 0;
  for (const r of rows) {
    if (r.measure === MEASURE.verified) change += r.n;
    else if ((CLOSING_MEASURES as readonly string[]).includes(r.measure)) change -= r.n;
  }
  return change;
}

/**
 * Verified requests still open at the end of each week of the period (the last point: the
 * period's last day, or today), counted back from the number open now: open at the end of a
 * day = open now − (verified − closed) after that day. `weekRows` are weekly sums from the
 * period's start to `last`; `changeAfterLast` is verified − closed from the day after `last`
 * to today.
 */
export function backlogSeries(
  weekRows: readonly SumRow[],
  changeAfterLast: number,
  openNow: number,
  period: { from: string; last: string },
): { end: string; open: number }[] {
  if (period.last < period.from) return [];
  const weeks = bucketsOf(period.from, period.last, 'week');
  const points: { end: string; open: number }[] = [];
  let open = openNow - changeAfterLast;
  for (const start of [...weeks].reverse()) {
    const end = addDays(start, 6);
    points.push({ end: end > period.last ? period.last : end, open });
    open -= backlogChange(weekRows.filter((r) => r.bucket === start));
  }
  return points.reverse();
}

/** The deadline-share histogram's bins: tenths of the time allowed, up to twice it, then beyond. */
export const DEADLINE_BINS: { from: number; to: number | null; label: string; onTime: boolean }[] = [
  ...Array.from({ length: 20 }, (_, i) => ({
    from: i === 0 ? 0 : i * 10 + 1,
    to: (i + 1) * 10,
    label: `${i === 0 ? 0 : i * 10 + 1}–${(i + 1) * 10}%`,
    onTime: i < 10,
  })),
  { from: 201, to: null, label: 'over 200%', onTime: false },
];

export function deadlineHistogram(rows: readonly SumRow[]) {
  const histogram = histogramOf(rows, MEASURE.pct);
  return DEADLINE_BINS.map((bin) => ({
    ...bin,
    n: histogram.reduce((sum, [value, n]) => (value >= bin.from && (bin.to === null || value <= bin.to) ? sum + n : sum), 0),
  }));
}
