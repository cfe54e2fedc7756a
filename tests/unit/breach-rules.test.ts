import { describe, expect, it } from 'vitest';
import { breachSchema } from '../../app/models/breaches/forms.server';
import {
  art33Gaps,
  breachDeadline,
  clockErrors,
  formatInstant,
  isLate,
  nextPhases,
  notificationState,
  parseLocalDateTime,
  parseSubjectLines,
  reminderSchedule,
  timeLeft,
  toLocalInput,
} from '../../app/models/breaches/rules';

const H = 3_600_000;
const at = (iso: string) => new Date(iso);

describe('the 72-hour clock', () => {
  it('runs 72 hours from awareness, exactly, whatever the weekday', () => {
    // Friday 17:00 UTC: the deadline is Monday 17:00, not shifted past the weekend.
    expect(breachDeadline(at('2026-03-06T17:00:00Z')).toISOString()).toBe('2026-03-09T17:00:00.000Z');
    // Saturday aware: Tuesday, to the minute.
    expect(breachDeadline(at('2026-03-07T09:41:00Z')).toISOString()).toBe('2026-03-10T09:41:00.000Z');
  });

  it('is 72 elapsed hours across a daylight-saving change: the wall clock moves by the hour', () => {
    // Aware Saturday 24 October 2026, 10:00 BST (UTC+1); clocks go back on Sunday 25 October.
    const aware = at('2026-10-24T09:00:00Z');
    const deadline = breachDeadline(aware);
    expect(deadline.getTime() - aware.getTime()).toBe(72 * H);
    expect(formatInstant(aware, 'Europe/London')).toBe('Saturday 24 October 2026, 10:00 British Summer Time (Europe/London)');
    expect(formatInstant(deadline, 'Europe/London')).toBe('Tuesday 27 October 2026, 09:00 Greenwich Mean Time (Europe/London)');
    // And forward in spring, in Berlin: 10:00 CET Friday 27 March -> 11:00 CEST Monday 30 March.
    const spring = breachDeadline(at('2026-03-27T09:00:00Z'));
    expect(formatInstant(spring, 'Europe/Berlin')).toMatch(/^Monday 30 March 2026, 11:00 .+ \(Europe\/Berlin\)$/);
  });

  it('reminds 48, 24 and 6 hours before; a breach recorded late gets only the most urgent passed reminder, at once', () => {
    const aware = at('2026-03-02T08:00:00Z');
    const deadline = breachDeadline(aware);
    expect(reminderSchedule(deadline, aware)).toEqual([
      { hoursBefore: 48, runAt: at('2026-03-03T08:00:00Z') },
      { hoursBefore: 24, runAt: at('2026-03-04T08:00:00Z') },
      { hoursBefore: 6, runAt: at('2026-03-05T02:00:00Z') },
    ]);
    const recordedLate = at('2026-03-04T10:00:00Z'); // 50 hours after awareness: 48 and 24 have passed
    expect(reminderSchedule(deadline, recordedLate)).toEqual([
      { hoursBefore: 24, runAt: recordedLate },
      { hoursBefore: 6, runAt: at('2026-03-05T02:00:00Z') },
    ]);
    expect(reminderSchedule(deadline, at('2026-03-05T09:00:00Z'))).toEqual([]);
  });

  it('calls a filing late by any amount after the deadline', () => {
    const deadline = at('2026-03-05T08:00:00Z');
    expect(isLate(at('2026-03-05T08:00:00Z'), deadline)).toBe(false);
    expect(isLate(at('2026-03-05T08:00:01Z'), deadline)).toBe(true);
  });

  it('says how long is left, or how overdue', () => {
    const deadline = at('2026-03-05T08:00:00Z');
    expect(timeLeft(deadline, at('2026-03-03T06:30:00Z'))).toBe('2 days 1 hour left');
    expect(timeLeft(deadline, at('2026-03-05T07:15:00Z'))).toBe('45 minutes left');
    expect(timeLeft(deadline, at('2026-03-05T11:00:00Z'))).toBe('overdue by 3 hours');
  });
});

describe('detection and awareness', () => {
  const now = at('2026-03-10T00:00:00Z');
  it('refuses awareness before detection', () => {
    expect(clockErrors({ detectedAt: at('2026-03-05T10:00:00Z'), awareAt: at('2026-03-05T09:59:00Z') }, now)).toHaveProperty('awareAt');
  });
  it('asks for a reason when awareness comes later, and none when it is the same moment', () => {
    const later = { detectedAt: at('2026-03-05T10:00:00Z'), awareAt: at('2026-03-06T10:00:00Z') };
    expect(clockErrors(later, now)).toHaveProperty('awarenessReason');
    expect(clockErrors({ ...later, awarenessReason: '   ' }, now)).toHaveProperty('awarenessReason');
    expect(clockErrors({ ...later, awarenessReason: 'Forensics confirmed the export held customer data.' }, now)).toEqual({});
    expect(clockErrors({ detectedAt: later.detectedAt, awareAt: later.detectedAt }, now)).toEqual({});
  });
  it('refuses times in the future', () => {
    expect(clockErrors({ detectedAt: at('2026-03-11T00:00:00Z'), awareAt: at('2026-03-11T00:00:00Z') }, now)).toHaveProperty('detectedAt');
  });
});

