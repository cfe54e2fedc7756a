/**
 * The 90-day bars and uptime figures, computed from a component's recorded status changes.
 * Pure: the changes, the start date, the time zone and `now` come in.
 *
 * - A day is a calendar day in PORTAL_TIMEZONE, so it lasts 23 or 25 hours on DST days.
 * - Before the component's start date there is no data (not counted, shown as "no data").
 * - After the start date and before the first recorded change, the component was operational.
 * - Uptime (Statuspage's rule): a major outage counts fully as down, a partial outage 30 %;
 *   degraded performance counts as up; maintenance and "no data" time are left out of the total.
 * - A day shows its worst status (rules.ts SEVERITY).
 */
import type { ComponentStatus } from '../../../db/schema';
import { addDays, startOfDayIn } from '~/utils/calendar';
import { worstStatus } from '~/models/status/rules';

export type StatusChange = { status: ComponentStatus; at: Date };

export type DayBar = {
  date: string;
  /** The worst status of the day, or `no_data` for a day wholly before the start date or in the future. */
  worst: ComponentStatus;
  /** Before the start date: nothing was measured. */
  beforeStart: boolean;
  /** Uptime in percent, or null when nothing was counted that day. */
  uptime: number | null;
  /** Seconds spent in each status that day (within the start date and `now`). */
  seconds: Partial<Record<ComponentStatus, number>>;
};

export const PARTIAL_OUTAGE_WEIGHT = 0.3;

/** Uptime in percent from seconds per status, or null when no time counts. */
export function uptimePercent(seconds: Partial<Record<ComponentStatus, number>>): number | null {
  const counted = (seconds.operational ?? 0) + (seconds.degraded_performance ?? 0) + (seconds.partial_outage ?? 0) + (seconds.major_outage ?? 0);
  if (counted <= 0) return null;
  const down = (seconds.major_outage ?? 0) + PARTIAL_OUTAGE_WEIGHT * (seconds.partial_outage ?? 0);
  return ((counted - down) / counted) * 100;
}

/**
 * Seconds per status in [from, to): `changes` sorted by time; the status before the first change
 * is `initial`.
 */
export function secondsByStatus(changes: StatusChange[], initial: ComponentStatus, from: Date, to: Date): Partial<Record<ComponentStatus, number>> {
  const out: Partial<Record<ComponentStatus, number>> = {};
  if (to <= from) return out;
  let status = initial;
  let cursor = from.getTime();
  const end = to.getTime();
  for (const change of changes) {
    const at = change.at.getTime();
    if (at <= cursor) {
      status = change.status;
      continue;
    }
    if (at >= end) break;
    out[status] = (out[status] ?? 0) + (at - cursor) / 1000;
    cursor = at;
    status = change.status;
  }
  out[status] = (out[status] ?? 0) + (end - cursor) / 1000;
  return out;
}

/**
 * One bar per local day for `days` days ending today (oldest first), and the uptime over them.
 * `changes` may start before the window: the last one before it sets the opening status.
 */
export function dailyBars(input: {
  changes: StatusChange[];
  startDate: string;
  timeZone: string;
  today: string;
  now: Date;
  days?: number;
}): { bars: DayBar[]; uptime: number | null } {
  const days = input.days ?? 90;
  const changes = [...input.changes].sort((a, b) => a.at.getTime() - b.at.getTime());
  const startInstant = startOfDayIn(input.startDate, input.timeZone);
  const bars: DayBar[] = [];
  const total: Partial<Record<ComponentStatus, number>> = {};
  for (let i = days - 1; i >= 0; i--) {
    const date = addDays(input.today, -i);
    const dayStart = startOfDayIn(date, input.timeZone);
    const dayEnd = startOfDayIn(addDays(date, 1), input.timeZone);
    const from = new Date(Math.max(dayStart.getTime(), startInstant.getTime()));
    const to = new Date(Math.min(dayEnd.getTime(), input.now.getTime()));
    if (date < input.startDate || to <= from) {
      bars.push({ date, worst: 'no_data', beforeStart: date < input.startDate, uptime: null, seconds: {} });
      continue;
    }
    const seconds = secondsByStatus(changes, 'operational', from, to);
    for (const [status, s] of Object.entries(seconds) as [ComponentStatus, number][]) total[status] = (total[status] ?? 0) + s;
    const present = (Object.entries(seconds) as [ComponentStatus, number][]).filter(([, s]) => s > 0).map(([status]) => status);
    bars.push({ date, worst: worstStatus(present), beforeStart: false, uptime: uptimePercent(seconds), seconds });
  }
  return { bars, uptime: uptimePercent(total) };
}

/** Uptime shown to people: two decimals, never rounded up to 100 % while there was any downtime. */
export function displayUptime(value: number | null): string | null {
  if (value === null) return null;
  const floored = Math.floor(value * 100) / 100;
  return floored.toFixed(2);
}
