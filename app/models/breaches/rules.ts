import { DateTime } from 'luxon';
import type { BreachFilingPhase, BreachRisk, BreachRole } from '../../../db/schema';
import { dateTimeFormat } from '~/utils/intl';

/**
 * The breach register's rules as plain functions (no database, `now` passed in): the 72-hour
 * clock of Art. 33(1), its reminders, lateness, the order of filings (the words staff read are in ./labels.ts).
 *
 * The clock runs from awareness, not detection: a controller is "aware" once it has a
 * reasonable degree of certainty that a breach affected personal data (EDPB Guidelines 9/2022),
 * which may come after a first detection of something odd; that gap is recorded with its
 * reason. 72 hours are 72 hours of elapsed time: no weekend or holiday shift, and across a
 * daylight-saving change the wall-clock time of the deadline moves by the hour.
 */
export const NOTIFY_WITHIN_HOURS = 72;
/** Reminders before the deadline, in hours, most distant first. */
export const REMINDER_HOURS = [48, 24, 6] as const;
const HOUR_MS = 3_600_000;

export function breachDeadline(awareAt: Date): Date {
  return new Date(awareAt.getTime() + NOTIFY_WITHIN_HOURS * HOUR_MS);
}

/**
 * When each reminder is due. A reminder whose time has already passed when the breach is
 * recorded (a breach entered 60 hours after awareness) is not sent late, except the most
 * urgent one passed, which goes at once while the deadline is still ahead: whoever must act
 * hears of it now, once, instead of three times in a row.
 */
export function reminderSchedule(deadline: Date, now: Date): Array<{ hoursBefore: number; runAt: Date }> {
  if (deadline.getTime() <= now.getTime()) return [];
  const all = REMINDER_HOURS.map((hoursBefore) => ({ hoursBefore, runAt: new Date(deadline.getTime() - hoursBefore * HOUR_MS) }));
  const ahead = all.filter((r) => r.runAt.getTime() > now.getTime());
  const passed = all.filter((r) => r.runAt.getTime() <= now.getTime());
  const latestPassed = passed[passed.length - 1];
  return latestPassed ? [{ hoursBefore: latestPassed.hoursBefore, runAt: now }, ...ahead] : ahead;
}

/** Filed after the deadline (by any amount) is late, and Art. 33(1) asks for the reasons. */
export function isLate(filedAt: Date, deadline: Date): boolean {
  return filedAt.getTime() > deadline.getTime();
}

/** "2 days 5 hours left", "45 minutes left", "overdue by 3 hours". */
export function timeLeft(deadline: Date, now: Date): string {
  const ms = deadline.getTime() - now.getTime();
  const text = duration(Math.abs(ms));
  return ms >= 0 ? `${text} left` : `overdue by ${text}`;
}

/** A span of time in the two largest units that matter: "3 days 2 hours", "5 hours 10 minutes", "1 minute". */
export function duration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (days > 0) return hours > 0 ? `${unit(days, 'day')} ${unit(hours, 'hour')}` : unit(days, 'day');
  if (hours > 0) return mins > 0 ? `${unit(hours, 'hour')} ${unit(mins, 'minute')}` : unit(hours, 'hour');
  return unit(mins, 'minute');
}

export type ClockInput = { detectedAt: Date; awareAt: Date; awarenessReason?: string | null };

/** What is wrong with a breach's detection and awareness times, by form field. */
export function clockErrors(input: ClockInput, now: Date): Record<string, string> {
  const errors: Record<string, string> = {};
  const slack = 60_000;
  if (input.detectedAt.getTime() > now.getTime() + slack) errors.detectedAt = 'Detection cannot be in the future.';
  if (input.awareAt.getTime() > now.getTime() + slack) errors.awareAt = 'Awareness cannot be in the future.';
  if (input.awareAt.getTime() < input.detectedAt.getTime()) {
    errors.awareAt = 'Awareness cannot come before detection: you cannot be sure of a breach before anything was noticed.';
  } else if (input.awareAt.getTime() > input.detectedAt.getTime() && !input.awarenessReason?.trim()) {
    errors.awarenessReason =
      'Awareness is later than detection: say why (what had to be established before you were reasonably certain personal data was affected).';
  }
  return errors;
}

/** The phases a breach may be filed in next, given those already filed (in order). */
export function nextPhases(filed: readonly BreachFilingPhase[]): BreachFilingPhase[] {
  if (filed.includes('final')) return [];
  if (!filed.includes('initial')) return ['initial'];
  return ['follow_up', 'final'];
}

