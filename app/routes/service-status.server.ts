/**
 * HTTP helpers of the public status routes: the page's data in the reader's language, and the
 * caching every public status document gets. The page and the API may be served stale for a
 * day when the portal errors (`stale-if-error`, RFC 5861), so a CDN in front keeps showing
 * the last known status while the portal itself is down.
 */
import { createHash } from 'node:crypto';
import type { LoaderFunctionArgs } from '@remix-run/node';
import { ifNoneMatchMatches } from '~/utils/http-cache.server';
import { languageOf } from '~/utils/language.server';
import { formatInstant } from '~/utils/i18n';
import { loadBars, loadStatusView } from '~/models/status/page.server';
import { presentComponents, presentIncident, zoneName } from '~/models/status/present.server';

export const STATUS_CACHE_CONTROL = 'public, max-age=30, stale-while-revalidate=30, stale-if-error=86400';
export const BAR_DAYS = 90;

/** A strong validator from the bytes (or the data) a document is made of. */
export function etagOf(...parts: string[]): string {
  return `"${createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 32)}"`;
}

/**
 * Headers for a public status document: shared caches only when no cookie came (a signed-in
 * visitor's page names them in its header).
 */
export function publicStatusHeaders(request: Request, etag: string): Record<string, string> {
  const personal = request.headers.has('Cookie');
  return {
    ETag: etag,
    'Cache-Control': personal ? 'private, no-cache' : STATUS_CACHE_CONTROL,
    Vary: 'Accept-Language, Cookie',
  };
}

export function isFresh(request: Request, etag: string): boolean {
  return ifNoneMatchMatches(request.headers.get('If-None-Match'), etag);
}

export async function statusPageData({ request, context }: LoaderFunctionArgs) {
  const lang = languageOf(request);
  const { timeZone } = context.config;
  const view = await loadStatusView(context.db, { timeZone });
  const bars = await loadBars(context.db, view, { timeZone, days: BAR_DAYS });
  const names = new Map(view.components.map((c) => [c.id, c.name]));
  const present = (list: typeof view.open) => list.map((i) => presentIncident(i, lang, timeZone, names));
  const data = {
    banner: view.rollup.indicator,
    noData: view.components.some((c) => !c.isGroup && c.current === 'no_data'),
    zone: zoneName(lang, timeZone, view.now),
    // To the minute: the page is the same for a minute, so its tag is too.
    asOf: formatInstant(lang, new Date(Math.floor(view.now.getTime() / 60_000) * 60_000).toISOString(), timeZone),
    incidents: present(view.unresolved),
    activeMaintenance: present(view.activeMaintenance),
    upcomingMaintenance: present(view.upcomingMaintenance),
    groups: presentComponents(view, bars, lang),
    days: BAR_DAYS,
    feedQuery: lang === 'en' ? '' : `?lng=${lang}`,
  };
  const etag = etagOf(context.buildVersion, lang, JSON.stringify(data));
  const headers = publicStatusHeaders(request, etag);
  const notModified = !request.headers.has('Cookie') && isFresh(request, etag) ? new Response(null, { status: 304, headers }) : undefined;
  return { data, headers, notModified };
}
