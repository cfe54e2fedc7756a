import { describe, expect, it } from 'vitest';
import { apiComponentStatus, dueMaintenanceStages, effectiveStatus, rollup, worstStatus } from '../../app/models/status/rules';
import { dailyBars, displayUptime, secondsByStatus, uptimePercent } from '../../app/models/status/uptime';

const at = (iso: string) => new Date(iso);

describe('rollup', () => {
  it('is "all systems operational" with every component operational and nothing open', () => {
    expect(rollup({ componentStatuses: ['operational', 'operational'], unresolvedImpacts: [], maintenanceInProgress: false })).toEqual({
      indicator: 'none',
      description: 'All Systems Operational',
      worst: 'operational',
    });
  });

  it('takes the worst component: major outage is critical, partial is major, degraded is minor', () => {
    expect(rollup({ componentStatuses: ['operational', 'major_outage', 'degraded_performance'], unresolvedImpacts: [], maintenanceInProgress: false }).indicator).toBe('critical');
    expect(rollup({ componentStatuses: ['partial_outage', 'degraded_performance'], unresolvedImpacts: [], maintenanceInProgress: false }).indicator).toBe('major');
    expect(rollup({ componentStatuses: ['degraded_performance'], unresolvedImpacts: [], maintenanceInProgress: false }).indicator).toBe('minor');
  });

  it('an open incident raises the banner to its impact even when components look fine', () => {
    expect(rollup({ componentStatuses: ['operational'], unresolvedImpacts: ['major'], maintenanceInProgress: false }).description).toBe('Partial System Outage');
    // The worse of the two wins.
    expect(rollup({ componentStatuses: ['major_outage'], unresolvedImpacts: ['minor'], maintenanceInProgress: false }).indicator).toBe('critical');
  });

  it('shows maintenance only when nothing is worse', () => {
    expect(rollup({ componentStatuses: ['under_maintenance', 'operational'], unresolvedImpacts: [], maintenanceInProgress: true }).indicator).toBe('maintenance');
    expect(rollup({ componentStatuses: ['under_maintenance', 'partial_outage'], unresolvedImpacts: [], maintenanceInProgress: true }).indicator).toBe('major');
  });

  it('a component with no data is never all-operational', () => {
    const r = rollup({ componentStatuses: ['operational', 'no_data'], unresolvedImpacts: [], maintenanceInProgress: false });
    expect(r.indicator).toBe('minor');
    expect(r.worst).toBe('no_data');
    expect(worstStatus(['no_data', 'under_maintenance', 'operational'])).toBe('no_data');
  });
});

describe('heartbeat', () => {
  const monitored = { status: 'operational' as const, heartbeatSeconds: 300, lastReportAt: at('2026-03-01T10:00:00Z'), createdAt: at('2026-02-01T00:00:00Z') };

  it('shows the stored status while reports arrive within the interval, then no data', () => {
    expect(effectiveStatus(monitored, at('2026-03-01T10:04:59Z'))).toBe('operational');
    expect(effectiveStatus(monitored, at('2026-03-01T10:05:00Z'))).toBe('no_data');
    expect(effectiveStatus({ ...monitored, status: 'major_outage' }, at('2026-03-01T11:00:00Z'))).toBe('no_data');
  });

  it('a component without a heartbeat never lapses; maintenance is not "no data"', () => {
    expect(effectiveStatus({ ...monitored, heartbeatSeconds: null }, at('2030-01-01T00:00:00Z'))).toBe('operational');
    expect(effectiveStatus({ ...monitored, status: 'under_maintenance' }, at('2030-01-01T00:00:00Z'))).toBe('under_maintenance');
  });

  it('counts from creation until the first report', () => {
    expect(effectiveStatus({ ...monitored, lastReportAt: null }, at('2026-02-01T00:05:00Z'))).toBe('no_data');
  });

  it('the API, whose enum has no "no data", reports a silent component as degraded, never operational', () => {
    expect(apiComponentStatus('no_data')).toBe('degraded_performance');
    expect(apiComponentStatus('major_outage')).toBe('major_outage');
  });
});

