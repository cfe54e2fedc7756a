import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { renderDataCsv } from '../../app/models/requests/package-csv.server';
import { PACKAGE_KEYS, type PackageData } from '../../app/models/requests/package-summary.server';
import { formatFileFor } from '../../app/models/requests/packages.server';
import { OUTCOMES, subjectOutcomeLines, withholdingArticle } from '../../app/models/requests/outcomes';
import { accountLine } from '../../app/models/requests/staff-view';
import { STATE_LABELS } from '../../app/models/requests/lifecycle';
import { tFor } from '../../app/utils/i18n';

describe('the account line on the staff request page (item 11)', () => {
  const base = { account: null, personalDataDeleted: false, state: 'completed' } as const;
  it('names the account while it exists', () => {
    expect(accountLine({ ...base, account: { email: 'a@example.test' }, verifiedBy: 'system' })).toBe('Signed-in account a@example.test');
  });
  it('says a request filed while signed in came from an account, after erasure too, never "verified by email link"', () => {
    expect(accountLine({ ...base, verifiedBy: 'system', personalDataDeleted: true })).toMatch(/^Erased: the request was filed from a signed-in account/);
    expect(accountLine({ ...base, verifiedBy: 'system' })).toMatch(/filed from a signed-in account/);
  });
  it('tells the email-link, unconfirmed and never-confirmed cases apart', () => {
    expect(accountLine({ ...base, verifiedBy: 'subject' })).toBe('None: verified by email link');
    expect(accountLine({ ...base, verifiedBy: null, state: 'unverified' })).toBe('None: the email address is not confirmed yet');
    expect(accountLine({ ...base, verifiedBy: null, state: 'expired' })).toBe('None: the email address was never confirmed');
  });
});

describe('staff wording (item 14)', () => {
  it('a request waiting on the subject reads as such for staff', () => {
    expect(STATE_LABELS.awaiting_subject).toBe('Waiting for the subject');
  });
});

describe('the partial outcome (item 9)', () => {
  it('fits access and portability only, citing Art. 15(4) or Art. 20(4)', () => {
    expect(OUTCOMES.partial!.types).toEqual(['access', 'portability']);
    expect(withholdingArticle('access')).toBe('15(4)');
    expect(withholdingArticle('portability')).toBe('20(4)');
  });
  it("tells the subject the outcome, the article and staff's reason, in their language", () => {
    const request = { type: 'access', outcome: 'partial', withheld_reason: 'Footage of others.' };
    expect(subjectOutcomeLines(tFor('en'), request)).toEqual([
      'Partly done: some data was withheld.',
      expect.stringContaining('(Art. 15(4) GDPR)'),
      'What we withheld and why: Footage of others.',
    ]);
    expect(subjectOutcomeLines(tFor('de'), { ...request, type: 'portability' })[1]).toContain('Art. 20 Abs. 4 DSGVO');
    expect(subjectOutcomeLines(tFor('fr'), request)[1]).toContain('art. 15, par. 4');
  });
  it('adds nothing for a request without an outcome, and one line for a plain one', () => {
    expect(subjectOutcomeLines(tFor('en'), { type: 'access', outcome: null })).toEqual([]);
    expect(subjectOutcomeLines(tFor('en'), { type: 'access', outcome: 'fulfilled' })).toEqual(['Done as you asked.']);
  });
});

describe('the format file beside the ZIP (item 3)', () => {
  it('is summary.pdf for PDF, data.csv for CSV, none for JSON or no choice', () => {
    expect(formatFileFor({ preferred_format: 'pdf' })).toBe('summary.pdf');
    expect(formatFileFor({ preferred_format: 'csv' })).toBe('data.csv');
    expect(formatFileFor({ preferred_format: 'json' })).toBeNull();
    expect(formatFileFor({ preferred_format: null })).toBeNull();
  });

  it('data.csv has one row per value, every section present, formulas neutralised, and parses back', () => {
    const data = Object.fromEntries(PACKAGE_KEYS.map((k) => [k, null])) as unknown as PackageData;
    Object.assign(data, {
      format: 'privacy-portal/access-package/v1',
      request: { reference: 'DSR-2026-000001', type: 'access', note: '=1+1', quote: 'say "hi",\nbye' },
      requests: [],
      recipients: { subprocessors: [{ name: '@evil' }, { name: 'Plain' }] },
    });
    const text = renderDataCsv(data);
    expect(text.startsWith('\uFEFF')).toBe(true);
    const rows: string[][] = parse(text, { bom: true });
    expect(rows[0]).toEqual(['section', 'field', 'value']);
    const value = (section: string, field: string) => rows.find((r) => r[0] === section && r[1] === field)?.[2];
    expect(value('request', 'reference')).toBe('DSR-2026-000001');
    expect(value('request', 'note')).toBe("'=1+1");
    expect(value('request', 'quote')).toBe('say "hi",\nbye');
    expect(value('requests', '')).toBe('');
    expect(value('recipients', 'subprocessors.1.name')).toBe("'@evil");
    expect(value('recipients', 'subprocessors.2.name')).toBe('Plain');
    expect(new Set(rows.slice(1).map((r) => r[0]))).toEqual(new Set(PACKAGE_KEYS));
  });
});
