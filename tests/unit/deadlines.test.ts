import { describe, expect, it } from 'vitest';
import {
  addMonthsClamped,
  closingOf,
  computeDueDate,
  DeadlineError,
  daysLeft,
  extendClock,
  formatDueDate,
  isOverdue,
  isWorkingDay,
  localDate,
  nextWorkingDay,
  pausedDaysBetween,
  type DeadlineRules,
} from '../../app/models/requests/deadlines';

const london: DeadlineRules = { timeZone: 'Europe/London', holidays: [] };
const due = (receivedAt: string, rules: DeadlineRules = london, extra: { extensionMonths?: number; pausedDays?: number } = {}) =>
  computeDueDate({ receivedAt: new Date(receivedAt), ...extra }, rules);

describe('one month from receipt, month-end rule', () => {
  it('31 January in a leap year is due 29 February', () => {
    expect(due('2024-01-31T10:00:00Z')).toBe('2024-02-29'); // Thursday
  });

  it('31 January in a non-leap year is due 28 February', () => {
    expect(due('2025-01-31T10:00:00Z')).toBe('2025-02-28'); // Friday
  });

  it('31 January 2026: 28 February is a Saturday, so Monday 2 March', () => {
    expect(due('2026-01-31T10:00:00Z')).toBe('2026-03-02');
  });

  it.each([
    ['2026-03-31T09:00:00Z', '2026-04-30'], // 31 -> 30-day month: last day (Thursday)
    ['2026-05-31T09:00:00Z', '2026-06-30'], // Tuesday
    ['2026-08-31T09:00:00Z', '2026-09-30'], // Wednesday
    ['2026-09-30T09:00:00Z', '2026-10-30'], // 30 -> 31-day month: same date (Friday)
    ['2026-06-02T09:00:00Z', '2026-07-02'], // ordinary day
    ['2026-12-15T09:00:00Z', '2027-01-15'], // across the year end (Friday)
  ])('received %s is due %s', (received, expected) => {
    expect(due(received)).toBe(expected);
  });

  it('30 April lands on Saturday 30 May, so Monday 1 June', () => {
    expect(due('2026-04-30T09:00:00Z')).toBe('2026-06-01');
  });

  it('addMonthsClamped never overflows into the following month', () => {
    expect(addMonthsClamped('2026-01-29', 1)).toBe('2026-02-28');
    expect(addMonthsClamped('2026-01-30', 1)).toBe('2026-02-28');
    expect(addMonthsClamped('2028-01-30', 1)).toBe('2028-02-29');
    expect(addMonthsClamped('2026-03-31', 1)).toBe('2026-04-30');
    expect(addMonthsClamped('2026-12-31', 2)).toBe('2027-02-28');
    expect(addMonthsClamped('2026-02-28', 1)).toBe('2026-03-28');
  });
});

describe('weekends and public holidays', () => {
  it('a due date on Saturday moves to Monday', () => {
    expect(due('2026-10-14T12:00:00Z')).toBe('2026-11-16'); // 14 November is a Saturday
  });

  it('a due date on Sunday moves to Monday', () => {
    expect(due('2026-10-15T12:00:00Z')).toBe('2026-11-16'); // 15 November is a Sunday
  });

  it('a configured holiday on the due date moves it to the next working day', () => {
    const easter: DeadlineRules = { timeZone: 'Europe/London', holidays: ['2026-04-03', '2026-04-06'] };
    expect(due('2026-03-03T12:00:00Z')).toBe('2026-04-03'); // Good Friday, not configured
    expect(due('2026-03-03T12:00:00Z', easter)).toBe('2026-04-07'); // Friday holiday, weekend, Monday holiday
  });

  it('holidays and a weekend in a row are all skipped', () => {
    const christmas: DeadlineRules = { timeZone: 'Europe/London', holidays: ['2026-12-25', '2026-12-28'] };
    expect(due('2026-11-25T12:00:00Z', christmas)).toBe('2026-12-29');
  });

  it('a holiday that is not on the due date changes nothing', () => {
    expect(due('2026-06-02T09:00:00Z', { timeZone: 'Europe/London', holidays: ['2026-07-01', '2026-07-03'] })).toBe(
      '2026-07-02',
    );
  });

  it('knows working days', () => {
    expect(isWorkingDay('2026-11-13', [])).toBe(true); // Friday
    expect(isWorkingDay('2026-11-14', [])).toBe(false);
    expect(isWorkingDay('2026-11-15', [])).toBe(false);
    expect(isWorkingDay('2026-11-16', ['2026-11-16'])).toBe(false);
    expect(nextWorkingDay('2026-11-13', [])).toBe('2026-11-13');
  });

  it('refuses a calendar with no working day in a year', () => {
    const everyDay = Array.from({ length: 400 }, (_, i) => new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10));
    expect(() => nextWorkingDay('2026-01-01', everyDay)).toThrow(RangeError);
  });
});

