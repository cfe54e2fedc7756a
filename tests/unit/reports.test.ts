import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  backlogSeries,
  DEADLINE_BINS,
  deadlineHistogram,
  disclosureOf,
  percentile,
  statsOf,
  totalsOf,
  volumeSeries,
  type SumRow,
} from '../../app/models/reports/figures';
import { bucketsOf, parsePeriod, PeriodError, periodChoices, periodLabel, splitRange, weekStart } from '../../app/models/reports/period';
import { changedFigures, type YearFigures } from '../../app/models/reports/transparency.server';
import { csvCell, toCsv } from '../../app/utils/csv';

const row = (measure: string, n: number, extra: Partial<SumRow> = {}): SumRow => ({ bucket: null, type: 'access', measure, value: 0, n, ...extra });

describe('periods', () => {
  it('reads a year, a quarter, a month and custom dates', () => {
    expect(parsePeriod('2025')).toEqual({ kind: 'year', key: '2025', from: '2025-01-01', to: '2025-12-31' });
    expect(parsePeriod('2024-Q1')).toMatchObject({ from: '2024-01-01', to: '2024-03-31' });
    expect(parsePeriod('2025-Q4')).toMatchObject({ from: '2025-10-01', to: '2025-12-31' });
    expect(parsePeriod('2024-02')).toMatchObject({ kind: 'month', from: '2024-02-01', to: '2024-02-29' });
    expect(parsePeriod('custom', { from: '2025-03-10', to: '2025-03-10' })).toMatchObject({ kind: 'custom', from: '2025-03-10', to: '2025-03-10' });
  });

  it('refuses what names no period', () => {
    for (const [key, custom] of [
      ['2025-13', undefined],
      ['2025-Q5', undefined],
      ['25', undefined],
      ['custom', { from: '2025-02-29', to: '2025-03-01' }],
      ['custom', { from: '2025-03-02', to: '2025-03-01' }],
      ['custom', { from: '2020-01-01', to: '2023-12-31' }],
      ['custom', { from: '1999-12-31', to: '2000-01-01' }],
    ] as const) {
      expect(() => parsePeriod(key, custom), key).toThrow(PeriodError);
    }
  });

  it('labels periods and offers 13 months, 8 quarters and 3 years', () => {
    expect(periodLabel(parsePeriod('2025-Q2'))).toBe('Q2 2025');
    expect(periodLabel(parsePeriod('2025-03'))).toBe('March 2025');
    expect(periodLabel(parsePeriod('custom', { from: '2025-03-01', to: '2025-04-15' }))).toBe('1 March 2025 to 15 April 2025');
    const choices = periodChoices('2026-02-10');
    expect(choices.filter((c) => c.kind === 'month').map((c) => c.key).slice(0, 3)).toEqual(['2026-02', '2026-01', '2025-12']);
    expect(choices.filter((c) => c.kind === 'quarter').map((c) => c.key).slice(0, 3)).toEqual(['2026-Q1', '2025-Q4', '2025-Q3']);
    expect(choices.filter((c) => c.kind === 'year').map((c) => c.key)).toEqual(['2026', '2025', '2024']);
  });

  it('splits a range into whole weeks or months and the days at its edges', () => {
    expect(weekStart('2025-01-01')).toBe('2024-12-30');
    expect(splitRange('2025-01-01', '2025-12-31', 'month')).toEqual({ whole: ['2025-01-01', '2025-12-01'], edges: [] });
    expect(splitRange('2025-01-01', '2025-12-31', 'week')).toEqual({
      whole: ['2025-01-06', '2025-12-22'],
      edges: [
        ['2025-01-01', '2025-01-05'],
        ['2025-12-29', '2025-12-31'],
      ],
    });
    expect(splitRange('2025-05-15', '2025-08-20', 'month')).toEqual({
      whole: ['2025-06-01', '2025-07-01'],
      edges: [
        ['2025-05-15', '2025-05-31'],
        ['2025-08-01', '2025-08-20'],
      ],
    });
    expect(splitRange('2025-06-15', '2025-07-10', 'month')).toEqual({ whole: null, edges: [['2025-06-15', '2025-07-10']] });
    expect(bucketsOf('2025-02-26', '2025-03-04', 'week')).toEqual(['2025-02-24', '2025-03-03']);
  });
});

