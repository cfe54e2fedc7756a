import { describe, expect, it } from 'vitest';
import {
  addDays,
  earliestEffectiveDate,
  effectiveDateError,
  isIsoDate,
  isOpenForObjection,
  lastChangeDate,
  pastChanges,
  plannedChanges,
  registryAsOf,
  slugify,
  startOfDayIn,
  todayIn,
  type RegistryChange,
} from '../../app/models/subprocessors/rules';
import { ifNoneMatchMatches, isNotModified, registryEtag, registryLastModified } from '../../app/utils/http-cache.server';
import type { SubprocessorDetails } from '../../db/schema';

const details = (name: string, extra: Partial<SubprocessorDetails> = {}): SubprocessorDetails => ({
  name,
  legalEntity: `${name} Ltd`,
  purpose: 'Hosting',
  dataCategories: ['Email addresses'],
  locations: ['DE'],
  transferMechanism: 'eea-only',
  website: 'https://example.com/',
  ...extra,
});

let nextId = 1;
function change(subprocessorId: string, kind: RegistryChange['kind'], effectiveOn: string, d?: SubprocessorDetails): RegistryChange {
  return {
    id: String(nextId++),
    subprocessorId,
    slug: `sp-${subprocessorId}`,
    kind,
    effectiveOn,
    details: kind === 'removed' ? null : (d ?? details(`Name ${subprocessorId}`)),
    summary: '',
    announcedAt: new Date('2024-01-01T00:00:00Z'),
  };
}

describe('registryAsOf', () => {
  const changes = [
    change('1', 'added', '2024-01-10', details('Alpha')),
    change('2', 'added', '2024-02-01', details('Beta')),
    change('1', 'updated', '2024-03-01', details('Alpha', { locations: ['US'] })),
    change('2', 'removed', '2024-04-01'),
    change('3', 'added', '2024-05-01', details('Gamma')),
    change('2', 'added', '2024-06-01', details('Beta')),
  ];

  it('is empty before the first change', () => {
    expect(registryAsOf(changes, '2024-01-09')).toEqual([]);
  });
  it('includes a change on its effective date', () => {
    expect(registryAsOf(changes, '2024-01-10').map((e) => e.name)).toEqual(['Alpha']);
  });
  it('shows details as they stood on the date', () => {
    expect(registryAsOf(changes, '2024-02-29').find((e) => e.name === 'Alpha')!.locations).toEqual(['DE']);
    expect(registryAsOf(changes, '2024-03-01').find((e) => e.name === 'Alpha')!.locations).toEqual(['US']);
  });
  it('keeps `since` at the original addition across updates', () => {
    expect(registryAsOf(changes, '2024-03-15').find((e) => e.name === 'Alpha')!.since).toBe('2024-01-10');
  });
  it('drops a removed subprocessor, and keeps `since` at its first use when it returns', () => {
    expect(registryAsOf(changes, '2024-04-01').map((e) => e.name)).toEqual(['Alpha']);
    expect(registryAsOf(changes, '2024-06-01').find((e) => e.name === 'Beta')!.since).toBe('2024-02-01');
  });
  it('sorts by name and does not depend on input order', () => {
    const shuffled = [...changes].reverse();
    expect(registryAsOf(shuffled, '2024-12-31').map((e) => e.name)).toEqual(['Alpha', 'Beta', 'Gamma']);
  });
  it('applies two changes on the same day in the order they were made', () => {
    const sameDay = [change('9', 'added', '2024-01-01'), change('9', 'removed', '2024-01-01')];
    expect(registryAsOf(sameDay, '2024-01-01')).toEqual([]);
  });
});

describe('planned and past changes', () => {
  const changes = [
    change('1', 'added', '2024-01-10'),
    change('2', 'added', '2030-01-02'),
    change('3', 'added', '2030-01-01'),
  ];
  it('lists future changes soonest first', () => {
    expect(plannedChanges(changes, '2025-01-01').map((c) => c.effectiveOn)).toEqual(['2030-01-01', '2030-01-02']);
  });
  it('a change effective today is no longer planned', () => {
    expect(plannedChanges(changes, '2030-01-01').map((c) => c.effectiveOn)).toEqual(['2030-01-02']);
  });
  it('lists past changes newest first and finds the last change date', () => {
    expect(pastChanges(changes, '2030-01-01').map((c) => c.effectiveOn)).toEqual(['2030-01-01', '2024-01-10']);
    expect(lastChangeDate(changes, '2029-12-31')).toBe('2024-01-10');
    expect(lastChangeDate([], '2029-12-31')).toBeUndefined();
  });
});

