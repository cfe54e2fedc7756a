import { json, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/i18n-react';
import { Field, SelectField } from '~/components/field';
import { useOrganisation } from '~/components/site-chrome';
import { SubprocessorTable } from '~/components/subprocessor-table';
import { registryValidators } from '~/models/subprocessors/feeds.server';
import { publicNoticePublished } from '~/models/datamap/map.server';
import { cacheHeaders, notModified } from '~/utils/http-cache.server';
import { REGISTRY_CATEGORIES } from '~/models/subprocessors/categories';
import { readRegistryQuery } from '~/models/subprocessors/page-query.server';
import { changeSummary, feedQuery, todayIn } from '~/models/subprocessors/rules';
import { loadRegistry, loadRegistryState, viewRegistry } from '~/models/subprocessors/registry.server';
import { formatDay, tFor, translateError, type Language } from '~/utils/i18n';
import { languageOf } from '~/utils/language.server';
import { pageMeta, rootInfo } from '~/utils/meta';
import { regionNames } from '~/utils/intl';

/** Title, description and the feeds as alternates, all in the page's language (a German page offers the German feeds). */
export const meta: MetaFunction = ({ matches }) => {
  const { lang } = rootInfo(matches);
  const t = tFor(lang);
  const q = feedQuery(lang);
  const feed = t('registry.feedTitle');
  return [
    ...pageMeta(matches, { title: 'registry.title', description: 'registry.metaDescription' }),
    { tagName: 'link', rel: 'alternate', type: 'application/rss+xml', title: `${feed} (RSS)`, href: `/subprocessors/feed.rss${q}` },
    { tagName: 'link', rel: 'alternate', type: 'application/atom+xml', title: `${feed} (Atom)`, href: `/subprocessors/feed.atom${q}` },
    { tagName: 'link', rel: 'alternate', type: 'application/feed+json', title: `${feed} (JSON Feed)`, href: `/subprocessors/feed.json${q}` },
    { tagName: 'link', rel: 'alternate', type: 'application/json', title: t('registry.jsonList'), href: '/subprocessors.json' },
  ];
};

export async function loader({ request, context }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const lang = languageOf(request);
  const today = todayIn(context.config.timeZone);
  const query = readRegistryQuery(url, today);
  // One cached copy per language and query: the language is part of the validator.
  const variant = `page:${context.buildVersion}:${lang}:${query.rawAt ?? ''}:${query.q}:${query.category}`;
  const validators = registryValidators(await loadRegistryState(context.db, today), context.config, variant, today);
  // A signed-in visitor's page carries their name in the header: never for a shared cache.
  const personal = request.headers.has('Cookie');
  if (!personal && !query.atError) {
    const fresh = notModified(request, validators);
    // Bodiless: typed `never` so the component's data type stays the page's.
    if (fresh) return fresh as unknown as never;
  }
  const [registry, processingNotice] = await Promise.all([loadRegistry(context.db), publicNoticePublished(context.db)]);
  const view = viewRegistry(registry, today, query.at, context.config.timeZone);
  const needle = query.q.toLocaleLowerCase(lang);
  const regions = regionNames(lang);
  const active = view.active
    .filter((e) => !query.category || e.category === query.category)
    .map((e) => ({ ...e, locationNames: e.locations.map((c) => regions.of(c) ?? c) }))
    .filter((e) =>
      !needle ||
      [e.name, e.legalEntity, e.purpose, ...e.dataCategories, ...e.locationNames].some((v) => v.toLocaleLowerCase(lang).includes(needle)),
    );
  return json(
    {
      ...view,
      active,
      totalActive: view.active.length,
      planned: view.planned.map((c) => ({ ...c, locationNames: c.details?.locations.map((l) => regions.of(l) ?? l) ?? [] })),
      atInput: query.rawAt ?? '',
      atError: query.atError,
      q: query.q,
      category: query.category,
      noticeDays: context.config.subprocessorNoticeDays,
      processingNotice,
    },
    {
      status: query.atError ? 400 : 200,
      headers: personal ? { 'Cache-Control': 'private, no-cache', Vary: 'Accept-Language, Cookie' } : { ...cacheHeaders(validators), Vary: 'Accept-Language, Cookie' },
    },
  );
}

/** Read by root.tsx: this page works without JavaScript and is cached whole, so it ships none. */
export const handle = { scripts: false };

export const headers: HeadersFunction = ({ loaderHeaders }) => loaderHeaders;

export default function Subprocessors() {
  const data = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const feeds = feedQuery(i18n.language as Language);
  const lang = i18n.language as Language;
  const org = useOrganisation();
  const day = (d: string) => formatDay(lang, d);
  const past = data.at !== data.today;
  const filtered = data.q !== '' || data.category !== '';
  const atError = data.atError ? translateError(t, data.atError.key) : undefined;
  const documents = org ? ([['dpa', org.links.dpa], ['transfers', org.links.transfers], ['privacyNotice', org.links.privacyNotice]] as const).filter(([, href]) => href) : [];
  return (
    <>
      <h1>{t('registry.title')}</h1>
      <p className="lead">{t('registry.lead')}</p>
      <p>{t('registry.notice', { count: data.noticeDays })}</p>
      <p>
        {data.lastUpdated ? t('registry.lastUpdated', { date: day(data.lastUpdated) }) : t('registry.noChanges')}
        {past ? (
          <>
            {' '}
            {t('registry.showingPast', { date: day(data.at) })} <Link to="/subprocessors">{t('registry.showToday')}</Link>
          </>
        ) : null}
      </p>
      {org ? <p>{t('registry.contact', { email: org.privacyEmail })}</p> : null}
      {documents.length > 0 || data.processingNotice ? (
        <ul className="feeds" aria-label={t('registry.documents')}>
          {data.processingNotice ? (
            <li>
              <Link to="/privacy/processing">{t('processing.notice.title')}</Link>
            </li>
          ) : null}
          {documents.map(([key, href]) => (
            <li key={key}>
              <a href={href}>{t(`identity.${key}`)}</a>
            </li>
          ))}
        </ul>
      ) : null}
      <ul className="feeds no-print" aria-label={t('registry.follow')}>
        <li><a href={`/subprocessors/feed.rss${feeds}`}>{t('registry.rss')}</a></li>
        <li><a href={`/subprocessors/feed.atom${feeds}`}>{t('registry.atom')}</a></li>
        <li><a href={`/subprocessors/feed.json${feeds}`}>{t('registry.jsonFeed')}</a></li>
        <li><a href="/subprocessors.json">{t('registry.jsonList')}</a></li>
        <li><a href={`/subprocessors.csv${past ? `?at=${data.at}` : ''}`} download>{t('registry.csv')}</a></li>
        <li><a href="#subscribe">{t('registry.emailAlerts')}</a></li>
      </ul>

      <section aria-labelledby="current-heading">
        <h2 id="current-heading">{past ? t('registry.pastHeading', { date: day(data.at) }) : t('registry.currentHeading')}</h2>
        <Form method="get" className="filter-form no-print" role="search" aria-label={t('registry.filterLegend')}>
          {past ? <input type="hidden" name="at" value={data.at} /> : null}
          <Field label={t('registry.search')} name="q" type="search" autoComplete="off" defaultValue={data.q} />
          <SelectField
            label={t('registry.category')}
            name="category"
            placeholder={t('registry.allCategories')}
            options={Object.fromEntries(REGISTRY_CATEGORIES.map((c) => [c, t(`categories.${c}`)]))}
            defaultValue={data.category}
          />
          <button type="submit">{t('registry.filter')}</button>
          {filtered ? <Link to={past ? `/subprocessors?at=${data.at}` : '/subprocessors'}>{t('registry.clearFilter')}</Link> : null}
        </Form>
        {filtered && data.active.length === 0 ? (
          <p>{t('registry.noneMatch')}</p>
        ) : (
          <SubprocessorTable entries={data.active} caption={t('registry.caption', { count: data.active.length, date: day(data.at) })} />
        )}
      </section>

      {past ? null : (
        <section aria-labelledby="planned-heading">
          <h2 id="planned-heading">{t('registry.plannedHeading')}</h2>
          {data.planned.length === 0 ? (
            <p>{t('registry.noPlanned')}</p>
          ) : (
            <ul className="change-list">
              {data.planned.map((c) => (
                <li key={c.id} id={`change-${c.id}`} className="planned">
                  <h3>
                    <Link to={`/subprocessors/changes/${c.id}`}>{t(`registry.kind.${c.kind}`, { name: c.name })}</Link>
                  </h3>
                  <p>
                    {t('registry.takesEffect', { date: day(c.effectiveOn) })} {changeSummary(t, c)}
                  </p>
                  {c.details ? (
                    <p>
                      {c.details.legalEntity} · {c.details.purpose} · {t('table.dataCategories')}: {c.details.dataCategories.join(', ')} ·{' '}
                      {t('table.locations')}: {c.locationNames.join(', ')} · {t(`mechanisms.${c.details.transferMechanism}`, { defaultValue: c.details.transferMechanism })}
                    </p>
                  ) : null}
                  {c.kind !== 'removed' ? (
                    <p className="no-print">
                      <Link to={`/subprocessors/changes/${c.id}#object-heading`}>{t('registry.object')}</Link>
                    </p>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
        </section>
      )}

      <section aria-labelledby="history-heading">
        <h2 id="history-heading">{t('registry.historyHeading')}</h2>
        <Form method="get" className="inline-form no-print">
          <Field label={t('registry.asOf')} name="at" type="date" autoComplete="off" defaultValue={data.atInput} max={data.today} error={atError} />
          <button type="submit">{t('registry.show')}</button>
        </Form>
        {data.history.length === 0 ? (
          <p>{t('registry.noHistory')}</p>
        ) : (
          <ul className="change-list">
            {data.history.map((c) => (
              <li key={c.id} id={`change-${c.id}`}>
                <time dateTime={c.effectiveOn}>{day(c.effectiveOn)}</time>:{' '}
                <Link to={`/subprocessors/changes/${c.id}`} className="change-kind">
                  {t(`registry.kind.${c.kind}`, { name: c.name })}
                </Link>
                {/* Summaries are written by staff as sentences; no second full stop after them. */}
                {' — '}
                {changeSummary(t, c)}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="subscribe-heading" id="subscribe" className="no-print">
        <h2 id="subscribe-heading">{t('registry.subscribeHeading')}</h2>
        <p>{t('registry.subscribeLead')}</p>
        <Form method="post" action="/subprocessors/subscribe">
          <Field label={t('registry.email')} name="email" type="email" autoComplete="email" required />
          <button type="submit">{t('registry.subscribe')}</button>
        </Form>
      </section>
    </>
  );
}