describe('figures', () => {
  it('interpolates percentiles between the nearest ranks, as percentile_cont does', () => {
    expect(percentile([[3, 1], [4, 1], [10, 1], [12, 1]], 0.5)).toBe(7);
    expect(percentile([[5, 3]], 0.9)).toBe(5);
    expect(percentile([], 0.5)).toBeNull();
    // 1..10: rank 8.1 → 9 + 0.1 × (10 − 9)
    expect(percentile(Array.from({ length: 10 }, (_, i) => [i + 1, 1] as [number, number]), 0.9)).toBeCloseTo(9.1, 10);
    expect(statsOf([[10, 2], [40, 2]])).toEqual({ count: 4, mean: 25, median: 25, p90: 40 });
  });

  it('counts answers as completed or refused, and on time over both', () => {
    const t = totalsOf([
      row('completed_on_time', 5),
      row('completed_late', 1),
      row('refused_on_time', 2),
      row('refused_late', 2),
      row('refused_for:duplicate', 3),
      row('refused_for:not_recorded', 1),
      row('objection_rejected', 1),
      row('days', 2, { value: 10 }),
      row('days', 1, { value: 40 }),
    ]);
    expect(t).toMatchObject({ answered: 10, onTime: 7, late: 3, completed: 6, refused: 4, onTimePercent: 70 });
    expect(t.refusedByGround).toMatchObject({ duplicate: 3, not_recorded: 1, other: 0 });
    expect(t.daysToClose).toEqual({ count: 3, mean: 20, median: 10, p90: 34 });
    expect(totalsOf([]).onTimePercent).toBeNull();
  });

  it('counts a rejected objection as denied in the §7102 disclosure', () => {
    expect(disclosureOf([row('received', 4), row('completed_on_time', 3), row('refused_late', 1), row('objection_rejected', 1)])).toEqual({
      received: 4,
      compliedWith: 2,
      denied: 2,
      medianDays: null,
      meanDays: null,
    });
  });

  it('puts the deadline between 100% and 101% of the time allowed', () => {
    const bins = deadlineHistogram([row('pct', 1, { value: 0 }), row('pct', 2, { value: 100 }), row('pct', 1, { value: 101 }), row('pct', 1, { value: 350 })]);
    expect(bins).toHaveLength(DEADLINE_BINS.length);
    expect(bins[0]).toMatchObject({ label: '0–10%', n: 1, onTime: true });
    expect(bins[9]).toMatchObject({ label: '91–100%', n: 2, onTime: true });
    expect(bins[10]).toMatchObject({ label: '101–110%', n: 1, onTime: false });
    expect(bins.at(-1)).toMatchObject({ label: 'over 200%', n: 1, onTime: false });
  });

  it('counts the backlog back from the number open now', () => {
    // Period 6–19 January 2025 (two weeks), today 22 January; 5 open now.
    const rows = [
      row('verified', 3, { bucket: '2025-01-06' }),
      row('completed_on_time', 1, { bucket: '2025-01-06' }),
      row('verified', 1, { bucket: '2025-01-13' }),
      row('withdrawn', 2, { bucket: '2025-01-13' }),
    ];
    // After the 19th: 2 verified, 1 refused.
    expect(backlogSeries(rows, 1, 5, { from: '2025-01-06', last: '2025-01-19' })).toEqual([
      { end: '2025-01-12', open: 5 },
      { end: '2025-01-19', open: 4 },
    ]);
    expect(backlogSeries(rows, 0, 5, { from: '2025-01-06', last: '2025-01-05' })).toEqual([]);
  });

  it('gives every week of the period a bar, with its days inside the period', () => {
    const weeks = volumeSeries([row('received', 2, { bucket: '2024-12-30', type: 'erasure' })], { from: '2025-01-01', to: '2025-01-07' }, 'week');
    expect(weeks).toEqual([
      expect.objectContaining({ start: '2024-12-30', from: '2025-01-01', to: '2025-01-05', total: 2 }),
      expect.objectContaining({ start: '2025-01-06', from: '2025-01-06', to: '2025-01-07', total: 0 }),
    ]);
  });
});

describe('transparency corrections', () => {
  it('lists each figure a correction changed', () => {
    const base = { received: 1, compliedWith: 1, denied: 0, medianDays: 17, meanDays: 17 };
    const figures = (rect: typeof base): YearFigures => ({
      format: 'privacy-portal/transparency/v1',
      year: 2025,
      timeZone: 'Europe/London',
      rights: { rectification: rect },
      total: rect,
    });
    expect(changedFigures(figures(base), figures(base))).toEqual([]);
    expect(changedFigures(figures(base), figures({ ...base, received: 2, medianDays: 13.5 }))).toEqual([
      { right: 'rectification', figure: 'received', from: 1, to: 2 },
      { right: 'rectification', figure: 'medianDays', from: 17, to: 13.5 },
      { right: 'total', figure: 'received', from: 1, to: 2 },
      { right: 'total', figure: 'medianDays', from: 17, to: 13.5 },
    ]);
  });
});

describe('CSV', () => {
  it('makes text a spreadsheet would run as a formula plain text, and reads back through a CSV parser', () => {
    const hostile = ['=HYPERLINK("http://x","y")', '+1+1', '-2+3', '@SUM(A1)', '\tTAB', '\rCR', 'a "quoted", value', 'line\nbreak', 'plain'];
    const csv = toCsv([['text', 'number'], ...hostile.map((h, i) => [h, i - 1])]);
    const rows: string[][] = parse(csv);
    expect(rows[0]).toEqual(['text', 'number']);
    for (const [i, h] of hostile.entries()) {
      const [text, number] = rows[i + 1]!;
      expect(text).toBe(/^[=+\-@\t\r]/.test(h) ? `'${h}` : h);
      expect(number).toBe(String(i - 1));
    }
    expect(csvCell(null)).toBe('');
    expect(csvCell(false)).toBe('false');
    expect(csvCell(Number.NaN)).toBe('');
  });
});