/** The Art. 33(3) items still missing from a record (information may follow in phases, Art. 33(4)). */
export function art33Gaps(b: {
  nature: string;
  subject_categories: string;
  subjects_approx: number | null;
  record_categories: string;
  records_approx: number | null;
  dpo_contact: string;
  consequences: string;
  measures: string;
}): string[] {
  const gaps: string[] = [];
  if (!b.subject_categories.trim()) gaps.push('(a) categories of people affected');
  if (b.subjects_approx === null) gaps.push('(a) approximate number of people');
  if (!b.record_categories.trim()) gaps.push('(a) categories of records');
  if (b.records_approx === null) gaps.push('(a) approximate number of records');
  if (!b.dpo_contact.trim()) gaps.push('(b) DPO or contact point');
  if (!b.consequences.trim()) gaps.push('(c) likely consequences');
  if (!b.measures.trim()) gaps.push('(d) measures taken or proposed');
  return gaps;
}

/**
 * Where a breach stands with the authority (or, for a processor, with the controller):
 * what the register and the staff home show. Unassessed counts as reportable: the clock runs
 * until the breach is filed, or assessed as unlikely to result in a risk and recorded as not
 * notified with the reason.
 */
export type NotificationState =
  | { kind: 'notified'; late: boolean; firstFiledAt: Date }
  | { kind: 'not_notified' }
  | { kind: 'pending'; deadline: Date; overdue: boolean }
  | { kind: 'controller_told'; at: Date }
  | { kind: 'controller_pending'; since: Date };

export function notificationState(
  b: { role: BreachRole; risk: BreachRisk; aware_at: Date; not_notified_at: Date | null; controller_notified_at: Date | null },
  initial: { filed_at: Date; late: boolean } | undefined,
  now: Date,
): NotificationState {
  if (b.role === 'processor') {
    return b.controller_notified_at ? { kind: 'controller_told', at: b.controller_notified_at } : { kind: 'controller_pending', since: b.aware_at };
  }
  if (initial) return { kind: 'notified', late: initial.late, firstFiledAt: initial.filed_at };
  // A decision not to notify rests on the risk being unlikely; re-assessed higher, the clock is back.
  if (b.not_notified_at && b.risk === 'unlikely') return { kind: 'not_notified' };
  const deadline = breachDeadline(b.aware_at);
  return { kind: 'pending', deadline, overdue: deadline.getTime() < now.getTime() };
}

const LOCAL_INPUT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

/**
 * A `datetime-local` value read as wall-clock time in `timeZone`. A time that does not exist
 * there (skipped when clocks go forward) is refused rather than silently moved; in the hour
 * that happens twice when clocks go back, the first (summer-time) occurrence is taken.
 */
export function parseLocalDateTime(value: string, timeZone: string): Date | 'invalid' | 'nonexistent' {
  const m = LOCAL_INPUT.exec(value.trim());
  if (!m) return 'invalid';
  const [year, month, day, hour, minute] = m.slice(1).map(Number) as [number, number, number, number, number];
  const local = DateTime.fromObject({ year, month, day, hour, minute }, { zone: timeZone });
  if (!local.isValid) return 'invalid';
  if (local.year !== year || local.month !== month || local.day !== day || local.hour !== hour || local.minute !== minute) {
    return 'nonexistent';
  }
  return local.toJSDate();
}

/** The value a `datetime-local` field shows for an instant, in `timeZone`. */
export function toLocalInput(instant: Date, timeZone: string): string {
  return DateTime.fromJSDate(instant, { zone: timeZone }).toFormat("yyyy-LL-dd'T'HH:mm");
}

/**
 * An instant for staff, in the portal's zone with the zone named both ways:
 * "Friday 3 July 2026, 14:00 British Summer Time (Europe/London)".
 */
export function formatInstant(instant: Date, timeZone: string): string {
  const parts = dateTimeFormat('en-GB', {
    timeZone,
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'long',
  }).formatToParts(instant);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('weekday')} ${get('day')} ${get('month')} ${get('year')}, ${get('hour')}:${get('minute')} ${get('timeZoneName')} (${timeZone})`;
}

export type SubjectLine = { email: string; lang?: 'en' | 'de' | 'fr' };

// Linear: dots separate the domain's labels, so no two quantifiers can claim the same characters.
const SUBJECT_LINE = /^([^\s,;<>@]+@[^\s,;<>@.]+(?:\.[^\s,;<>@.]+)+)(?:(?:\s*[,;]\s*|\s+)(en|de|fr))?$/i;

/**
 * Addresses typed one per line, each optionally followed by its language ("anna@example.org, de").
 * Blank lines are skipped; every line that is not an address is reported by number.
 */
export function parseSubjectLines(text: string): { entries: SubjectLine[]; invalid: number[] } {
  const entries: SubjectLine[] = [];
  const invalid: number[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const m = line.length > 320 ? null : SUBJECT_LINE.exec(line);
    if (!m) {
      invalid.push(i + 1);
      return;
    }
    const lang = m[2]?.toLowerCase() as SubjectLine['lang'];
    entries.push(lang ? { email: m[1]!, lang } : { email: m[1]! });
  });
  return { entries, invalid };
}
