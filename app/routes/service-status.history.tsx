import { json, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { IncidentCard } from '~/components/status-ui';
import { listBetween } from '~/models/status/incidents.server';
import { listComponents } from '~/models/status/components.server';
import { presentIncident, zoneName } from '~/models/status/present.server';
import { etagOf, publicStatusHeaders } from '~/routes/service-status.server';
import { startOfDayIn, todayIn } from '~/utils/calendar';
import { useTranslation } from '~/utils/i18n-react';
import { languageOf } from '~/utils/language.server';
import { dateTimeFormat } from '~/utils/intl';
import { pageMeta } from '~/utils/meta';
import { loaderAndActionHeaders } from '~/utils/route-headers';
import statusStyles from '~/styles/status.css';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: statusStyles }];

export const meta: MetaFunction<typeof loader> = ({ matches, data }) =>
  pageMeta(matches, { title: 'serviceStatus.historyTitle', titleValues: { month: data?.monthName ?? '' }, description: 'serviceStatus.metaDescription' });

const LOCALES = { en: 'en-GB', de: 'de-DE', fr: 'fr-FR' } as const;

function shiftMonth(month: string, by: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + by, 1));
  return d.toISOString().slice(0, 7);
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const lang = languageOf(request);
  const { timeZone } = context.config;
  const current = todayIn(timeZone).slice(0, 7);
  const asked = new URL(request.url).searchParams.get('month');
  const valid = asked === null || asked === '' || (/^\d{4}-(0[1-9]|1[0-2])$/.test(asked) && asked <= current && asked >= '2000-01');
  const month = valid && asked ? asked : current;
  const from = startOfDayIn(`${month}-01`, timeZone);
  const to = startOfDayIn(`${shiftMonth(month, 1)}-01`, timeZone);
  const [incidents, components] = await Promise.all([listBetween(context.db, from, to), listComponents(context.db)]);
  const names = new Map(components.map((c) => [c.id, c.name]));
  const data = {
    month,
    monthName: dateTimeFormat(LOCALES[lang], { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${month}-01T00:00:00Z`)),
    invalid: !valid,
    previous: shiftMonth(month, -1) >= '2000-01' ? shiftMonth(month, -1) : null,
    next: month < current ? shiftMonth(month, 1) : null,
    incidents: incidents.map((i) => presentIncident(i, lang, timeZone, names)),
    zone: zoneName(lang, timeZone, new Date()),
  };
  return json(data, { status: valid ? 200 : 400, headers: publicStatusHeaders(request, etagOf(context.buildVersion, lang, JSON.stringify(data))) });
}

export const headers = loaderAndActionHeaders;
export const handle = { scripts: false };

export default function History() {
  const d = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  return (
    <>
      <p>
        <Link to="/service-status">{t('serviceStatus.back')}</Link>
      </p>
      <h1>{t('serviceStatus.historyTitle', { month: d.monthName })}</h1>
      {d.invalid ? (
        <p className="form-error" role="alert">
          {t('serviceStatus.monthInvalid')}
        </p>
      ) : null}
      <p className="muted">{t('serviceStatus.timeZone', d.zone)}</p>
      <nav className="month-nav" aria-label={t('serviceStatus.historyLink')}>
        {d.previous ? <Link to={`/service-status/history?month=${d.previous}`}>← {t('serviceStatus.previousMonth')}</Link> : <span />}
        {d.next ? <Link to={`/service-status/history?month=${d.next}`}>{t('serviceStatus.nextMonth')} →</Link> : null}
      </nav>
      {d.incidents.length === 0 ? <p>{t('serviceStatus.historyEmpty', { month: d.monthName })}</p> : d.incidents.map((i) => <IncidentCard key={i.id} incident={i} headingLevel={2} />)}
    </>
  );
}
