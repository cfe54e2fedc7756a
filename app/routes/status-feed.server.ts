/**
 * The loader of the status feeds. Their language is in the URL (`?lng=de`): feed readers send
 * no cookie; anything else in the query is ignored, so no input can make a feed fail.
 */
import type { LoaderFunctionArgs } from '@remix-run/node';
import { loadPageState } from '~/models/status/components.server';
import { buildStatusFeed, renderStatusFeed, type StatusFeedFormat } from '~/models/status/feeds.server';
import { loadRecent } from '~/models/status/page.server';
import { etagOf, isFresh, STATUS_CACHE_CONTROL } from '~/routes/service-status.server';
import { DEFAULT_LANGUAGE, isLanguage, type Language } from '~/utils/i18n';

const CONTENT_TYPES: Record<StatusFeedFormat, string> = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  jsonfeed: 'application/feed+json; charset=utf-8',
};

export async function statusFeedResource({ request, context }: LoaderFunctionArgs, format: StatusFeedFormat): Promise<Response> {
  const requested = new URL(request.url).searchParams.get('lng');
  const lang: Language = isLanguage(requested) ? requested : DEFAULT_LANGUAGE;
  const [state, recent] = await Promise.all([loadPageState(context.db), loadRecent(context.db)]);
  const feed = buildStatusFeed([...recent.incidents, ...recent.maintenance], context.config, state.updatedAt, lang);
  const body = renderStatusFeed(feed, format, lang);
  const etag = etagOf(body);
  const headers = {
    'Content-Type': CONTENT_TYPES[format],
    'Content-Language': lang,
    ETag: etag,
    'Cache-Control': STATUS_CACHE_CONTROL,
    'Access-Control-Allow-Origin': '*',
    'Cross-Origin-Resource-Policy': 'cross-origin',
  };
  if (isFresh(request, etag)) return new Response(null, { status: 304, headers });
  return new Response(body, { headers });
}
