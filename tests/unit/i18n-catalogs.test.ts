import { describe, expect, it } from 'vitest';
import { CATALOGS, formatDay, formatDeadline, formatInstant, LANGUAGES, tFor } from '../../app/utils/i18n';
import { resolveLanguage } from '../../app/utils/language.server';

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

const PLURAL = /_(zero|one|two|few|many|other)$/;
const placeholders = (text: string) => [...text.matchAll(/\{\{\s*(\w+)[^}]*\}\}/g)].map((m) => m[1]).sort();
const english = flatten(CATALOGS.en as unknown as Tree);
const base = (key: string) => key.replace(PLURAL, '');

describe('message catalogs', () => {
  it.each(LANGUAGES.filter((l) => l !== 'en'))('%s has every English key and no other', (lang) => {
    const keys = flatten(CATALOGS[lang] as unknown as Tree);
    const singular = (m: Map<string, string>) => new Set([...m.keys()].filter((k) => !PLURAL.test(k)));
    expect([...singular(english)].filter((k) => !keys.has(k))).toEqual([]);
    expect([...singular(keys)].filter((k) => !english.has(k))).toEqual([]);
    // Plural families: the same set of words, each with every form this language's rules use.
    const families = (m: Map<string, string>) => new Set([...m.keys()].filter((k) => PLURAL.test(k)).map(base));
    expect([...families(keys)].sort()).toEqual([...families(english)].sort());
  });

  it.each(LANGUAGES)('%s has every plural form Intl.PluralRules asks for', (lang) => {
    const keys = flatten(CATALOGS[lang] as unknown as Tree);
    const forms = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
    const families = new Set([...english.keys()].filter((k) => PLURAL.test(k)).map(base));
    const missing = [...families].flatMap((family) => forms.filter((f) => !keys.has(`${family}_${f}`)).map((f) => `${family}_${f}`));
    expect(missing).toEqual([]);
  });

  it.each(LANGUAGES)('%s uses the same placeholders as English and no empty message', (lang) => {
    const keys = flatten(CATALOGS[lang] as unknown as Tree);
    for (const [key, text] of keys) {
      expect(text.trim(), key).not.toBe('');
      const source = english.get(key) ?? english.get(`${base(key)}_other`)!;
      expect(placeholders(text), key).toEqual(placeholders(source));
    }
  });

  it('resolves plurals and interpolation per language', () => {
    expect(tFor('en')('form.tooMany', { count: 1 })).toContain('1 minute.');
    expect(tFor('de')('form.tooMany', { count: 5 })).toContain('5 Minuten');
    expect(tFor('fr')('registry.caption', { count: 2, date: 'x' })).toBe('2 sous-traitants au x');
    expect(tFor('fr')('registry.caption', { count: 1_000_000, date: 'x' })).toBe('1000000 sous-traitants au x');
  });

  it('formats dates for the locale, with the time zone named', () => {
    expect(formatDay('en', '2026-02-01')).toBe('1 February 2026');
    expect(formatDay('de', '2026-02-01')).toBe('1. Februar 2026');
    expect(formatDay('fr', '2026-02-01')).toBe('1 février 2026');
    expect(formatDeadline('de', '2026-03-02')).toBe('Montag, 2. März 2026');
    expect(formatDeadline('en', '2026-03-02')).toBe('Monday 2 March 2026');
    expect(formatInstant('en', '2026-07-01T12:00:00Z', 'Europe/London')).toBe('1 July 2026 at 13:00 (British Summer Time)');
  });
});

describe('choosing the language', () => {
  const req = (url: string, headers: Record<string, string> = {}) => new Request(`http://portal.test${url}`, { headers });
  it('follows ?lng=, then the cookie, then Accept-Language, then English', () => {
    expect(resolveLanguage(req('/?lng=fr', { Cookie: 'lang=de', 'Accept-Language': 'de' }))).toEqual({ lang: 'fr', source: 'query' });
    expect(resolveLanguage(req('/', { Cookie: 'a=1; lang=de', 'Accept-Language': 'fr' }))).toEqual({ lang: 'de', source: 'cookie' });
    expect(resolveLanguage(req('/', { 'Accept-Language': 'de-AT,de;q=0.9,en;q=0.5' }))).toEqual({ lang: 'de', source: 'header' });
    expect(resolveLanguage(req('/', { 'Accept-Language': 'es-ES, fr-CA;q=0.4, en;q=0.3' }))).toEqual({ lang: 'fr', source: 'header' });
    expect(resolveLanguage(req('/?lng=xx', { Cookie: 'lang=zz', 'Accept-Language': 'ja' }))).toEqual({ lang: 'en', source: 'default' });
  });
});