describe('time zones', () => {
  it('23:30 local time in New York is still that day there, though UTC has moved on', () => {
    const ny: DeadlineRules = { timeZone: 'America/New_York', holidays: [] };
    const receivedAt = '2026-06-02T23:30:00-04:00'; // 03:30 UTC on 3 June
    expect(localDate(new Date(receivedAt), 'America/New_York')).toBe('2026-06-02');
    expect(due(receivedAt, ny)).toBe('2026-07-02');
    expect(due(receivedAt, { timeZone: 'UTC', holidays: [] })).toBe('2026-07-03');
  });

  it('00:30 local time in Tokyo is the next day there, though UTC is still on the previous one', () => {
    const tokyo: DeadlineRules = { timeZone: 'Asia/Tokyo', holidays: [] };
    const receivedAt = '2026-06-01T00:30:00+09:00'; // 15:30 UTC on 31 May
    expect(due(receivedAt, tokyo)).toBe('2026-07-01');
    expect(due(receivedAt, { timeZone: 'UTC', holidays: [] })).toBe('2026-06-30');
  });

  it('23:30 in London during summer time is 22:30 UTC the same day', () => {
    expect(due('2026-10-20T22:30:00Z')).toBe('2026-11-20'); // BST ends on 25 October, inside the month
  });

  it('a DST change within the month does not move the due date (spring forward)', () => {
    // Received 23:30 GMT on the eve of the change to BST on 29 March.
    expect(due('2026-03-28T23:30:00Z')).toBe('2026-04-28');
    // 00:30 BST on 1 April is 23:30 UTC on 31 March: the local date counts.
    expect(due('2026-03-31T23:30:00Z')).toBe('2026-05-01');
  });

  it('a DST change within the month does not move the due date (fall back)', () => {
    const berlin: DeadlineRules = { timeZone: 'Europe/Berlin', holidays: [] };
    expect(due('2026-10-10T21:59:00Z', berlin)).toBe('2026-11-10'); // 23:59 CEST on 10 October
    expect(due('2026-10-10T22:00:00Z', berlin)).toBe('2026-11-11'); // 00:00 CEST on 11 October
  });
});

describe('pause and resume', () => {
  it('keeps the days left: a 10-day pause moves the due date by 10 days, then to a working day', () => {
    const receivedAt = '2026-03-02T10:00:00Z';
    expect(due(receivedAt)).toBe('2026-04-02');
    const paused = pausedDaysBetween(new Date('2026-03-10T15:00:00Z'), new Date('2026-03-20T09:00:00Z'), 'Europe/London');
    expect(paused).toBe(10);
    // 23 days were left on 10 March; 20 March + 23 days = Sunday 12 April -> Monday 13 April.
    expect(due(receivedAt, london, { pausedDays: paused })).toBe('2026-04-13');
  });

  it('pausing and resuming on the same local day costs nothing', () => {
    expect(pausedDaysBetween(new Date('2026-03-10T08:00:00Z'), new Date('2026-03-10T22:00:00Z'), 'Europe/London')).toBe(0);
  });

  it('counts local days, across a DST change and a UTC date line', () => {
    expect(pausedDaysBetween(new Date('2026-03-28T12:00:00Z'), new Date('2026-03-30T12:00:00Z'), 'Europe/London')).toBe(2);
    // 23:30 in New York on 1 June to 00:30 on 2 June is one local day, though UTC is the same day.
    expect(
      pausedDaysBetween(new Date('2026-06-02T03:30:00Z'), new Date('2026-06-02T04:30:00Z'), 'America/New_York'),
    ).toBe(1);
  });

  it('several pauses add up', () => {
    expect(due('2026-03-02T10:00:00Z', london, { pausedDays: 3 + 4 })).toBe('2026-04-09');
  });

  it('refuses a negative or fractional pause', () => {
    expect(() => due('2026-03-02T10:00:00Z', london, { pausedDays: -1 })).toThrow(RangeError);
    expect(() => due('2026-03-02T10:00:00Z', london, { pausedDays: 1.5 })).toThrow(RangeError);
  });
});

