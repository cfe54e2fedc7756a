import { describe, expect, it } from 'vitest';
import { formatStaffTime } from '../../app/utils/dates';

describe('formatStaffTime', () => {
  it('shows a moment in the portal’s time zone, naming the zone', () => {
    expect(formatStaffTime(new Date('2026-07-01T12:05:00Z'), 'Europe/Berlin')).toBe('1 Jul 2026, 14:05 CEST');
    expect(formatStaffTime(new Date('2026-12-10T23:30:00Z'), 'Europe/London')).toBe('10 Dec 2026, 23:30 GMT');
  });
});
