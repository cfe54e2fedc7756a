import { DateTime } from 'luxon';
import { dateTimeFormat } from '~/utils/intl';

/**
 * The one calendar: local calendar dates (`YYYY-MM-DD`) in the organisation's time zone, and
 * the instants they begin at. Pure functions; the deadline rules (Art. 12(3)) and the
 * subprocessor notice periods both count on it. A month is counted on the calendar, not as
 * 30 x 24 hours, so a DST change cannot move a date.
 */

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A `YYYY-MM-DD` date as a UTC-midnight DateTime; RangeError when it is not a real date. */
export function parseDate(date: string): DateTime {
  const parsed = ISO_DATE.test(date) ? DateTime.fromISO(date, { zone: 'UTC' }) : DateTime.invalid('format');
  if (!parsed.isValid) throw new RangeError(`Not a calendar date: ${date}`);
  return parsed;
}

function format(date: DateTime): string {
  return date.toISODate()!;
}

/** The calendar date an instant falls on in `timeZone`. */
export function localDate(instant: Date, timeZone: string): string {
  const local = DateTime.fromJSDate(instant, { zone: timeZone });
  if (!local.isValid) throw new RangeError(`Invalid instant or time zone: ${timeZone}`);
  return format(local);
}

/**
 * The same day `months` later; when that day does not exist, the last day of that month
 * (31 January + 1 month = 28 or 29 February).
 */
export function addMonthsClamped(date: string, months: number): string {
  // Luxon clamps to the month's last day instead of overflowing into the next month.
  return format(parseDate(date).plus({ months }));
}

export function addDays(date: string, days: number): string {
  return format(parseDate(date).plus({ days }));
}

/** Whole calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round(parseDate(to).diff(parseDate(from), 'days').days);
}

const ISO_DATE_PARTS = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isIsoDate(value: string): boolean {
  const m = ISO_DATE_PARTS.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!));
  return d.toISOString().slice(0, 10) === value;
}

/** A real calendar date `YYYY-MM-DD` from 0001-01-01 to 9999-12-31 (years before 100 included, unlike isIsoDate). */
export function isCalendarDate(value: string): boolean {
  if (!ISO_DATE.test(value) || value < '0001-01-01') return false;
  return DateTime.fromISO(value, { zone: 'UTC' }).isValid;
}

/** The calendar date (YYYY-MM-DD) it is at `now` in `timeZone`. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  // Midnight falls on a minute boundary in every time zone, so the date is fixed within a minute.
  const ms = now.getTime();
  const cached = todayByZone.get(timeZone);
  if (cached && ms >= cached.from && ms < cached.from + 60_000) return cached.date;
  const date = dateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  todayByZone.set(timeZone, { from: ms - (((ms % 60_000) + 60_000) % 60_000), date });
  return date;
}
const todayByZone = new Map<string, { from: number; date: string }>();

function offsetMs(instant: number, timeZone: string): number {
  const parts = dateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - instant;
}

/** The instant a calendar date begins in `timeZone` (DST-aware). */
export function startOfDayIn(date: string, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d);
  let instant = wall - offsetMs(wall, timeZone);
  // The offset at the guess may differ from the offset at midnight itself across a DST switch.
  instant = wall - offsetMs(instant, timeZone);
  return new Date(instant);
}


/**
 * The instant the clock reads `hour`:00 on a calendar date in `timeZone`. On the night clocks go
 * forward an hour that does not exist moves to the next one that does (02:00 -> 03:00).
 */
export function hourOfDayIn(date: string, hour: number, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return DateTime.fromObject({ year: y, month: m, day: d, hour }, { zone: timeZone }).toJSDate();
}
