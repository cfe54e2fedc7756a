import { addDays, addMonthsClamped, daysBetween, localDate, parseDate } from '~/utils/calendar';

/**
 * The statutory clock of Art. 12(3) GDPR, as pure functions of calendar dates.
 *
 * Every date here is a local calendar date (`YYYY-MM-DD`) in the organisation's time zone:
 * a month is counted on the calendar, not as 30 × 24 hours, so a DST change inside the month
 * cannot move the due date. A request's due date is a function of three stored facts —
 * when it was received, how many months of extension were granted, and how many calendar
 * days the clock stood paused — so it can always be recomputed and never drifts.
 */
/** Re-exported so the deadline rules read as one vocabulary; the arithmetic is in ~/utils/calendar. */
export { addDays, addMonthsClamped, daysBetween, localDate } from '~/utils/calendar';

export type DeadlineRules = {
  /** IANA time zone in which dates are counted (PORTAL_TIMEZONE). */
  timeZone: string;
  /** Public holidays as `YYYY-MM-DD` (PORTAL_HOLIDAYS). */
  holidays: readonly string[];
};

export type Clock = {
  receivedAt: Date;
  /** 0 (none), 1 or 2 further months. */
  extensionMonths?: number;
  /** Calendar days the clock stood paused, summed over every pause so far. */
  pausedDays?: number;
};

export const MAX_EXTENSION_MONTHS = 2;


export function isWorkingDay(date: string, holidays: readonly string[]): boolean {
  const weekday = parseDate(date).weekday; // 1 = Monday … 7 = Sunday
  return weekday <= 5 && !holidays.includes(date);
}

/** `date` itself when it is a working day, else the next one. */
export function nextWorkingDay(date: string, holidays: readonly string[]): string {
  let day = date;
  // A run of holidays longer than a year would be a configuration error, not a calendar.
  for (let i = 0; i < 366; i++) {
    if (isWorkingDay(day, holidays)) return day;
    day = addDays(day, 1);
  }
  throw new RangeError('No working day within a year; check PORTAL_HOLIDAYS');
}

/**
 * The due date: one month (plus any extension) from the local date of receipt, with the
 * month-end rule, pushed on by the days the clock was paused, then moved to the next working
 * day. The pause is added before the weekend rule so a pause never eats into a weekend shift.
 */
export function computeDueDate(clock: Clock, rules: DeadlineRules): string {
  const extension = clock.extensionMonths ?? 0;
  if (!Number.isInteger(extension) || extension < 0 || extension > MAX_EXTENSION_MONTHS) {
    throw new RangeError(`Extension must be 0 to ${MAX_EXTENSION_MONTHS} months`);
  }
  const paused = clock.pausedDays ?? 0;
  if (!Number.isInteger(paused) || paused < 0) throw new RangeError('Paused days must be a whole number ≥ 0');
  const received = localDate(clock.receivedAt, rules.timeZone);
  const nominal = addDays(addMonthsClamped(received, 1 + extension), paused);
  return nextWorkingDay(nominal, rules.holidays);
}

/**
 * Calendar days the clock stood still between pausing and resuming. Counted on local dates,
 * so pausing and resuming on the same day costs nothing and a pause over a DST change is
 * still whole days.
 */
export function pausedDaysBetween(pausedAt: Date, resumedAt: Date, timeZone: string): number {
  return Math.max(0, daysBetween(localDate(pausedAt, timeZone), localDate(resumedAt, timeZone)));
}

/** Days from `now` to the due date in local dates: 0 on the due date, negative once overdue. */
export function daysLeft(dueDate: string, now: Date, timeZone: string): number {
  return daysBetween(localDate(now, timeZone), dueDate);
}

export function isOverdue(dueDate: string, now: Date, timeZone: string): boolean {
  return daysLeft(dueDate, now, timeZone) < 0;
}

export class DeadlineError extends Error {
  override name = 'DeadlineError';
}

/**
 * Checks an extension request against Art. 12(3): one extension only, of one or two months,
 * with a reason, made before the deadline has passed. Returns the new due date.
 */
export function extendClock(
  clock: Clock & { dueDate: string },
  extension: { months: number; reason: string; now: Date },
  rules: DeadlineRules,
): string {
  if ((clock.extensionMonths ?? 0) > 0) throw new DeadlineError('The deadline has already been extended once');
  if (!Number.isInteger(extension.months) || extension.months < 1 || extension.months > MAX_EXTENSION_MONTHS) {
    throw new DeadlineError(`An extension is 1 or ${MAX_EXTENSION_MONTHS} months`);
  }
  if (extension.reason.trim().length === 0) throw new DeadlineError('An extension needs a reason');
  if (isOverdue(clock.dueDate, extension.now, rules.timeZone)) {
    throw new DeadlineError('The deadline has passed; it can no longer be extended');
  }
  return computeDueDate({ ...clock, extensionMonths: extension.months }, rules);
}

/** A date for people: "Tuesday 3 March 2026". */
export function formatDueDate(date: string): string {
  return parseDate(date).setLocale('en-GB').toFormat('cccc d LLLL yyyy');
}

/** How a closed request ended against its clock: the local day it closed, the days it took, the deadline it had. */
export type Closing = {
  /** Local date (PORTAL_TIMEZONE) the request closed. */
  closedOn: string;
  /** Calendar days from receipt to closing (pauses included); null when the request was never received. */
  daysTaken: number | null;
  /** Calendar days of those the clock stood paused. */
  pausedDays: number;
  /** The deadline it had when it closed (extension and every pause counted); null when never received. */
  dueDate: string | null;
  /**
   * Answered (completed or refused) on or before the deadline. Null when no answer was owed
   * or given: withdrawn by the subject, or never received (expired, closed unverified).
   */
  onTime: boolean | null;
  /** Days past the deadline when answered late; 0 otherwise. */
  daysLate: number;
};

/**
 * The verdict on a closed request, from the same stored facts its due date is computed from:
 * receipt, the extension and the paused days (final once closed: a refusal while paused adds
 * the running pause, see applyTransition). Recomputed rather than read from `due_date`, which a
 * refusal during a pause leaves without that last pause.
 */
export function closingOf(
  request: { receivedAt: Date | null; closedAt: Date; extensionMonths: number; pausedDays: number; answered: boolean },
  rules: DeadlineRules,
): Closing {
  const closedOn = localDate(request.closedAt, rules.timeZone);
  if (!request.receivedAt) return { closedOn, daysTaken: null, pausedDays: 0, dueDate: null, onTime: null, daysLate: 0 };
  const dueDate = computeDueDate(
    { receivedAt: request.receivedAt, extensionMonths: request.extensionMonths, pausedDays: request.pausedDays },
    rules,
  );
  const daysTaken = daysBetween(localDate(request.receivedAt, rules.timeZone), closedOn);
  const late = Math.max(0, daysBetween(dueDate, closedOn));
  return {
    closedOn,
    daysTaken,
    pausedDays: request.pausedDays,
    dueDate,
    onTime: request.answered ? late === 0 : null,
    daysLate: request.answered ? late : 0,
  };
}
