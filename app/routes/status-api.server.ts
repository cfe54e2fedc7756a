/**
 * The loader behind every `/api/v2/*.json` document: Statuspage's shapes, readable from any
 * origin (widgets run on other sites), a strong ETag answered with 304, and `stale-if-error`.
 * The query string is ignored, so no input can make these fail.
 */
import type { LoaderFunctionArgs } from '@remix-run/node';
import { apiDocument, type ApiDocument } from '~/models/status/api.server';
import { loadRecent, loadStatusView } from '~/models/status/page.server';
import { etagOf, isFresh, STATUS_CACHE_CONTROL } from '~/routes/service-status.server';

const NEEDS_RECENT = new Set<ApiDocument>(['incidents', 'maintenances']);

export async function statusApiResource({ request, context }: LoaderFunctionArgs, which: ApiDocument): Promise<Response> {
  const view = await loadStatusView(context.db, { timeZone: context.config.timeZone });
  const recent = NEEDS_RECENT.has(which) ? await loadRecent(context.db) : { incidents: [], maintenance: [] };
  const body = JSON.stringify(apiDocument(which, view, recent, context.config));
  const etag = etagOf(body);
  const headers = {
    'Content-Type': 'application/json; charset=utf-8',
    ETag: etag,
    'Cache-Control': STATUS_CACHE_CONTROL,
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers': 'ETag',
    // Widgets on other sites read these: the site-wide same-origin resource policy does not apply.
    'Cross-Origin-Resource-Policy': 'cross-origin',
  };
  if (isFresh(request, etag)) return new Response(null, { status: 304, headers });
  return new Response(body, { headers });
}
