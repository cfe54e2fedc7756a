import type { LoaderFunctionArgs } from '@remix-run/node';
import { buildFeed, registryJson, registryValidators, toJsonFeed11 } from '~/models/subprocessors/feeds.server';
import { cacheHeaders, notModified } from '~/utils/http-cache.server';
import { isIsoDate, todayIn } from '~/models/subprocessors/rules';
import { loadRegistry, loadRegistryState } from '~/models/subprocessors/registry.server';

type Format = 'json' | 'rss' | 'atom' | 'jsonfeed';

const CONTENT_TYPES: Record<Format, string> = {
  json: 'application/json; charset=utf-8',
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  jsonfeed: 'application/feed+json; charset=utf-8',
};

/** The loader shared by /subprocessors.json and the three feeds: validators first, body only if needed. */
export async function registryResource({ request, context }: LoaderFunctionArgs, format: Format): Promise<Response> {
  const at = format === 'json' ? new URL(request.url).searchParams.get('at') || undefined : undefined;
  const today = todayIn(context.config.timeZone);
  const validators = registryValidators(await loadRegistryState(context.db, today), context.config, `${format}:${at ?? ''}`, today);
  if (at !== undefined && (!isIsoDate(at) || at > validators.today)) {
    return Response.json({ error: `at must be a date (YYYY-MM-DD) up to ${validators.today}` }, { status: 400 });
  }
  const fresh = notModified(request, validators);
  if (fresh) return fresh;
  // Read after the validators: a change in between makes the body newer than its tag, never older.
  const registry = await loadRegistry(context.db);
  let body: string;
  if (format === 'json') {
    body = JSON.stringify(registryJson(registry, context.config, validators.today, at), null, 2);
  } else {
    const feed = buildFeed(registry, context.config, validators.lastModified, validators.today);
    body = format === 'rss' ? feed.rss2() : format === 'atom' ? feed.atom1() : toJsonFeed11(feed, registry, context.config);
  }
  return new Response(body, {
    headers: { 'Content-Type': CONTENT_TYPES[format], ...cacheHeaders(validators), 'Access-Control-Allow-Origin': '*' },
  });
}