describe('maintenance clock', () => {
  const m = {
    status: 'scheduled',
    autoTransition: true,
    scheduledFor: at('2026-03-29T00:30:00Z'),
    scheduledUntil: at('2026-03-29T02:30:00Z'),
    remindMinutes: 60,
    reminded: false,
  };

  it('reminds once within the lead time, starts at the start, ends at the end', () => {
    expect(dueMaintenanceStages(m, at('2026-03-28T23:29:59Z'))).toEqual([]);
    expect(dueMaintenanceStages(m, at('2026-03-28T23:30:00Z'))).toEqual(['reminder']);
    expect(dueMaintenanceStages({ ...m, reminded: true }, at('2026-03-28T23:45:00Z'))).toEqual([]);
    expect(dueMaintenanceStages({ ...m, reminded: true }, at('2026-03-29T00:30:00Z'))).toEqual(['start']);
    expect(dueMaintenanceStages({ ...m, status: 'in_progress', reminded: true }, at('2026-03-29T02:29:59Z'))).toEqual([]);
    expect(dueMaintenanceStages({ ...m, status: 'in_progress', reminded: true }, at('2026-03-29T02:30:00Z'))).toEqual(['end']);
    expect(dueMaintenanceStages({ ...m, status: 'completed', reminded: true }, at('2026-03-30T00:00:00Z'))).toEqual([]);
  });

  it('a window that passed while nothing ran owes its start and its end, and no late reminder', () => {
    expect(dueMaintenanceStages(m, at('2026-03-29T05:00:00Z'))).toEqual(['start', 'end']);
  });

  it('without automatic transitions only the reminder is owed', () => {
    expect(dueMaintenanceStages({ ...m, autoTransition: false }, at('2026-03-29T05:00:00Z'))).toEqual([]);
    expect(dueMaintenanceStages({ ...m, autoTransition: false }, at('2026-03-29T00:00:00Z'))).toEqual(['reminder']);
  });
});

describe('uptime', () => {
  it('counts a major outage fully and a partial outage at 30 %; degraded counts as up', () => {
    expect(uptimePercent({ operational: 9000, major_outage: 1000 })).toBeCloseTo(90, 10);
    expect(uptimePercent({ operational: 9000, partial_outage: 1000 })).toBeCloseTo(97, 10);
    expect(uptimePercent({ degraded_performance: 100 })).toBe(100);
  });

  it('leaves maintenance and no-data time out of the total', () => {
    expect(uptimePercent({ operational: 3600, major_outage: 3600, under_maintenance: 72_000 })).toBeCloseTo(50, 10);
    expect(uptimePercent({ no_data: 86_400 })).toBeNull();
  });

  it('splits a span at each change', () => {
    const changes = [
      { status: 'major_outage' as const, at: at('2026-01-01T10:00:00Z') },
      { status: 'operational' as const, at: at('2026-01-01T10:30:00Z') },
    ];
    expect(secondsByStatus(changes, 'operational', at('2026-01-01T00:00:00Z'), at('2026-01-02T00:00:00Z'))).toEqual({ operational: 84_600, major_outage: 1800 });
  });

  it('never shows 100.00 % while there was downtime', () => {
    expect(displayUptime(99.999)).toBe('99.99');
    expect(displayUptime(100)).toBe('100.00');
    expect(displayUptime(null)).toBeNull();
  });
});

