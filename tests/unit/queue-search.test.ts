import { describe, expect, it } from 'vitest';
import { escapeLike, MAX_SEARCH_WORDS, parseQueueSearch } from '../../app/models/requests/search';
import { csvCell, csvLine } from '../../app/utils/csv';

describe('parseQueueSearch', () => {
  it('reads a whole reference, in any case, as that reference', () => {
    expect(parseQueueSearch(' dsr-2026-000123 ')).toEqual({ kind: 'reference', reference: 'DSR-2026-000123' });
  });

  it('splits anything else into words, each a part to find', () => {
    expect(parseQueueSearch('anna  example.org')).toEqual({ kind: 'text', patterns: ['%anna%', '%example.org%'] });
    // A partial reference is a part like any other.
    expect(parseQueueSearch('DSR-2026')).toEqual({ kind: 'text', patterns: ['%DSR-2026%'] });
  });

  it('needs one word of three characters or more (the trigram index answers nothing shorter)', () => {
    expect(parseQueueSearch('ab')).toEqual({ kind: 'too_short' });
    expect(parseQueueSearch('a b c')).toEqual({ kind: 'too_short' });
    expect(parseQueueSearch('')).toEqual({ kind: 'too_short' });
    expect(parseQueueSearch('ab müller')).toEqual({ kind: 'text', patterns: ['%ab%', '%müller%'] });
  });

  it('drops repeated words and keeps at most MAX_SEARCH_WORDS', () => {
    expect(parseQueueSearch('anna anna')).toEqual({ kind: 'text', patterns: ['%anna%'] });
    const many = Array.from({ length: 20 }, (_, i) => `word${i}`).join(' ');
    const parsed = parseQueueSearch(many);
    expect(parsed.kind === 'text' && parsed.patterns.length).toBe(MAX_SEARCH_WORDS);
  });

  it("escapes LIKE's own characters, so they are searched as text", () => {
    expect(escapeLike('50%_a\\b')).toBe('50\\%\\_a\\\\b');
    expect(parseQueueSearch('50%')).toEqual({ kind: 'text', patterns: ['%50\\%%'] });
  });
});

describe('csvCell', () => {
  it('quotes every text field, doubles quotes, and writes numbers and blanks bare', () => {
    expect(csvCell('a "b", c')).toBe('"a ""b"", c"');
    expect(csvCell(null)).toBe('');
    expect(csvCell(3)).toBe('3');
  });

  it('makes anything a spreadsheet would run as a formula into text', () => {
    for (const value of ['=1+1', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1']) expect(csvCell(value)).toBe(`"'${value}"`);
    expect(csvCell('a=1')).toBe('"a=1"');
    // A number the portal computed (days left when overdue) stays a number.
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell('-3')).toBe('"\'-3"');
  });

  it('ends a record with CRLF', () => {
    expect(csvLine(['a', '=b'])).toBe('"a","\'=b"\r\n');
  });
});
