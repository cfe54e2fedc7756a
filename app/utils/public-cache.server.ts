import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { ifNoneMatchMatches } from '~/utils/http-cache.server';
import { redactText } from '~/utils/redact';

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

/** Paths served from the cache, exactly; any query other than `?at=` on the page and JSON goes to Remix. */
const CACHEABLE = new Map<string, { query: readonly string[]; anonymousOnly: boolean }>([
  ['/subprocessors', { query: ['at'], anonymousOnly: true }],
  ['/subprocessors.json', { query: ['at'], anonymousOnly: false }],
  ['/subprocessors/feed.rss', { query: [], anonymousOnly: false }],
  ['/subprocessors/feed.atom', { query: [], anonymousOnly: false }],
  ['/subprocessors/feed.json', { query: [], anonymousOnly: false }],
]);

const MAX_ENTRIES = 500;
const VERSION_CHECK_MS = 1_000;
const COMPRESS_MIN_BYTES = 1024;

type Entry = {
  stamp: string;
  headers: [string, string][];
  /** The headers a 304 repeats (RFC 9110 15.4.5): validators, caching, Vary. */
  notModifiedHeaders: [string, string][];
  etag: string | undefined;
  lastModified: number | undefined;
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
};

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
  function keyOf(req: IncomingMessage): { key: string; url: string } | undefined {
    if (req.method !== 'GET' && req.method !== 'HEAD') return undefined;
    const raw = req.url ?? '';
    const q = raw.indexOf('?');
    const pathname = q === -1 ? raw : raw.slice(0, q);
    const rule = CACHEABLE.get(pathname);
    if (!rule) return undefined;
    if (rule.anonymousOnly && req.headers.cookie) return undefined;
    if (q === -1) return { key: pathname, url: pathname };
    const params = new URLSearchParams(raw.slice(q + 1));
    const names = [...params.keys()];
    if (names.length > 1 || names.some((name) => !rule.query.includes(name))) return undefined;
    const at = params.get('at');
    if (at === null || at === '') return { key: pathname, url: pathname };
    if (!/^\d{4}-\d{2}-\d{2}$/.test(at)) return undefined;
    return { key: `${pathname}?at=${at}`, url: `${pathname}?at=${at}` };
  }

  async function build(url: string, stamp: string): Promise<Entry | undefined> {
    const response = await options.render(url, {});
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
    if (compress) {
      headers.push(['vary', 'Accept-Encoding']);
      notModifiedHeaders.push(['vary', 'Accept-Encoding']);
    }
    return {
      stamp,
      headers,
      notModifiedHeaders,
      etag,
      lastModified: lastModifiedHeader ? Date.parse(lastModifiedHeader) : undefined,
      identity: body,
      gzip: compress ? gzipSync(body, { level: 9 }) : undefined,
      br: compress
        ? brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } })
        : undefined,
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

  function send(req: IncomingMessage, res: ServerResponse, entry: Entry, started: bigint) {
    let status = 200;
    if (isNotModified(req, entry)) {
      status = 304;
      for (const [name, value] of options.securityHeaders.notModified) res.setHeader(name, value);
      for (const [name, value] of entry.notModifiedHeaders) res.setHeader(name, value);
      res.writeHead(304);
      res.end();
    } else {
      const accept = req.headers['accept-encoding'] ?? '';
      const [encoding, body] =
        entry.br && /\bbr\b/.test(accept)
          ? ['br', entry.br]
          : entry.gzip && /\bgzip\b/.test(accept)
            ? ['gzip', entry.gzip]
            : [undefined, entry.identity];
      for (const [name, value] of options.securityHeaders.full) res.setHeader(name, value);
      for (const [name, value] of entry.headers) res.setHeader(name, value);
      if (encoding) res.setHeader('Content-Encoding', encoding);
      res.setHeader('Content-Length', body.length);
      res.writeHead(200);
      res.end(req.method === 'HEAD' ? undefined : body);
    }
    options.logger.info(
      {
        req: { method: req.method, url: redactText(req.url ?? '') },
        res: { statusCode: status },
        responseTime: Number(process.hrtime.bigint() - started) / 1e6,
        cache: 'public',
      },
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
    const stamp = `${await currentVersion()}|${options.today()}|${options.buildVersion}`;
    let entry = entries.get(target.key);
    if (!entry || entry.stamp !== stamp) {
      entry = await build(target.url, stamp);
      if (!entry) return false;
      if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
      entries.set(target.key, entry);
    }
    send(req, res, entry, started);
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
