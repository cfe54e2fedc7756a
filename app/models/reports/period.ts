import { addDays, daysBetween, isIsoDate, parseDate } from '~/utils/calendar';

/**
 * The period a report covers: whole local calendar days in PORTAL_TIMEZONE, `from` and `to`
 * both included. A month, a quarter, a year, or custom dates. Pure functions.
 */
export type PeriodKind = 'month' | 'quarter' | 'year' | 'custom';
export type Period = { kind: PeriodKind; from: string; to: string; /** `2026`, `2026-Q2`, `2026-03` or `custom`. */ key: string };

/** A custom period longer than this is refused: the weekly chart would have hundreds of bars. */
export const MAX_PERIOD_DAYS = 3 * 366;

const YEAR = /^(\d{4})$/;
const QUARTER = /^(\d{4})-Q([1-4])$/;
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

export class PeriodError extends Error {
  override name = 'PeriodError';
}

function lastDayOfMonth(year: number, month: number): string {
  return parseDate(`${year}-${String(month).padStart(2, '0')}-01`).endOf('month').toISODate()!;
}

/**
 * The period named by `key` (`2026`, `2026-Q2`, `2026-03`) or, for `custom`, by two dates.
 * Throws PeriodError with a sentence for a person when it names none.
 */
export function parsePeriod(key: string, custom?: { from?: string; to?: string }): Period {
  let m: RegExpExecArray | null;
  if ((m = YEAR.exec(key))) return { kind: 'year', key, from: `${m[1]}-01-01`, to: `${m[1]}-12-31` };
  if ((m = QUARTER.exec(key))) {
    const year = Number(m[1]);
    const first = (Number(m[2]) - 1) * 3 + 1;
    return { kind: 'quarter', key, from: `${year}-${String(first).padStart(2, '0')}-01`, to: lastDayOfMonth(year, first + 2) };
  }
  if ((m = MONTH.exec(key))) return { kind: 'month', key, from: `${key}-01`, to: lastDayOfMonth(Number(m[1]), Number(m[2])) };
  if (key !== 'custom') throw new PeriodError('Choose a period: a month, a quarter, a year or custom dates');
  const from = custom?.from ?? '';
  const to = custom?.to ?? '';
  if (!isIsoDate(from) || !isIsoDate(to)) throw new PeriodError('For custom dates, give both the first and the last day (YYYY-MM-DD)');
  if (to < from) throw new PeriodError('The last day must not be before the first day');
  if (daysBetween(from, to) + 1 > MAX_PERIOD_DAYS) throw new PeriodError('A custom period can be at most three years long');
  if (from < '2000-01-01' || to > '2999-12-31') throw new PeriodError('Choose dates between the years 2000 and 2999');
  return { kind: 'custom', key, from, to };
}

/** The presets the period menu offers, newest first: this and the two previous years, 8 quarters, 13 months. */
export function periodChoices(today: string): { key: string; label: string; kind: PeriodKind }[] {
  const year = Number(today.slice(0, 4));
  const month = Number(today.slice(5, 7));
  const choices: { key: string; label: string; kind: PeriodKind }[] = [];
  for (let i = 0; i < 13; i++) {
    const d = parseDate(`${today.slice(0, 7)}-01`).minus({ months: i });
    choices.push({ key: d.toFormat('yyyy-MM'), label: d.setLocale('en-GB').toFormat('LLLL yyyy'), kind: 'month' });
  }
  let q = Math.floor((month - 1) / 3) + 1;
  let qy = year;
  for (let i = 0; i < 8; i++) {
    choices.push({ key: `${qy}-Q${q}`, label: `Q${q} ${qy}`, kind: 'quarter' });
    q -= 1;
    if (q === 0) {
      q = 4;
      qy -= 1;
    }
  }
  for (let y = year; y > year - 3; y--) choices.push({ key: String(y), label: String(y), kind: 'year' });
  return choices;
}

/** What a period reads as on a page: "2026", "Q2 2026", "March 2026", "3 March 2026 to 9 April 2026". */
export function periodLabel(period: Period): string {
  if (period.kind === 'year') return period.key;
  if (period.kind === 'quarter') return `Q${period.key.slice(6)} ${period.key.slice(0, 4)}`;
  const en = (d: string) => parseDate(d).setLocale('en-GB').toFormat('d LLLL yyyy');
  if (period.kind === 'month') return parseDate(period.from).setLocale('en-GB').toFormat('LLLL yyyy');
  return `${en(period.from)} to ${en(period.to)}`;
}

/** The Monday of the ISO week `date` falls in. */
export function weekStart(date: string): string {
  return addDays(date, 1 - parseDate(date).weekday);
}

export function monthStart(date: string): string {
  return `${date.slice(0, 7)}-01`;
}

export type Grain = 'week' | 'month';

function grainStart(date: string, grain: Grain) {
  return grain === 'week' ? weekStart(date) : monthStart(date);
}

function grainEnd(start: string, grain: Grain) {
  return grain === 'week' ? addDays(start, 6) : parseDate(start).endOf('month').toISODate()!;
}

/**
 * Splits `from`..`to` into the weeks or months wholly inside it (`whole`: first and last
 * period start, or null) and the days at either end outside those (`edges`), so a sum over the
 * range reads one row per week or month and one per day only at the edges.
 */
export function splitRange(from: string, to: string, grain: Grain): { whole: [string, string] | null; edges: [string, string][] } {
  let first = grainStart(from, grain);
  if (first < from) first = addDays(grainEnd(first, grain), 1);
  let last = grainStart(to, grain);
  if (grainEnd(last, grain) > to) last = grainStart(addDays(last, -1), grain);
  if (first > last || first > to) return { whole: null, edges: [[from, to]] };
  const edges: [string, string][] = [];
  if (from < first) edges.push([from, addDays(first, -1)]);
  const lastEnd = grainEnd(last, grain);
  if (lastEnd < to) edges.push([addDays(lastEnd, 1), to]);
  return { whole: [first, last], edges };
}

/** Every week (Monday) or month (first day) that `from`..`to` touches, in order. */
export function bucketsOf(from: string, to: string, grain: Grain): string[] {
  const out: string[] = [];
  for (let start = grainStart(from, grain); start <= to; start = addDays(grainEnd(start, grain), 1)) out.push(start);
  return out;
}

/** The part of a week or month that lies inside `from`..`to`. */
export function clipBucket(start: string, grain: Grain, from: string, to: string): { from: string; to: string } {
  const end = grainEnd(start, grain);
  return { from: start < from ? from : start, to: end > to ? to : end };
}