describe('notice period', () => {
  it('requires the notice period for additions and updates', () => {
    expect(earliestEffectiveDate({ kind: 'added', today: '2026-01-31', noticeDays: 30 })).toBe('2026-03-02');
    expect(earliestEffectiveDate({ kind: 'updated', today: '2024-02-01', noticeDays: 30 })).toBe('2024-03-02');
  });
  it('lets removals and corrections take effect today', () => {
    expect(earliestEffectiveDate({ kind: 'removed', today: '2026-01-31', noticeDays: 30 })).toBe('2026-01-31');
    expect(earliestEffectiveDate({ kind: 'updated', today: '2026-01-31', noticeDays: 30, correction: true })).toBe(
      '2026-01-31',
    );
  });
  it('accepts exactly the notice period and refuses a day less', () => {
    const base = { kind: 'added' as const, today: '2026-11-27', noticeDays: 30 };
    expect(effectiveDateError({ ...base, effectiveOn: '2026-12-27' })).toBeUndefined();
    expect(effectiveDateError({ ...base, effectiveOn: '2026-12-26' })).toBe(
      "Customers are owed 30 days' notice: choose 2026-12-27 or later",
    );
  });
  it('refuses past dates for removals and malformed dates for all', () => {
    expect(effectiveDateError({ kind: 'removed', effectiveOn: '2026-11-26', today: '2026-11-27', noticeDays: 30 })).toBe(
      'The date cannot be in the past',
    );
    expect(effectiveDateError({ kind: 'removed', effectiveOn: '2026-02-30', today: '2026-01-01', noticeDays: 0 })).toBe(
      'Enter a date as YYYY-MM-DD',
    );
  });
  it('a notice period of 0 allows today', () => {
    expect(effectiveDateError({ kind: 'added', effectiveOn: '2026-11-27', today: '2026-11-27', noticeDays: 0 })).toBeUndefined();
  });
  it('objections close on the effective date and never apply to removals', () => {
    expect(isOpenForObjection({ kind: 'added', effectiveOn: '2026-12-01' }, '2026-11-30')).toBe(true);
    expect(isOpenForObjection({ kind: 'added', effectiveOn: '2026-12-01' }, '2026-12-01')).toBe(false);
    expect(isOpenForObjection({ kind: 'removed', effectiveOn: '2026-12-01' }, '2026-11-01')).toBe(false);
  });
});

