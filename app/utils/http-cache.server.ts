import { createHash } from 'node:crypto';
import { startOfDayIn } from '~/utils/calendar';

/** HTTP cache validators for the public registry: pure, shared by the page, JSON and feeds. */

/**
 * A weak validator from what the representation depends on: the stored registry version (the
 * same on every instance), the calendar day (planned changes take effect at midnight without a
 * write) and the representation itself (page, JSON, each feed, ?at=).
 */
export function registryEtag(parts: { version: string; today: string; variant: string }): string {
  const hash = createHash('sha256').update(`${parts.version}\n${parts.today}\n${parts.variant}`).digest('base64url');
  return `W/"${hash.slice(0, 27)}"`;
}

/** If-None-Match with weak comparison (RFC 9110 13.1.2): a list of tags or `*`. */
export function ifNoneMatchMatches(header: string | null, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => opaque(tag) === opaque(etag));
}

/**
 * Last-Modified: the later of the last write and the start of the day the latest change took
 * effect, truncated to seconds as HTTP dates are.
 */
export function registryLastModified(options: {
  updatedAt: Date;
  lastEffective: string | undefined;
  timeZone: string;
}): Date {
  let ms = options.updatedAt.getTime();
  if (options.lastEffective) ms = Math.max(ms, startOfDayIn(options.lastEffective, options.timeZone).getTime());
  return new Date(Math.floor(ms / 1000) * 1000);
}

/** If-Modified-Since is only consulted when there is no If-None-Match (RFC 9110 13.2.2). */
export function isNotModified(
  headers: { ifNoneMatch: string | null; ifModifiedSince: string | null },
  validators: { etag: string; lastModified: Date },
): boolean {
  if (headers.ifNoneMatch) return ifNoneMatchMatches(headers.ifNoneMatch, validators.etag);
  if (!headers.ifModifiedSince) return false;
  const since = Date.parse(headers.ifModifiedSince);
  return !Number.isNaN(since) && validators.lastModified.getTime() <= since;
}

// A CDN may keep a copy for five minutes; browsers revalidate after one (a 304 is cheap).
export const PUBLIC_CACHE_CONTROL = 'public, max-age=60, s-maxage=300, stale-while-revalidate=60';

export function cacheHeaders(validators: { etag: string; lastModified: Date }): Record<string, string> {
  return {
    ETag: validators.etag,
    'Last-Modified': validators.lastModified.toUTCString(),
    'Cache-Control': PUBLIC_CACHE_CONTROL,
  };
}

/** A 304 when the client's copy is current, else undefined (the caller builds the body). */
export function notModified(request: Request, validators: { etag: string; lastModified: Date }): Response | undefined {
  const fresh = isNotModified(
    { ifNoneMatch: request.headers.get('If-None-Match'), ifModifiedSince: request.headers.get('If-Modified-Since') },
    validators,
  );
  return fresh ? new Response(null, { status: 304, headers: cacheHeaders(validators) }) : undefined;
}

