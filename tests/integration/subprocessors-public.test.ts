import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { parseFeed } from '@rowanmanning/feed-parser';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, todayIn } from '../../app/models/subprocessors/rules';
import { planAddition } from '../../app/models/subprocessors/registry.server';
import { startTestPortal, type TestPortal } from '../support/portal';

let portal: TestPortal;
const PUBLIC_URL = 'https://privacy.example.test';
// The feeds' author is the organisation that runs the portal.
const ORGANISATION = {
  ORG_NAME: 'Example Privacy',
  ORG_ADDRESS: '1 Test Road, Testville',
  ORG_PRIVACY_EMAIL: 'privacy@example.test',
  AUTHORITY_NAME: 'Test Authority',
  AUTHORITY_ADDRESS: '2 Authority Road, Testville',
  AUTHORITY_URL: 'https://authority.example.test/',
};
beforeAll(async () => {
  portal = await startTestPortal({ SUBPROCESSOR_DEMO: 'on', PUBLIC_URL, ...ORGANISATION });
});
afterAll(async () => {
  await portal?.stop();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${portal.url}${path}`, { headers });
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const RFC822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

function xmllint(xml: string) {
  // Throws (non-zero exit) when the document is not well-formed.
  return execFileSync('xmllint', ['--noout', '-'], { input: xml, stdio: ['pipe', 'pipe', 'pipe'] });
}

describe('the public page', () => {
  it('shows the current list, planned changes, history and feed links', async () => {
    const res = await get('/subprocessors');
    expect(res.status).toBe(200);
    const html = await res.text();
    for (const name of ['Amazon Web Services', 'Cloudflare', 'Stripe', 'Zendesk']) expect(html).toContain(name);
    expect(html).toContain('Planned changes');
    expect(html).toContain('Addition of Hetzner Online');
    expect(html).toContain('Removal of Mailchimp');
    expect(html).toMatch(/<link rel="alternate" type="application\/rss\+xml"[^>]*href="\/subprocessors\/feed.rss"/);
    expect(html).toMatch(/<link rel="alternate" type="application\/atom\+xml"[^>]*href="\/subprocessors\/feed.atom"/);
    expect(html).toMatch(/<link rel="alternate" type="application\/feed\+json"[^>]*href="\/subprocessors\/feed.json"/);
    // Mailchimp was removed in 2025: only in the history, not in the table.
    expect(html).not.toMatch(/<th scope="row"[^>]*><a[^>]*>Mailchimp/);
  });

  it('shows the list as it stood on a past date', async () => {
    const html = await (await get('/subprocessors?at=2025-01-01')).text();
    expect(html).toMatch(/<th scope="row"[^>]*><a[^>]*>Mailchimp/);
    expect(html).not.toContain('Addition of Hetzner Online');
    expect(html).toContain('1 January 2025');
    // Sentry was in the US until its 2025-03-01 move to Germany.
    const sentryRow = (h: string) => /<tr id="sp-sentry">.*?<\/tr>/s.exec(h)![0];
    expect(sentryRow(html)).toContain('United States');
    expect(sentryRow(await (await get('/subprocessors')).text())).toContain('Germany');
    const before = await (await get('/subprocessors?at=2024-01-31')).text();
    expect(before).toContain('No subprocessors were engaged on this date.');
  });

  it('answers a malformed or future date with 400 and says why', async () => {
    const bad = await get('/subprocessors?at=2025-02-30');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/aria-invalid="true"[^>]*|Enter a date as YYYY-MM-DD/);
    const future = await get(`/subprocessors?at=${addDays(todayIn('Europe/London'), 400)}`);
    expect(future.status).toBe(400);
  });
});

describe('caching', () => {
  const paths = ['/subprocessors', '/subprocessors.json', '/subprocessors/feed.rss', '/subprocessors/feed.atom', '/subprocessors/feed.json'];

  it('sends validators fit for a CDN and answers conditional requests with 304', async () => {
    for (const path of paths) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      const etag = res.headers.get('etag')!;
      const lastModified = res.headers.get('last-modified')!;
      expect(etag, path).toMatch(/^W\/"[\w-]+"$/);
      expect(lastModified, path).toMatch(RFC822);
      expect(res.headers.get('cache-control'), path).toContain('public');
      expect(res.headers.get('cache-control'), path).toContain('s-maxage=');
      const byTag = await get(path, { 'If-None-Match': etag });
      expect(byTag.status, path).toBe(304);
      expect(await byTag.text()).toBe('');
      expect(byTag.headers.get('etag')).toBe(etag);
      const byDate = await get(path, { 'If-Modified-Since': lastModified });
      expect(byDate.status, path).toBe(304);
      expect((await get(path, { 'If-None-Match': 'W/"stale"' })).status, path).toBe(200);
    }
  });

  it('keeps a 304 page usable: no new CSP nonce that would block the cached scripts', async () => {
    const etag = (await get('/subprocessors')).headers.get('etag')!;
    const res = await get('/subprocessors', { 'If-None-Match': etag });
    expect(res.status).toBe(304);
    expect(res.headers.get('content-security-policy')).toBeNull();
  });

  it('gives each representation its own tag and moves every tag when the registry changes', async () => {
    const before = await Promise.all(paths.map(async (p) => (await get(p)).headers.get('etag')));
    expect(new Set(before).size).toBe(paths.length);
    await planAddition(
      portal.db,
      {
        details: {
          name: 'Cache Buster',
          legalEntity: 'Cache Buster BV',
          purpose: 'Testing',
          dataCategories: ['None'],
          locations: ['NL'],
          transferMechanism: 'eea-only',
          website: 'https://cache.example/',
        },
        effectiveOn: addDays(todayIn(portal.config.timeZone), 30),
      },
      { actorId: null, timeZone: portal.config.timeZone, noticeDays: 30 },
    );
    for (const [i, path] of paths.entries()) {
      const res = await get(path, { 'If-None-Match': before[i]! });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('etag')).not.toBe(before[i]);
    }
    expect(await (await get('/subprocessors/feed.atom')).text()).toContain('Cache Buster');
  });

  it('never offers a signed-in page to a shared cache', async () => {
    const res = await get('/subprocessors', { Cookie: 'anything=1' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-cache');
    expect(res.headers.get('etag')).toBeNull();
  });

  it.skipIf(!process.env.DATABASE_URL)('answers the same validators from a second instance on the same database', async () => {
    const second = await startTestPortal({ DATABASE_URL: portal.config.databaseUrl!, PUBLIC_URL, ...ORGANISATION });
    try {
      for (const path of paths) {
        const a = await get(path);
        const b = await fetch(`${second.url}${path}`);
        expect(b.headers.get('etag'), path).toBe(a.headers.get('etag'));
        expect(b.headers.get('last-modified'), path).toBe(a.headers.get('last-modified'));
        expect((await fetch(`${second.url}${path}`, { headers: { 'If-None-Match': a.headers.get('etag')! } })).status).toBe(304);
      }
    } finally {
      await second.stop();
    }
  });
});

describe('/subprocessors.json', () => {
  it('validates against its published JSON Schema', async () => {
    const res = await get('/subprocessors.json');
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = await res.json();
    const schema = await (await get('/subprocessors.schema.json')).json();
    expect(schema).toEqual(JSON.parse(fs.readFileSync('public/subprocessors.schema.json', 'utf8')));
    const ajv = new Ajv2020({ allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
    expect(body.subprocessors.map((s: { name: string }) => s.name)).toContain('Stripe');
    expect(body.plannedChanges.map((c: { name: string }) => c.name)).toContain('Hetzner Online');
    const past = await (await get('/subprocessors.json?at=2025-01-01')).json();
    expect(validate(past)).toBe(true);
    expect(past.asOf).toBe('2025-01-01');
    expect(past.plannedChanges).toEqual([]);
    expect(past.subprocessors.map((s: { name: string }) => s.name)).toContain('Mailchimp');
    expect((await get('/subprocessors.json?at=yesterday')).status).toBe(400);
  });
});

describe('feeds, read back by an independent parser', () => {
  it('Atom 1.0: well-formed, with the ids, titles, dates, authors and links RFC 4287 requires', async () => {
    const res = await get('/subprocessors/feed.atom');
    expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const xml = await res.text();
    xmllint(xml);
    const feed = parseFeed(xml);
    expect(feed.meta.type).toBe('atom');
    expect(feed.language).toBe('en');
    expect(feed.title).toBe('Subprocessor changes');
    expect(feed.url).toBe(`${PUBLIC_URL}/subprocessors`);
    expect(feed.self).toBe(`${PUBLIC_URL}/subprocessors/feed.atom`);
    expect(feed.authors[0]).toMatchObject({ name: 'Example Privacy', email: 'privacy@example.test' });
    // atom:feed has exactly one atom:id and one atom:updated, in RFC 3339.
    expect(xml.match(/<feed[^>]*>[\s\S]*?<entry>/)![0].match(/<id>/g)).toHaveLength(1);
    const feedUpdated = /<feed[^>]*>[\s\S]*?<updated>([^<]+)<\/updated>/.exec(xml)![1]!;
    expect(feedUpdated).toMatch(RFC3339);
    const entries = xml.split('<entry>').slice(1);
    expect(entries.length).toBe(feed.items.length);
    expect(feed.items.length).toBeGreaterThanOrEqual(10);
    for (const [i, entry] of entries.entries()) {
      expect(entry.match(/<id>/g)).toHaveLength(1);
      expect(entry.match(/<title[ >]/g)).toHaveLength(1);
      expect(/<updated>([^<]+)<\/updated>/.exec(entry)![1]).toMatch(RFC3339);
      expect(/<published>([^<]+)<\/published>/.exec(entry)![1]).toMatch(RFC3339);
      expect(new Date(/<updated>([^<]+)<\/updated>/.exec(entry)![1]!).getTime()).toBeLessThanOrEqual(new Date(feedUpdated).getTime());
      const item = feed.items[i]!;
      expect(item.id).toMatch(new RegExp(`^${PUBLIC_URL}/subprocessors/changes/\\d+$`));
      expect(item.url).toBe(item.id);
      expect(item.title).toMatch(/^(Addition of|Change to|Removal of) .+: (takes effect|effective) \d{1,2} [A-Z][a-z]+ \d{4}$/);
      expect(item.description).toMatch(/(Takes|Took) effect on \d{1,2} [A-Z][a-z]+ \d{4}\./);
      expect(item.authors[0]?.name).toBe('Example Privacy');
    }
    expect(new Set(feed.items.map((i) => i.id)).size).toBe(feed.items.length);
  });

  it('RSS 2.0: well-formed, channel and items complete, RFC 822 dates, permanent guids', async () => {
    const xml = await (await get('/subprocessors/feed.rss')).text();
    xmllint(xml);
    const feed = parseFeed(xml);
    expect(feed.meta.type).toBe('rss');
    expect(feed.meta.version).toBe('2.0');
    expect(feed.title).toBe('Subprocessor changes');
    expect(feed.url).toBe(`${PUBLIC_URL}/subprocessors`);
    expect(feed.description).toContain('announced before they take effect');
    expect(feed.language).toBe('en');
    expect(/<lastBuildDate>([^<]+)<\/lastBuildDate>/.exec(xml)![1]).toMatch(RFC822);
    const items = xml.split('<item>').slice(1);
    expect(items.length).toBe(feed.items.length);
    for (const [i, item] of items.entries()) {
      expect(/<pubDate>([^<]+)<\/pubDate>/.exec(item)![1]).toMatch(RFC822);
      // RSS 2.0 wants an email address in <author>.
      expect(/<author>([^<]+)<\/author>/.exec(item)![1]).toBe('privacy@example.test (Example Privacy)');
      expect(item).toMatch(/<guid isPermaLink="false">https:\/\/privacy\.example\.test\/subprocessors\/changes\/\d+<\/guid>/);
      expect(feed.items[i]!.title).toBeTruthy();
      expect(feed.items[i]!.url).toMatch(/\/subprocessors\/changes\/\d+$/);
    }
    const again = parseFeed(await (await get('/subprocessors/feed.rss')).text());
    expect(again.items.map((i) => i.id)).toEqual(feed.items.map((i) => i.id));
  });

  it('JSON Feed 1.1: version, required fields, authors, RFC 3339 dates, the same ids as the XML feeds', async () => {
    const res = await get('/subprocessors/feed.json');
    expect(res.headers.get('content-type')).toBe('application/feed+json; charset=utf-8');
    const doc = await res.json();
    expect(doc.version).toBe('https://jsonfeed.org/version/1.1');
    expect(doc.title).toBe('Subprocessor changes');
    expect(doc.home_page_url).toBe(`${PUBLIC_URL}/subprocessors`);
    expect(doc.feed_url).toBe(`${PUBLIC_URL}/subprocessors/feed.json`);
    expect(doc.language).toBe('en');
    expect(doc.author).toBeUndefined();
    expect(doc.authors).toEqual([{ name: 'Example Privacy', url: PUBLIC_URL }]);
    const atom = parseFeed(await (await get('/subprocessors/feed.atom')).text());
    expect(doc.items.map((i: { id: string }) => i.id)).toEqual(atom.items.map((i) => i.id));
    for (const item of doc.items) {
      expect(typeof item.id).toBe('string');
      expect(item.url).toBe(item.id);
      expect(item.content_html).toMatch(/(Takes|Took) effect on/);
      expect(item.date_published).toMatch(RFC3339);
      expect(item.author).toBeUndefined();
      expect(item.authors[0].name).toBe('Example Privacy');
      expect(item._subprocessor.effective_on).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it('in German and French at ?lng=, with links to the pages in that language; the page offers its own language’s feeds', async () => {
    const atom = parseFeed(await (await get('/subprocessors/feed.atom')).text());
    for (const [lang, title, added] of [
      ['de', 'Änderungen bei Unterauftragsverarbeitern', /^(Aufnahme von|Änderung bei|Entfernung von) .+: (gilt ab|in Kraft seit) \d{1,2}\. [A-ZÄÖÜ][a-zäöü]+ \d{4}$/],
      ['fr', 'Changements de sous-traitants', /^(Ajout|Modification|Retrait) de .+ : (prend effet le|en vigueur depuis le) \d{1,2}(er)? [a-zéû]+ \d{4}$/],
    ] as const) {
      const res = await get(`/subprocessors/feed.atom?lng=${lang}`);
      expect(res.headers.get('content-language')).toBe(lang);
      const xml = await res.text();
      xmllint(xml);
      const feed = parseFeed(xml);
      expect(feed.title).toBe(title);
      expect(feed.language).toBe(lang);
      expect(xml).toContain(`<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${lang}">`);
      expect(feed.self).toBe(`${PUBLIC_URL}/subprocessors/feed.atom?lng=${lang}`);
      // The same entries as the English feed, under the same ids; links open the page in this language.
      expect(feed.items.map((i) => i.id)).toEqual(atom.items.map((i) => i.id));
      for (const item of feed.items) {
        expect(item.title).toMatch(added);
        expect(item.url).toBe(`${item.id}?lng=${lang}`);
      }
      const rss = parseFeed(await (await get(`/subprocessors/feed.rss?lng=${lang}`)).text());
      expect(rss.title).toBe(title);
      expect(rss.language).toBe(lang);
      const json = await (await get(`/subprocessors/feed.json?lng=${lang}`)).json();
      expect(json.language).toBe(lang);
      expect(json.feed_url).toBe(`${PUBLIC_URL}/subprocessors/feed.json?lng=${lang}`);
      expect(json.items[0].title).toMatch(added);
      // A conditional request for this language's feed is answered 304; another language's tag does not match.
      const etag = res.headers.get('etag')!;
      expect((await get(`/subprocessors/feed.atom?lng=${lang}`, { 'If-None-Match': etag })).status).toBe(304);
      expect((await get('/subprocessors/feed.atom', { 'If-None-Match': etag })).status).toBe(200);
    }
    // German prose in a German item: the mechanism and the countries are named in German.
    const de = parseFeed(await (await get('/subprocessors/feed.rss?lng=de')).text());
    expect(de.items.map((i) => i.description).join(' ')).toMatch(/Übermittlungsgarantie: .*(Standardvertragsklauseln|Angemessenheitsbeschluss|Keine Übermittlung)/);
    expect(de.items.map((i) => i.description).join(' ')).toContain('Deutschland');
    // An unknown language falls back to English rather than failing.
    expect(parseFeed(await (await get('/subprocessors/feed.atom?lng=xx')).text()).title).toBe('Subprocessor changes');

    const page = await (await get('/subprocessors', { 'Accept-Language': 'de' })).text();
    expect(page).toMatch(/<link rel="alternate" type="application\/rss\+xml" title="Änderungen bei Unterauftragsverarbeitern \(RSS\)" href="\/subprocessors\/feed.rss\?lng=de"/);
    expect(page).toContain('href="/subprocessors/feed.atom?lng=de"');
  });
});