describe('daily bars', () => {
  const tz = 'Europe/London';

  it('on the day clocks go forward (23 hours) an hour of major outage is 1/23 of the day', () => {
    // 2026-03-29: Europe/London springs forward at 01:00 UTC; the local day has 23 hours.
    const { bars } = dailyBars({
      changes: [
        { status: 'major_outage', at: at('2026-03-29T12:00:00Z') },
        { status: 'operational', at: at('2026-03-29T13:00:00Z') },
      ],
      startDate: '2026-01-01',
      timeZone: tz,
      today: '2026-03-30',
      now: at('2026-03-30T12:00:00Z'),
      days: 3,
    });
    const day = bars.find((b) => b.date === '2026-03-29')!;
    expect(day.worst).toBe('major_outage');
    expect(day.seconds.operational! + day.seconds.major_outage!).toBe(23 * 3600);
    expect(day.uptime).toBeCloseTo((22 / 23) * 100, 10);
  });

  it('on the day clocks go back (25 hours) the same hour is 1/25 of the day', () => {
    const { bars } = dailyBars({
      changes: [
        { status: 'major_outage', at: at('2026-10-25T12:00:00Z') },
        { status: 'operational', at: at('2026-10-25T13:00:00Z') },
      ],
      startDate: '2026-01-01',
      timeZone: tz,
      today: '2026-10-26',
      now: at('2026-10-26T12:00:00Z'),
      days: 2,
    });
    expect(bars[0]!.date).toBe('2026-10-25');
    expect(bars[0]!.seconds.operational! + bars[0]!.seconds.major_outage!).toBe(25 * 3600);
    expect(bars[0]!.uptime).toBeCloseTo((24 / 25) * 100, 10);
  });

  it('a change at local midnight belongs to the day it starts (BST midnight is 23:00 UTC)', () => {
    const { bars } = dailyBars({
      changes: [{ status: 'partial_outage', at: at('2026-06-09T23:00:00Z') }],
      startDate: '2026-01-01',
      timeZone: tz,
      today: '2026-06-10',
      now: at('2026-06-10T23:00:00Z'),
      days: 2,
    });
    expect(bars.map((b) => [b.date, b.worst])).toEqual([
      ['2026-06-09', 'operational'],
      ['2026-06-10', 'partial_outage'],
    ]);
  });

  it('shows no data before the start date and counts nothing there; today counts only up to now', () => {
    const { bars, uptime } = dailyBars({
      changes: [{ status: 'major_outage', at: at('2026-05-01T06:00:00Z') }],
      startDate: '2026-05-01',
      timeZone: tz,
      today: '2026-05-01',
      now: at('2026-05-01T11:00:00Z'),
      days: 3,
    });
    expect(bars.map((b) => [b.date, b.worst, b.beforeStart])).toEqual([
      ['2026-04-29', 'no_data', true],
      ['2026-04-30', 'no_data', true],
      ['2026-05-01', 'major_outage', false],
    ]);
    // Local midnight (23:00 UTC the day before) to 11:00 UTC: 12 hours, 5 of them down.
    expect(uptime).toBeCloseTo((7 / 12) * 100, 10);
  });

  it('a day of maintenance shows maintenance and does not lower the uptime', () => {
    const { bars, uptime } = dailyBars({
      changes: [
        { status: 'under_maintenance', at: at('2026-02-10T00:00:00Z') },
        { status: 'operational', at: at('2026-02-11T00:00:00Z') },
      ],
      startDate: '2026-01-01',
      timeZone: 'UTC',
      today: '2026-02-11',
      now: at('2026-02-12T00:00:00Z'),
      days: 2,
    });
    expect(bars.map((b) => b.worst)).toEqual(['under_maintenance', 'operational']);
    expect(bars[0]!.uptime).toBeNull();
    expect(uptime).toBe(100);
  });

  it('a lapsed heartbeat makes the day "no data" at worst when nothing else happened, never green', () => {
    const { bars } = dailyBars({
      changes: [{ status: 'no_data', at: at('2026-02-10T06:00:00Z') }],
      startDate: '2026-01-01',
      timeZone: 'UTC',
      today: '2026-02-10',
      now: at('2026-02-10T12:00:00Z'),
      days: 1,
    });
    expect(bars[0]!.worst).toBe('no_data');
    expect(bars[0]!.uptime).toBe(100);
  });
});
