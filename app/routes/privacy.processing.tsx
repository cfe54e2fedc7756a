import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useOrganisation } from '~/components/site-chrome';
import { publicNoticePublished } from '~/models/datamap/map.server';
import { processingRecord } from '~/models/datamap/record.server';
import { basisNotes } from '~/models/datamap/describe';
import { todayIn } from '~/utils/calendar';
import { formatDay, tFor, type Language } from '~/utils/i18n';
import { useTranslation } from '~/utils/i18n-react';
import { languageOf } from '~/utils/language.server';
import { pageMeta } from '~/utils/meta';

export const meta: MetaFunction = ({ matches }) => pageMeta(matches, { title: 'processing.notice.title', description: 'processing.notice.metaDescription' });

/**
 * The public Art. 13/14 notice, generated from the data map: every activity for which the
 * organisation is the controller. Off (404) until an administrator or the DPO publishes it.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  if (!(await publicNoticePublished(context.db))) throw new Response('Not found', { status: 404 });
  const lang = languageOf(request);
  const record = await processingRecord(
    context.db,
    { date: todayIn(context.config.timeZone), view: 'controller', lang },
    { organisation: context.config.organisation, timeZone: context.config.timeZone },
  );
  const t = tFor(lang);
  const lastChanged = record.rows.map((r) => r.recordedAt).sort().at(-1);
  return json(
    {
      lastChanged: lastChanged ? lastChanged.slice(0, 10) : null,
      untranslated: record.rows.some((r) => r.untranslated),
      activities: record.rows.map((r) => ({ ...r, notes: basisNotes(r, t) })),
    },
    { headers: { 'Cache-Control': 'private, no-cache', Vary: 'Accept-Language, Cookie' } },
  );
}

export default function ProcessingNotice() {
  const { activities, untranslated, lastChanged } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const lang = i18n.language as Language;
  const org = useOrganisation();
  const orgName = org?.name ?? '';
  return (
    <>
      <h1>{t('processing.notice.title')}</h1>
      <p className="lead">{t('processing.notice.lead', { org: orgName })}</p>
      {untranslated ? (
        <p className="notice" role="note">
          {t('processing.notice.untranslated', { org: orgName })}
        </p>
      ) : null}
      {lastChanged ? <p>{t('processing.notice.updated', { date: formatDay(lang, lastChanged) })}</p> : null}
      {org ? (
        <section aria-labelledby="controller-heading">
          <h2 id="controller-heading">{t('processing.notice.controllerHeading')}</h2>
          <p>{t('processing.notice.controller', { org: org.name, address: org.postalAddress, email: org.privacyEmail })}</p>
          {org.dpo ? <p>{t('processing.notice.dpo', { name: org.dpo.email ? `${org.dpo.name} <${org.dpo.email}>` : org.dpo.name })}</p> : null}
        </section>
      ) : null}
      {activities.map((a) => (
        <section key={a.activityId} aria-labelledby={`a-${a.activityId}`} className="record-entry">
          <h2 id={`a-${a.activityId}`} lang={a.untranslated ? 'en' : undefined}>
            {a.name}
          </h2>
          <dl className="facts">
            <dt>{t('processing.record.purposes')}</dt>
            <dd>{a.purpose}</dd>
            <dt>{t('processing.record.legalBasis')}</dt>
            <dd>
              {a.legalBasis}
              {a.notes.map((n) => (
                <span key={n}> {n}</span>
              ))}
            </dd>
            <dt>{t('processing.record.dataCategories')}</dt>
            <dd>{a.dataCategories.join(', ')}</dd>
            <dt>{t('processing.record.dataSubjects')}</dt>
            <dd>{a.dataSubjects.join(', ')}</dd>
            <dt>{t('processing.record.retention')}</dt>
            <dd>{a.retention}</dd>
            <dt>{t('processing.package.colSource')}</dt>
            <dd>{a.source}</dd>
            <dt>{t('processing.record.recipients')}</dt>
            <dd>{a.recipients.join(', ') || t('processing.record.none')}</dd>
            <dt>{t('processing.record.transfers')}</dt>
            <dd>{a.transfers.join('; ') || t('processing.noTransfers')}</dd>
            <dt>Art. 22</dt>
            <dd>{a.automatedDecisions}</dd>
          </dl>
        </section>
      ))}
      <section aria-labelledby="rights-heading">
        <h2 id="rights-heading">{t('processing.notice.rightsHeading')}</h2>
        <p>{t('processing.notice.rights', { url: '/requests/new' })}</p>
        {org ? <p>{t('processing.notice.complaint', { authority: org.authority.name, url: org.authority.url })}</p> : null}
        <p>
          <Link to="/subprocessors">{t('processing.notice.subprocessors')}</Link>
        </p>
      </section>
    </>
  );
}
