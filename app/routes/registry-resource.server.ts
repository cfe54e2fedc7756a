import type { LoaderFunctionArgs } from '@remix-run/node';
import { buildFeed, registryCsv, registryJson, registryValidators, toJsonFeed11 } from '~/models/subprocessors/feeds.server';
import { cacheHeaders, notModified } from '~/utils/http-cache.server';
import { isIsoDate, todayIn } from '~/models/subprocessors/rules';
import { loadRegistry, loadRegistryState } from '~/models/subprocessors/registry.server';
import { DEFAULT_LANGUAGE, isLanguage, type Language } from '~/utils/i18n';

type Format = 'json' | 'rss' | 'atom' | 'jsonfeed' | 'csv';

const CONTENT_TYPES: Record<Format, string> = {
  json: 'application/json; charset=utf-8',
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  jsonfeed: 'application/feed+json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

/** The loader shared by /subprocessors.json and the three feeds: validators first, body only if needed. */
export async function registryResource({ request, context }: LoaderFunctionArgs, format: Format): Promise<Response> {
  const params = new URL(request.url).searchParams;
  const isFeed = format === 'rss' || format === 'atom' || format === 'jsonfeed';
  const at = isFeed ? undefined : params.get('at') || undefined;
  // A feed's language is in its URL (`?lng=de`): readers send no cookie to remember a choice.
  const requested = params.get('lng');
  const lang: Language = isFeed && isLanguage(requested) ? requested : DEFAULT_LANGUAGE;
  const today = todayIn(context.config.timeZone);
  const validators = registryValidators(await loadRegistryState(context.db, today), context.config, `${format}:${at ?? ''}:${lang}`, today);
  if (at !== undefined && (!isIsoDate(at) || at > validators.today)) {
    return Response.json({ error: `at must be a date (YYYY-MM-DD) up to ${validators.today}` }, { status: 400 });
  }
  const fresh = notModified(request, validators);
  if (fresh) return fresh;
  // Read after the validators: a change in between makes the body newer than its tag, never older.
  const registry = await loadRegistry(context.db);
  let body: string;
  const extra: Record<string, string> = {};
  if (format === 'json') {
    body = JSON.stringify(registryJson(registry, context.config, validators.today, at), null, 2);
  } else if (format === 'csv') {
    body = registryCsv(registry, validators.today, at);
    extra['Content-Disposition'] = `attachment; filename="subprocessors-${at ?? validators.today}.csv"`;
  } else {
    const feed = buildFeed(registry, context.config, validators.lastModified, validators.today, lang);
    // Atom says its language with xml:lang on the root (RFC 4287 §2), which `feed` does not write.
    const atom = () => feed.atom1().replace('<feed xmlns="http://www.w3.org/2005/Atom">', `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${lang}">`);
    body = format === 'rss' ? feed.rss2() : format === 'atom' ? atom() : toJsonFeed11(feed, registry, context.config, lang);
    extra['Content-Language'] = lang;
  }
  return new Response(body, {
    headers: { 'Content-Type': CONTENT_TYPES[format], ...cacheHeaders(validators), 'Access-Control-Allow-Origin': '*', ...extra },
  });
}
