import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { ifNoneMatchMatches } from '~/utils/http-cache.server';
import { DEFAULT_LANGUAGE, isLanguage } from '~/utils/i18n';
import { languageFromAcceptLanguage } from '~/utils/language.server';

/**
 * The public registry documents (page, JSON, feeds) change a few times a year and are read all
 * the time. Each is rendered once by Remix per registry version, calendar day and build, kept
 * in memory with its gzip and brotli forms, and served (or answered 304) before Express and
 * Remix are reached. Decision record: docs/decisions/023-public-document-cache.md.
 *
 * Freshness: the registry version is read from the database at most once a second (so another
 * instance's write shows here within a second) and at once after any state-changing request
 * this instance served or a registry write in this process (`markRegistryChanged`).
 */

/**
 * Paths served from the cache, exactly; any query other than `?at=` on the page and JSON, or a
 * feed's `?lng=` naming one of our languages, goes to Remix.
 */
const CACHEABLE = new Map<string, { query: readonly string[]; anonymousOnly: boolean }>([
  ['/subprocessors', { query: ['at'], anonymousOnly: true }],
  ['/subprocessors.json', { query: ['at'], anonymousOnly: false }],
  ['/subprocessors/feed.rss', { query: ['lng'], anonymousOnly: false }],
  ['/subprocessors/feed.atom', { query: ['lng'], anonymousOnly: false }],
  ['/subprocessors/feed.json', { query: ['lng'], anonymousOnly: false }],
]);

const MAX_ENTRIES = 500;
const VERSION_CHECK_MS = 1_000;
const COMPRESS_MIN_BYTES = 1024;

/** Headers as `writeHead` takes them fastest: name, value, name, value ... */
type FlatHeaders = string[];

type Entry = {
  stamp: string;
  /** Every header of a full response, security headers included, per encoding (Content-Length too). */
  full: { identity: FlatHeaders; gzip?: FlatHeaders; br?: FlatHeaders };
  /** The headers a 304 repeats (RFC 9110 15.4.5): validators, caching, Vary, and the security headers. */
  notModified: FlatHeaders;
  etag: string | undefined;
  lastModified: number | undefined;
  /** The Remix route id for the histogram, matched once when the entry is built. */
  route: string;
  identity: Buffer;
  gzip: Buffer | undefined;
  br: Buffer | undefined;
};

export type PublicCacheOptions = {
  /** Renders one document through Remix, exactly as a request would. */
  render: (url: string, headers: Record<string, string>) => Promise<Response>;
  /** The stored registry version (one small query). */
  registryVersion: () => Promise<string>;
  /** Today's date where the registry's dates are counted (it changes what is planned vs. past). */
  today: () => string;
  buildVersion: string;
  /** Security headers for a full response and for a 304 (the latter without a CSP, as Express sends). */
  securityHeaders: { full: [string, string][]; notModified: [string, string][] };
  logger: { info: (obj: object, msg: string) => void; error: (obj: object, msg: string) => void };
  /** The HTTP latency histogram, so cached answers are counted like Express's (route id found once per entry). */
  metrics?: { routeIdOf: (pathname: string) => string; record: (route: string, method: string, status: number, seconds: number) => void };
};

/**
 * Later headers replace earlier ones of the same name (as `setHeader` would), except Vary, whose
 * values are merged; the result is flat, computed once per entry.
 */
function flatten(...groups: Array<Array<[string, string]>>): FlatHeaders {
  const byName = new Map<string, [string, string]>();
  for (const group of groups) {
    for (const [name, value] of group) {
      const key = name.toLowerCase();
      const existing = byName.get(key);
      if (key === 'vary' && existing) {
        const values = new Set([...existing[1].split(','), ...value.split(',')].map((v) => v.trim()).filter(Boolean));
        byName.set(key, [existing[0], [...values].join(', ')]);
      } else {
        byName.set(key, [name, value]);
      }
    }
  }
  return [...byName.values()].flat();
}

const globalKey = Symbol.for('privacy-portal.registry-changed');
type Listeners = Set<() => void>;
function listeners(): Listeners {
  const g = globalThis as unknown as Record<symbol, Listeners | undefined>;
  return (g[globalKey] ??= new Set());
}

/**
 * Called by registry writes. Kept on globalThis so a write from any copy of the models in this
 * process (the Remix build, a script, a test) reaches the cache.
 */
export function markRegistryChanged() {
  for (const listener of listeners()) listener();
}