describe('extension', () => {
  const clock = { receivedAt: new Date('2026-01-31T10:00:00Z'), dueDate: '2026-03-02' };

  it('two further months count from receipt with the month-end rule', () => {
    expect(extendClock(clock, { months: 2, reason: 'Complex request', now: new Date('2026-02-10T10:00:00Z') }, london)).toBe(
      '2026-04-30',
    );
  });

  it('one further month', () => {
    expect(extendClock(clock, { months: 1, reason: 'Many requests', now: new Date('2026-02-10T10:00:00Z') }, london)).toBe(
      '2026-03-31',
    );
  });

  it('keeps the days paused', () => {
    const paused = { ...clock, pausedDays: 5 };
    expect(extendClock(paused, { months: 2, reason: 'Complex', now: new Date('2026-02-10T10:00:00Z') }, london)).toBe(
      '2026-05-05',
    );
  });

  it('is allowed on the due date itself, in local time', () => {
    // 23:30 UTC on 2 March is still 2 March in London.
    expect(extendClock(clock, { months: 1, reason: 'Complex', now: new Date('2026-03-02T23:30:00Z') }, london)).toBe(
      '2026-03-31',
    );
  });

  it('is refused once the deadline has passed', () => {
    expect(() => extendClock(clock, { months: 1, reason: 'Late', now: new Date('2026-03-03T00:00:00Z') }, london)).toThrow(
      DeadlineError,
    );
  });

  it('is refused a second time, beyond two months, below one, or without a reason', () => {
    const now = new Date('2026-02-10T10:00:00Z');
    expect(() => extendClock({ ...clock, extensionMonths: 1 }, { months: 1, reason: 'Again', now }, london)).toThrow(
      /already been extended/,
    );
    expect(() => extendClock(clock, { months: 3, reason: 'Too long', now }, london)).toThrow(DeadlineError);
    expect(() => extendClock(clock, { months: 0, reason: 'Nothing', now }, london)).toThrow(DeadlineError);
    expect(() => extendClock(clock, { months: 1.5, reason: 'Half', now }, london)).toThrow(DeadlineError);
    expect(() => extendClock(clock, { months: 1, reason: '   ', now }, london)).toThrow(/reason/);
  });

  it('computeDueDate refuses an extension outside 0 to 2 months', () => {
    expect(() => due('2026-01-31T10:00:00Z', london, { extensionMonths: 3 })).toThrow(RangeError);
    expect(() => due('2026-01-31T10:00:00Z', london, { extensionMonths: -1 })).toThrow(RangeError);
  });
});

describe('days left and overdue', () => {
  it('counts local days to the due date', () => {
    expect(daysLeft('2026-04-02', new Date('2026-03-31T12:00:00Z'), 'Europe/London')).toBe(2);
    expect(daysLeft('2026-04-02', new Date('2026-04-02T22:59:00Z'), 'Europe/London')).toBe(0);
    expect(isOverdue('2026-04-02', new Date('2026-04-02T22:59:00Z'), 'Europe/London')).toBe(false);
    // 23:00 UTC on 2 April is 00:00 BST on 3 April: overdue in London.
    expect(isOverdue('2026-04-02', new Date('2026-04-02T23:00:00Z'), 'Europe/London')).toBe(true);
  });

  it('formats a due date for people', () => {
    expect(formatDueDate('2026-03-02')).toBe('Monday 2 March 2026');
  });

  it('refuses malformed dates', () => {
    expect(() => addMonthsClamped('2026-02-30', 1)).toThrow(RangeError);
    expect(() => addMonthsClamped('2 March 2026', 1)).toThrow(RangeError);
  });
});

describe('a closed request against its deadline (closingOf)', () => {
  const received = new Date('2026-01-05T10:00:00Z'); // Monday; one month: Thursday 5 February
  const close = (closedAt: string, extra: { extensionMonths?: number; pausedDays?: number; answered?: boolean; receivedAt?: Date | null } = {}) =>
    closingOf(
      {
        receivedAt: extra.receivedAt === undefined ? received : extra.receivedAt,
        closedAt: new Date(closedAt),
        extensionMonths: extra.extensionMonths ?? 0,
        pausedDays: extra.pausedDays ?? 0,
        answered: extra.answered ?? true,
      },
      london,
    );

  it('answered on the due date is on time; the day after is late by one day', () => {
    expect(close('2026-02-05T22:00:00Z')).toEqual({ closedOn: '2026-02-05', daysTaken: 31, pausedDays: 0, dueDate: '2026-02-05', onTime: true, daysLate: 0 });
    expect(close('2026-02-06T09:00:00Z')).toMatchObject({ onTime: false, daysLate: 1, daysTaken: 32 });
  });

  it('counts the days paused: ten days waiting on the subject move the deadline to Monday 16 February', () => {
    expect(close('2026-02-16T12:00:00Z', { pausedDays: 10 })).toMatchObject({ dueDate: '2026-02-16', onTime: true, pausedDays: 10, daysTaken: 42 });
  });

  it('counts the extension: two more months make it Monday 6 April', () => {
    expect(close('2026-04-06T12:00:00Z', { extensionMonths: 2 })).toMatchObject({ dueDate: '2026-04-06', onTime: true });
    expect(close('2026-04-07T12:00:00Z', { extensionMonths: 2 })).toMatchObject({ onTime: false, daysLate: 1 });
  });

  it('gives no verdict on a withdrawal or on a request never received', () => {
    expect(close('2026-03-01T12:00:00Z', { answered: false })).toMatchObject({ onTime: null, daysLate: 0, daysTaken: 55 });
    expect(close('2026-01-09T12:00:00Z', { receivedAt: null })).toEqual({ closedOn: '2026-01-09', daysTaken: null, pausedDays: 0, dueDate: null, onTime: null, daysLate: 0 });
  });

  it('closes on the local date: 23:30 UTC in summer is the next day in London', () => {
    expect(close('2026-06-30T23:30:00Z', { answered: false }).closedOn).toBe('2026-07-01');
  });
});
