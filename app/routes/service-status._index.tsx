import { json, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { BarsLegend, IncidentCard, StatusBadge, UptimeBars } from '~/components/status-ui';
import { statusPageData } from '~/routes/service-status.server';
import { useTranslation } from '~/utils/i18n-react';
import { tFor } from '~/utils/i18n';
import { pageMeta, rootInfo } from '~/utils/meta';
import { loaderAndActionHeaders } from '~/utils/route-headers';
import statusStyles from '~/styles/status.css';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: statusStyles }];

export const meta: MetaFunction = ({ matches }) => {
  const { lang, orgName } = rootInfo(matches);
  const t = tFor(lang);
  const q = lang === 'en' ? '' : `?lng=${lang}`;
  const feed = t('serviceStatus.feedTitle', { org: orgName });
  return [
    ...pageMeta(matches, { title: 'serviceStatus.title', description: 'serviceStatus.metaDescription' }),
    { tagName: 'link', rel: 'alternate', type: 'application/rss+xml', title: `${feed} (RSS)`, href: `/service-status/feed.rss${q}` },
    { tagName: 'link', rel: 'alternate', type: 'application/atom+xml', title: `${feed} (Atom)`, href: `/service-status/feed.atom${q}` },
    { tagName: 'link', rel: 'alternate', type: 'application/feed+json', title: `${feed} (JSON Feed)`, href: `/service-status/feed.json${q}` },
  ];
};

export async function loader(args: LoaderFunctionArgs) {
  const { data, headers, notModified } = await statusPageData(args);
  if (notModified) return notModified as unknown as never;
  return json(data, { headers });
}

export const headers = loaderAndActionHeaders;

/** Read by root.tsx: the page works without JavaScript and ships none. */
export const handle = { scripts: false };

export default function ServiceStatus() {
  const d = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const symbol = { none: '✓', minor: '!', major: '◐', critical: '✕', maintenance: '⚙' }[d.banner];
  return (
    <>
      <h1>{t('serviceStatus.title')}</h1>
      <section className={`status-banner banner-${d.banner}`} aria-label={t('serviceStatus.title')}>
        <span aria-hidden="true" className="status-symbol">
          {symbol}
        </span>
        <p className="banner-text">{t(`serviceStatus.banner.${d.banner}`)}</p>
      </section>
      {d.noData ? <p className="callout">{t('serviceStatus.noDataNote')}</p> : null}
      <p className="muted">
        {t('serviceStatus.lastChecked', { when: d.asOf })} {t('serviceStatus.timeZone', d.zone)}
      </p>

      {d.incidents.length ? (
        <section aria-labelledby="open-incidents">
          <h2 id="open-incidents">{t('serviceStatus.openIncidents')}</h2>
          {d.incidents.map((i) => (
            <IncidentCard key={i.id} incident={i} />
          ))}
        </section>
      ) : null}
      {d.activeMaintenance.length ? (
        <section aria-labelledby="active-maintenance">
          <h2 id="active-maintenance">{t('serviceStatus.activeMaintenance')}</h2>
          {d.activeMaintenance.map((i) => (
            <IncidentCard key={i.id} incident={i} />
          ))}
        </section>
      ) : null}

      <section aria-labelledby="components">
        <h2 id="components">{t('serviceStatus.components')}</h2>
        {d.groups.map((g) => (
          <section key={g.id ?? 'ungrouped'} className="status-group" aria-label={g.name ?? t('serviceStatus.components')}>
            {g.name ? (
              <h3>
                <span>{g.name}</span> <StatusBadge status={g.status} />
              </h3>
            ) : null}
            <ul className="status-components">
              {g.components.map((c) => (
                <li key={c.id} className="status-component">
                  <div className="component-head">
                    <p className="component-name">{c.name}</p>
                    <StatusBadge status={c.status} />
                  </div>
                  {c.description ? <p className="component-meta">{c.description}</p> : null}
                  <UptimeBars label={t('serviceStatus.barsLabel', { name: c.name, days: d.days })} bars={c.bars} oldestLabel={t('serviceStatus.daysAgo', { days: d.days })} />
                  <p className="component-meta">
                    {c.uptime === null ? t('serviceStatus.uptimeNone') : t('serviceStatus.uptime', { value: c.uptime, days: d.days })} · {c.since}
                  </p>
                </li>
              ))}
            </ul>
          </section>
        ))}
        <BarsLegend />
      </section>

      {d.upcomingMaintenance.length ? (
        <section aria-labelledby="upcoming-maintenance">
          <h2 id="upcoming-maintenance">{t('serviceStatus.upcomingMaintenance')}</h2>
          {d.upcomingMaintenance.map((i) => (
            <IncidentCard key={i.id} incident={i} />
          ))}
        </section>
      ) : null}

      <h2>{t('serviceStatus.feedsTitle')}</h2>
      <ul className="status-links">
        <li>
          <Link to="/service-status/history">{t('serviceStatus.historyLink')}</Link>
        </li>
        <li>
          <Link to="/service-status/subscribe">{t('serviceStatus.subscribeLink')}</Link>
        </li>
        <li>
          <a href={`/service-status/feed.rss${d.feedQuery}`}>{t('serviceStatus.feedRss')}</a>
        </li>
        <li>
          <a href={`/service-status/feed.atom${d.feedQuery}`}>{t('serviceStatus.feedAtom')}</a>
        </li>
        <li>
          <a href={`/service-status/feed.json${d.feedQuery}`}>{t('serviceStatus.feedJson')}</a>
        </li>
        <li>
          <a href="/api/v2/summary.json">{t('serviceStatus.apiLink')}</a>
        </li>
      </ul>
    </>
  );
}