describe('calendar dates in the portal time zone', () => {
  it('validates ISO dates including leap years', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2025-02-29')).toBe(false);
    expect(isIsoDate('2025-1-01')).toBe(false);
    expect(isIsoDate('2025-13-01')).toBe(false);
  });
  it('adds days across month and year ends', () => {
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
  });
  it('knows which day it is in the time zone, not in UTC', () => {
    const instant = new Date('2026-06-30T23:30:00Z');
    expect(todayIn('UTC', instant)).toBe('2026-06-30');
    expect(todayIn('Europe/Berlin', instant)).toBe('2026-07-01');
    expect(todayIn('America/New_York', instant)).toBe('2026-06-30');
  });
  it('finds the start of a day in the time zone, across DST', () => {
    expect(startOfDayIn('2026-07-01', 'Europe/London').toISOString()).toBe('2026-06-30T23:00:00.000Z');
    expect(startOfDayIn('2026-01-15', 'Europe/London').toISOString()).toBe('2026-01-15T00:00:00.000Z');
    expect(startOfDayIn('2026-03-29', 'Europe/Berlin').toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(startOfDayIn('2026-03-30', 'Europe/Berlin').toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect(startOfDayIn('2026-11-01', 'America/Sao_Paulo').toISOString()).toBe('2026-11-01T03:00:00.000Z');
  });
  it('makes URL-safe slugs', () => {
    expect(slugify('Stripe Payments Europe, Ltd.')).toBe('stripe-payments-europe-ltd');
    expect(slugify('Société Générale')).toBe('societe-generale');
    expect(slugify('***')).toBe('subprocessor');
  });
});

describe('cache validators', () => {
  const etag = registryEtag({ version: '7', today: '2026-11-27', variant: 'rss' });
  it('is a weak tag that changes with version, day and representation', () => {
    expect(etag).toMatch(/^W\/"[A-Za-z0-9_-]{27}"$/);
    expect(registryEtag({ version: '7', today: '2026-11-27', variant: 'rss' })).toBe(etag);
    expect(registryEtag({ version: '8', today: '2026-11-27', variant: 'rss' })).not.toBe(etag);
    expect(registryEtag({ version: '7', today: '2026-11-28', variant: 'rss' })).not.toBe(etag);
    expect(registryEtag({ version: '7', today: '2026-11-27', variant: 'atom' })).not.toBe(etag);
  });
  it('matches If-None-Match weakly, in lists and with *', () => {
    expect(ifNoneMatchMatches(etag, etag)).toBe(true);
    expect(ifNoneMatchMatches(etag.slice(2), etag)).toBe(true);
    expect(ifNoneMatchMatches(`W/"other", ${etag}`, etag)).toBe(true);
    expect(ifNoneMatchMatches('*', etag)).toBe(true);
    expect(ifNoneMatchMatches('W/"other"', etag)).toBe(false);
    expect(ifNoneMatchMatches(null, etag)).toBe(false);
  });
  it('ignores If-Modified-Since when If-None-Match is present', () => {
    const lastModified = new Date('2026-11-01T10:00:00Z');
    const later = 'Mon, 02 Nov 2026 00:00:00 GMT';
    expect(isNotModified({ ifNoneMatch: null, ifModifiedSince: later }, { etag, lastModified })).toBe(true);
    expect(isNotModified({ ifNoneMatch: 'W/"x"', ifModifiedSince: later }, { etag, lastModified })).toBe(false);
    expect(isNotModified({ ifNoneMatch: null, ifModifiedSince: 'Sun, 01 Nov 2026 09:59:59 GMT' }, { etag, lastModified })).toBe(false);
    expect(isNotModified({ ifNoneMatch: null, ifModifiedSince: 'garbage' }, { etag, lastModified })).toBe(false);
  });
  it('takes Last-Modified from the later of the last write and the last effective day, in whole seconds', () => {
    const updatedAt = new Date('2026-01-01T12:00:00.750Z');
    expect(registryLastModified({ updatedAt, lastEffective: '2025-12-01', timeZone: 'UTC' }).toISOString()).toBe(
      '2026-01-01T12:00:00.000Z',
    );
    expect(registryLastModified({ updatedAt, lastEffective: '2026-02-01', timeZone: 'Europe/Berlin' }).toISOString()).toBe(
      '2026-01-31T23:00:00.000Z',
    );
  });
});

describe('subprocessor configuration', () => {
  it('defaults the notice period to 30 days, accepts 0-365 and names a bad value', async () => {
    const { loadConfig, ConfigError } = await import('../../app/utils/env.server');
    const base = { DATA_DIR: '/tmp/pp-unit-config', SESSION_SECRET: 'x'.repeat(32), EXPORT_KEY: 'y'.repeat(32), BACKUP_KEY: 'z'.repeat(32), CONNECTOR_KEY: 'w'.repeat(32) };
    expect(loadConfig(base).subprocessorNoticeDays).toBe(30);
    expect(loadConfig({ ...base, SUBPROCESSOR_NOTICE_DAYS: '0' }).subprocessorNoticeDays).toBe(0);
    expect(() => loadConfig({ ...base, SUBPROCESSOR_NOTICE_DAYS: '-1' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, SUBPROCESSOR_NOTICE_DAYS: 'soon' })).toThrow(/SUBPROCESSOR_NOTICE_DAYS/);
    expect(loadConfig(base).subprocessorDemo).toBe(true);
    expect(loadConfig({ ...base, DATABASE_URL: 'postgres://u:p@localhost/db' }).subprocessorDemo).toBe(false);
    expect(loadConfig({ ...base, DATABASE_URL: 'postgres://u:p@localhost/db', SUBPROCESSOR_DEMO: 'on' }).subprocessorDemo).toBe(true);
  });
});
