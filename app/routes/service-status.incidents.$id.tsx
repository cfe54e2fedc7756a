import { json, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { Field } from '~/components/field';
import { IncidentCard } from '~/components/status-ui';
import { getIncident } from '~/models/status/incidents.server';
import { listComponents } from '~/models/status/components.server';
import { presentIncident, zoneName } from '~/models/status/present.server';
import { subscribeAction, type SubscribeResult } from '~/routes/status-subscribe.server';
import { useTranslation } from '~/utils/i18n-react';
import { formatInstant, translateError } from '~/utils/i18n';
import { invariantResponse } from '~/utils/invariant';
import { languageOf } from '~/utils/language.server';
import { pageMeta } from '~/utils/meta';
import { loaderAndActionHeaders } from '~/utils/route-headers';
import { publicStatusHeaders, etagOf } from '~/routes/service-status.server';
import statusStyles from '~/styles/status.css';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: statusStyles }];

export const meta: MetaFunction<typeof loader> = ({ matches, data }) =>
  pageMeta(matches, { title: data ? 'serviceStatus.incidentTitle' : 'serviceStatus.title', titleValues: { name: data?.incident.name ?? '' }, description: 'serviceStatus.metaDescription' });

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const lang = languageOf(request);
  const { timeZone } = context.config;
  const incident = await getIncident(context.db, params.id ?? '');
  invariantResponse(incident, 'Not found', { status: 404 });
  const names = new Map((await listComponents(context.db)).map((c) => [c.id, c.name]));
  const when = (d: Date) => formatInstant(lang, d.toISOString(), timeZone);
  const data = {
    incident: presentIncident(incident, lang, timeZone, names),
    started: when(incident.startedAt),
    resolved: incident.resolvedAt ? when(incident.resolvedAt) : null,
    postmortem: incident.postmortem,
    zone: zoneName(lang, timeZone, new Date()),
    open: incident.resolvedAt === null,
  };
  return json(data, { headers: publicStatusHeaders(request, etagOf(context.buildVersion, lang, JSON.stringify(data))) });
}

const KEEP = ['email'];

export async function action(args: ActionFunctionArgs) {
  const incident = await getIncident(args.context.db, args.params.id ?? '');
  invariantResponse(incident, 'Not found', { status: 404 });
  return subscribeAction(args, () => ({ incidentId: incident.id }), KEEP);
}

export const headers = loaderAndActionHeaders;
export const handle = { scripts: false };

export default function IncidentPage() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<SubscribeResult>();
  const { t } = useTranslation();
  const error = result?.fieldErrors?.email ?? result?.formError;
  return (
    <>
      <p>
        <Link to="/service-status">{t('serviceStatus.back')}</Link>
      </p>
      <p className="muted">{t(`serviceStatus.incidentKind.${d.incident.kind}`)}</p>
      <IncidentCard incident={d.incident} headingLevel={2} link={false} />
      <p className="muted">
        {t('serviceStatus.started', { when: d.started })}
        {d.resolved ? ` · ${t('serviceStatus.resolvedAt', { when: d.resolved })}` : ''} · {t('serviceStatus.timeZone', d.zone)}
      </p>
      {d.postmortem ? (
        <section aria-labelledby="postmortem">
          <h2 id="postmortem">{t('serviceStatus.postmortem')}</h2>
          <p className="preserve">{d.postmortem}</p>
        </section>
      ) : null}
      {d.open ? (
        <section aria-labelledby="follow" className="panel">
          <h2 id="follow">{t('serviceStatus.followTitle')}</h2>
          {result?.sent ? (
            <p className="notice" role="status">
              {t('serviceStatus.subscribe.sent', { email: result.values?.email })}
            </p>
          ) : (
            <Form method="post">
              <Field
                label={t('registry.email')}
                name="email"
                type="email"
                autoComplete="email"
                required
                defaultValue={result?.values?.email}
                error={error === 'errors.tooMany' ? t('errors.tooMany', { count: result?.retryMinutes ?? 1 }) : translateError(t, error)}
              />
              <button type="submit">{t('serviceStatus.followButton')}</button>
            </Form>
          )}
        </section>
      ) : null}
    </>
  );
}