describe('wall-clock input in the portal time zone', () => {
  it('reads and writes datetime-local values in the zone', () => {
    const parsed = parseLocalDateTime('2026-07-01T14:30', 'Europe/London');
    expect(parsed).toEqual(at('2026-07-01T13:30:00Z'));
    expect(toLocalInput(at('2026-07-01T13:30:00Z'), 'Europe/London')).toBe('2026-07-01T14:30');
  });
  it('refuses a time skipped by the clocks going forward, and malformed values', () => {
    expect(parseLocalDateTime('2026-03-29T01:30', 'Europe/London')).toBe('nonexistent');
    expect(parseLocalDateTime('2026-02-30T10:00', 'Europe/London')).toBe('invalid');
    expect(parseLocalDateTime('yesterday', 'Europe/London')).toBe('invalid');
  });
  it('checks the form across fields with the same rules', () => {
    const schema = breachSchema({ timeZone: 'Europe/London', now: at('2026-03-10T00:00:00Z') });
    const result = schema.safeParse({
      title: 'Laptop stolen',
      detectedAt: '2026-03-05T10:00',
      awareAt: '2026-03-04T10:00',
      nature: 'A laptop was stolen.',
      dpoContact: 'DPO, dpo@example.org',
      role: 'controller',
      risk: 'risk',
    });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path[0]);
    expect(paths).toEqual(expect.arrayContaining(['awareAt', 'kind', 'riskReasoning']));
  });
});

describe('phases and content', () => {
  it('files the initial notification first, then follow-ups, then one final report', () => {
    expect(nextPhases([])).toEqual(['initial']);
    expect(nextPhases(['initial'])).toEqual(['follow_up', 'final']);
    expect(nextPhases(['initial', 'follow_up', 'follow_up'])).toEqual(['follow_up', 'final']);
    expect(nextPhases(['initial', 'final'])).toEqual([]);
  });

  it('lists the Art. 33(3) items still missing', () => {
    const gaps = art33Gaps({
      nature: 'x',
      subject_categories: 'customers',
      subjects_approx: null,
      record_categories: '',
      records_approx: 10,
      dpo_contact: 'dpo',
      consequences: '',
      measures: 'reset passwords',
    });
    expect(gaps).toEqual(['(a) approximate number of people', '(a) categories of records', '(c) likely consequences']);
  });

  it('treats an unassessed breach as reportable, and "not notified" as standing only on an unlikely risk', () => {
    const now = at('2026-03-06T00:00:00Z');
    const base = { role: 'controller' as const, aware_at: at('2026-03-02T08:00:00Z'), controller_notified_at: null };
    expect(notificationState({ ...base, risk: 'unassessed', not_notified_at: null }, undefined, now)).toEqual({
      kind: 'pending',
      deadline: at('2026-03-05T08:00:00Z'),
      overdue: true,
    });
    expect(notificationState({ ...base, risk: 'unlikely', not_notified_at: now }, undefined, now)).toEqual({ kind: 'not_notified' });
    expect(notificationState({ ...base, risk: 'high', not_notified_at: now }, undefined, now).kind).toBe('pending');
    expect(notificationState({ ...base, role: 'processor', risk: 'high', not_notified_at: null }, undefined, now).kind).toBe('controller_pending');
  });
});

describe('addresses typed for Art. 34', () => {
  it('reads one address a line with an optional language, and names the lines that are not addresses', () => {
    const { entries, invalid } = parseSubjectLines('anna@example.de, de\n\n  bob@example.org\ncarla@example.fr fr\nnot an address\nx@y\ndora@example.org;EN');
    expect(entries).toEqual([
      { email: 'anna@example.de', lang: 'de' },
      { email: 'bob@example.org' },
      { email: 'carla@example.fr', lang: 'fr' },
      { email: 'dora@example.org', lang: 'en' },
    ]);
    expect(invalid).toEqual([5, 6]);
  });

  it('refuses a line longer than any address before matching it', () => {
    expect(parseSubjectLines(`${'a'.repeat(300)}@${'b.'.repeat(10_000)}c`)).toEqual({ entries: [], invalid: [1] });
  });
});
