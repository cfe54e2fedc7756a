import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planAddition } from '../../app/models/subprocessors/registry.server';
import { addDays, todayIn } from '../../app/utils/calendar';
import { startTestPortal, type TestPortal } from '../support/portal';

// The public document cache in front of Express (app/utils/public-cache.server.ts).
let portal: TestPortal;
beforeAll(async () => {
  portal = await startTestPortal({ SUBPROCESSOR_DEMO: 'on' });
});
afterAll(async () => {
  await portal?.stop();
});

const PATHS = ['/subprocessors', '/subprocessors.json', '/subprocessors/feed.rss', '/subprocessors/feed.atom', '/subprocessors/feed.json', '/subprocessors/feed.rss?lng=de', '/subprocessors/feed.json?lng=fr'];
const get = (p: string, headers: Record<string, string> = {}) => fetch(portal.url + p, { headers });

function securityHeaders(res: Response) {
  const names = ['x-content-type-options', 'x-frame-options', 'referrer-policy', 'permissions-policy', 'cross-origin-opener-policy'];
  return Object.fromEntries(names.map((n) => [n, res.headers.get(n)]));
}

describe('public document cache', () => {
  it('serves the same bytes Remix renders (as a signed-in visitor gets them) with the same security headers', async () => {
    const cached = await get('/subprocessors');
    // A Cookie header sends the page through Express and Remix, rendered afresh.
    const rendered = await get('/subprocessors', { Cookie: 'unrelated=1' });
    const a = await cached.text();
    const b = await rendered.text();
    expect(cached.status).toBe(200);
    expect(a).toBe(b);
    expect(securityHeaders(cached)).toEqual(securityHeaders(rendered));
    expect(cached.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('puts no script and no nonce into a page a shared cache may keep', async () => {
    const res = await get('/subprocessors');
    expect(res.headers.get('cache-control')).toContain('public');
    const body = await res.text();
    expect(body).not.toContain('<script');
    expect(body).not.toContain('nonce');
    expect(res.headers.get('content-security-policy')).not.toContain('nonce-');
  });

  it('answers 304 to a current tag with the validators and security headers, and no CSP (as Express does)', async () => {
    for (const p of PATHS) {
      const full = await get(p);
      const etag = full.headers.get('etag')!;
      const res = await get(p, { 'If-None-Match': etag });
      expect(res.status, p).toBe(304);
      expect(res.headers.get('etag')).toBe(etag);
      expect(res.headers.get('cache-control')).toBe(full.headers.get('cache-control'));
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toBeNull();
      expect(await res.text()).toBe('');
    }
  });

  it('sends brotli or gzip when asked, decoding to the same bytes', async () => {
    const plain = await (await get('/subprocessors.json', { 'Accept-Encoding': 'identity' })).text();
    for (const encoding of ['br', 'gzip']) {
      const res = await get('/subprocessors.json', { 'Accept-Encoding': encoding });
      expect(res.headers.get('content-encoding')).toBe(encoding);
      expect(res.headers.get('vary')).toMatch(/accept-encoding/i);
      expect(await res.text()).toBe(plain); // fetch decodes
    }
  });

  it('shows a registry write at once, whether made through the models or another request', async () => {
    const before = await get('/subprocessors.json');
    const tag = before.headers.get('etag');
    await planAddition(
      portal.db,
      {
        details: {
          name: 'Freshly Cached',
          legalEntity: 'Freshly Cached BV',
          purpose: 'Testing the cache',
          dataCategories: ['None'],
          locations: ['NL'],
          transferMechanism: 'eea-only',
          website: 'https://fresh.example/',
        },
        effectiveOn: addDays(todayIn(portal.config.timeZone), 30),
      },
      { actorId: null, timeZone: portal.config.timeZone, noticeDays: 30 },
    );
    const after = await get('/subprocessors.json');
    expect(after.headers.get('etag')).not.toBe(tag);
    expect(await after.text()).toContain('Freshly Cached');
    expect(await (await get('/subprocessors')).text()).toContain('Freshly Cached');
  });

  it('sees a write by another instance (the version in the database) within a second', async () => {
    const before = await get('/subprocessors/feed.json');
    await sql`update subprocessor_registry_state set version = version + 1 where id = 1`.execute(portal.db);
    await new Promise((r) => setTimeout(r, 1_100));
    const after = await get('/subprocessors/feed.json');
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
  });

  it('keeps one entry per feed language, the same bytes Remix renders', async () => {
    for (const lang of ['de', 'fr']) {
      const cached = await get(`/subprocessors/feed.atom?lng=${lang}`);
      // Any other query goes through Express and Remix.
      const rendered = await get(`/subprocessors/feed.atom?lng=${lang}&fresh=1`);
      expect(await cached.text()).toBe(await rendered.text());
      expect(cached.headers.get('content-language')).toBe(lang);
    }
    expect(await (await get('/subprocessors/feed.atom?lng=de')).text()).not.toBe(await (await get('/subprocessors/feed.atom?lng=fr')).text());
  });

  it('leaves other queries and bad dates to Remix', async () => {
    expect((await get('/subprocessors?at=not-a-date')).status).toBe(400);
    expect((await get('/subprocessors?at=2999-01-01')).status).toBe(400);
    expect((await get('/subprocessors.json?at=2999-01-01')).status).toBe(400);
    const past = await get('/subprocessors?at=2020-01-01');
    expect(past.status).toBe(200);
    expect(await past.text()).not.toContain('<script');
  });
});