export function createPublicCache(options: PublicCacheOptions) {
  const entries = new Map<string, Entry>();
  let version: string | undefined;
  let checkedAt = 0;
  let pending: Promise<string> | undefined;
  const invalidate = () => {
    checkedAt = 0;
  };
  listeners().add(invalidate);

  async function currentVersion(): Promise<string> {
    if (version !== undefined && Date.now() - checkedAt < VERSION_CHECK_MS) return version;
    pending ??= options
      .registryVersion()
      .then((v) => {
        version = v;
        checkedAt = Date.now();
        return v;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  }

  /** The cache key, or undefined when this request is not one the cache answers. */
  function keyOf(req: IncomingMessage): { key: string; url: string; lang: string } | undefined {
    if (req.method !== 'GET' && req.method !== 'HEAD') return undefined;
    const raw = req.url ?? '';
    const q = raw.indexOf('?');
    const pathname = q === -1 ? raw : raw.slice(0, q);
    const rule = CACHEABLE.get(pathname);
    if (!rule) return undefined;
    if (rule.anonymousOnly && req.headers.cookie) return undefined;
    // The page speaks the visitor's language (Accept-Language; `?lng=` and the cookie go to
    // Express, which remembers the choice): one entry per language.
    const lang = rule.anonymousOnly ? (languageFromAcceptLanguage(req.headers['accept-language']) ?? DEFAULT_LANGUAGE) : DEFAULT_LANGUAGE;
    const prefix = rule.anonymousOnly ? `${lang}:` : '';
    if (q === -1) return { key: `${prefix}${pathname}`, url: pathname, lang };
    const params = new URLSearchParams(raw.slice(q + 1));
    const names = [...params.keys()];
    if (names.length > 1 || names.some((name) => !rule.query.includes(name))) return undefined;
    const lng = params.get('lng');
    if (lng !== null) return isLanguage(lng) ? { key: `${pathname}?lng=${lng}`, url: `${pathname}?lng=${lng}`, lang } : undefined;
    const at = params.get('at');
    if (at === null || at === '') return { key: `${prefix}${pathname}`, url: pathname, lang };
    if (!/^\d{4}-\d{2}-\d{2}$/.test(at)) return undefined;
    return { key: `${prefix}${pathname}?at=${at}`, url: `${pathname}?at=${at}`, lang };
  }

  async function build(url: string, stamp: string, lang: string): Promise<Entry | undefined> {
    const response = await options.render(url, { 'accept-language': lang });
    const body = Buffer.from(await response.arrayBuffer());
    if (response.status !== 200) return undefined;
    const headers: [string, string][] = [];
    response.headers.forEach((value, name) => {
      if (name !== 'content-length' && name !== 'set-cookie') headers.push([name, value]);
    });
    if (response.headers.has('set-cookie')) return undefined;
    const compress = body.length >= COMPRESS_MIN_BYTES;
    const etag = response.headers.get('etag') ?? undefined;
    const lastModifiedHeader = response.headers.get('last-modified');
    const notModifiedHeaders = headers.filter(([name]) =>
      ['etag', 'last-modified', 'cache-control', 'expires', 'vary', 'access-control-allow-origin'].includes(name),
    );
    const vary: [string, string][] = compress ? [['vary', 'Accept-Encoding']] : [];
    const gzip = compress ? gzipSync(body, { level: 9 }) : undefined;
    const br = compress
      ? brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } })
      : undefined;
    const fullHeaders = (extra: [string, string][]) => flatten(options.securityHeaders.full, headers, vary, extra);
    return {
      stamp,
      full: {
        identity: fullHeaders([['content-length', String(body.length)]]),
        gzip: gzip ? fullHeaders([['content-encoding', 'gzip'], ['content-length', String(gzip.length)]]) : undefined,
        br: br ? fullHeaders([['content-encoding', 'br'], ['content-length', String(br.length)]]) : undefined,
      },
      notModified: flatten(options.securityHeaders.notModified, notModifiedHeaders, vary),
      etag,
      lastModified: lastModifiedHeader ? Date.parse(lastModifiedHeader) : undefined,
      route: options.metrics?.routeIdOf(url.split('?')[0]!) ?? 'unmatched',
      identity: body,
      gzip,
      br,
    };
  }

  function isNotModified(req: IncomingMessage, entry: Entry): boolean {
    const ifNoneMatch = req.headers['if-none-match'];
    if (ifNoneMatch) return entry.etag !== undefined && ifNoneMatchMatches(ifNoneMatch, entry.etag);
    const since = req.headers['if-modified-since'];
    if (!since || entry.lastModified === undefined) return false;
    const ms = Date.parse(since);
    return !Number.isNaN(ms) && entry.lastModified <= ms;
  }

  function send(req: IncomingMessage, res: ServerResponse, entry: Entry, url: string, started: bigint) {
    let status = 200;
    if (isNotModified(req, entry)) {
      status = 304;
      res.writeHead(304, entry.notModified);
      res.end();
    } else {
      const accept = req.headers['accept-encoding'] ?? '';
      const [headers, body] =
        entry.br && entry.full.br && accept.includes('br') && /\bbr\b/.test(accept)
          ? [entry.full.br, entry.br]
          : entry.gzip && entry.full.gzip && accept.includes('gzip') && /\bgzip\b/.test(accept)
            ? [entry.full.gzip, entry.gzip]
            : [entry.full.identity, entry.identity];
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
    }
    const elapsed = Number(process.hrtime.bigint() - started);
    options.metrics?.record(entry.route, req.method ?? 'GET', status, elapsed / 1e9);
    // `url` is the cache key's path (only `?at=` survives), so it holds no credential to mask.
    options.logger.info(
      { req: { method: req.method, url }, res: { statusCode: status }, responseTime: elapsed / 1e6, cache: 'public' },
      'request completed',
    );
  }

  /**
   * Answers the request from the cache and resolves true, or resolves false when the request
   * is not one it serves (Express takes it from there, untouched).
   */
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const target = keyOf(req);
    if (!target) return false;
    const started = process.hrtime.bigint();
    // The version is re-read at most once a second; between reads no promise is awaited.
    const current = version !== undefined && Date.now() - checkedAt < VERSION_CHECK_MS ? version : await currentVersion();
    const stamp = `${current}|${options.today()}|${options.buildVersion}`;
    let entry = entries.get(target.key);
    if (!entry || entry.stamp !== stamp) {
      entry = await build(target.url, stamp, target.lang);
      if (!entry) return false;
      if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
      entries.set(target.key, entry);
    }
    send(req, res, entry, target.url, started);
    return true;
  }

  return {
    handle,
    invalidate,
    close: () => {
      listeners().delete(invalidate);
      entries.clear();
    },
  };
}
