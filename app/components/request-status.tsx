import { Form, Link } from '@remix-run/react';
import { useTranslation } from '~/utils/i18n-react';
import type { RequestState } from '~/models/requests/lifecycle';
import { ACCESS_PACKAGE } from '~/models/policy';
import { subjectOutcomeLines } from '~/models/requests/outcomes';
import type { SubjectStatus } from '~/models/requests/status.server';
import { useOrganisation } from '~/components/site-chrome';
import { formatDay, formatDeadline, formatInstant, formatNumber, isLanguage, type Language } from '~/utils/i18n';
import { regionNames } from '~/utils/intl';
import { IdentityLevelPanel, type Viewer } from '~/components/identity-level';

function useLang(): Language {
  const { i18n } = useTranslation();
  return isLanguage(i18n.language) ? i18n.language : 'en';
}

function size(lang: Language, bytes: number) {
  return bytes >= 1_048_576 ? `${formatNumber(lang, bytes / 1_048_576)} MB` : `${formatNumber(lang, Math.max(1, Math.round(bytes / 1024)))} KB`;
}

/** A copy of what the subject asked for: type, scope, period, format, and who acts for whom. */
function WhatWasAsked({ request }: { request: SubjectStatus['request'] }) {
  const { t } = useTranslation();
  const lang = useLang();
  const period =
    request.periodFrom && request.periodTo
      ? t('status.periodFromTo', { from: formatDay(lang, request.periodFrom), to: formatDay(lang, request.periodTo) })
      : request.periodFrom
        ? t('status.periodFrom', { from: formatDay(lang, request.periodFrom) })
        : request.periodTo
          ? t('status.periodTo', { to: formatDay(lang, request.periodTo) })
          : null;
  const country = request.country ? regionNames(lang).of(request.country) : null;
  return (
    <section aria-labelledby="asked-heading">
      <h2 id="asked-heading">{t('status.askedHeading')}</h2>
      <dl className="request-facts">
        <dt>{t('status.request')}</dt>
        <dd>{t(`requestTypes.${request.type}.label`)}</dd>
        <dt>{t('status.name')}</dt>
        <dd>{request.name}</dd>
        {request.subjectName ? (
          <>
            <dt>{t('status.actingFor')}</dt>
            <dd>
              {request.subjectName} ({t(`relationships.${request.agentRelationship ?? 'other'}`)})
            </dd>
          </>
        ) : null}
        <dt>{t('status.scope')}</dt>
        <dd className="preserve">{request.scope ?? t('status.everything')}</dd>
        {period ? (
          <>
            <dt>{t('status.period')}</dt>
            <dd>{period}</dd>
          </>
        ) : null}
        {request.accountIdentifier ? (
          <>
            <dt>{t('status.accountIdentifier')}</dt>
            <dd>{request.accountIdentifier}</dd>
          </>
        ) : null}
        {request.aliases ? (
          <>
            <dt>{t('status.aliases')}</dt>
            <dd className="preserve">{request.aliases}</dd>
          </>
        ) : null}
        {request.preferredFormat ? (
          <>
            <dt>{t('status.format')}</dt>
            <dd>{t(`formats.${request.preferredFormat}`)}</dd>
          </>
        ) : null}
        {country ? (
          <>
            <dt>{t('status.country')}</dt>
            <dd>{country}</dd>
          </>
        ) : null}
        {request.details ? (
          <>
            <dt>{t('status.details')}</dt>
            <dd className="preserve">{request.details}</dd>
          </>
        ) : null}
      </dl>
    </section>
  );
}

/**
 * The subject's view of one request, used by the private-link page and the account page.
 * `basePath` is where this page lives; its actions post back to it.
 */
export function RequestStatusView({
  status,
  basePath,
  timeZone,
  viewer = { email: null, matches: false },
  fieldErrors,
}: {
  status: SubjectStatus;
  basePath: string;
  timeZone: string;
  viewer?: Viewer;
  fieldErrors?: Record<string, string>;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const org = useOrganisation();
  const { request, actions, timeline, attachments } = status;
  const state = request.state as RequestState;
  const when = (iso: string) => formatInstant(lang, iso, timeZone);
  const receivedLater = request.receivedAt && request.receivedAt.slice(0, 16) !== request.createdAt.slice(0, 16);
  const outcome = state === 'completed' ? subjectOutcomeLines(t, request) : [];
  return (
    <>
      <h1>{t('status.title', { reference: request.reference })}</h1>
      <dl className="request-facts">
        <dt>{t('status.request')}</dt>
        <dd>{t(`requestTypes.${request.type}.label`)}</dd>
        <dt>{t('status.status')}</dt>
        <dd>
          <strong>{t(`states.${state}`)}</strong>
        </dd>
        <dt>{t('status.submitted')}</dt>
        <dd>{when(request.createdAt)}</dd>
        <dt>{t('status.received')}</dt>
        <dd>
          {request.receivedAt ? when(request.receivedAt) : t('status.receivedPending')}
          {receivedLater || !request.receivedAt ? <span className="hint block">{t('status.receivedDiffers')}</span> : null}
        </dd>
        <dt>{t('status.due')}</dt>
        <dd>
          {request.dueDate ? (
            <>
              {formatDeadline(lang, request.dueDate)}
              {t('status.dueEndOfDay', { zone: timeZone })}
            </>
          ) : (
            t('status.duePending')
          )}
          {request.paused ? t('status.paused') : null}
        </dd>
        {outcome.length > 0 ? (
          <>
            <dt>{t('status.outcome')}</dt>
            <dd>
              {outcome.map((line, i) => (
                <p key={i} className={i === outcome.length - 1 && request.outcome === 'partial' ? 'preserve' : undefined}>
                  {line}
                </p>
              ))}
            </dd>
          </>
        ) : null}
        {request.extensionMonths > 0 ? (
          <>
            <dt>{t('status.extension')}</dt>
            <dd>
              {t('status.extended', { count: request.extensionMonths })} <span className="preserve">{request.extensionReason}</span>
            </dd>
          </>
        ) : null}
      </dl>

      {status.identity ? <IdentityLevelPanel identity={status.identity} viewer={viewer} fieldErrors={fieldErrors} /> : null}

      <section aria-labelledby="next-heading" className="panel">
        <h2 id="next-heading">{t('status.nextHeading')}</h2>
        <p>{t(`nextSteps.${state}`)}</p>
        {org ? <p>{t('status.contact', { email: org.privacyEmail, reference: request.reference })}</p> : null}
        {org && (state === 'completed' || state === 'denied') ? (
          <p>
            <a href={org.authority.url} rel="noopener noreferrer">
              {org.authority.name}
            </a>
          </p>
        ) : null}
      </section>

      {status.package ? (
        <section aria-labelledby="package-heading" className="panel">
          <h2 id="package-heading">{t('package.statusHeading')}</h2>
          {status.package.state === 'available' ? (
            <>
              <p>{t('package.statusReady')}</p>
              <p>
                {/* No `download` attribute: the server's Content-Disposition saves the ZIP, and a package
                    that lapsed since this page was shown redirects here instead of saving this page as a ZIP. */}
                <a className="button" href={`${basePath}/package`}>
                  {t('package.statusDownload', { size: size(lang, status.package.size) })}
                </a>
              </p>
              {status.package.formatFile ? (
                <>
                  <p>
                    <a className="button secondary" href={`${basePath}/package?file=${status.package.formatFile.name}`}>
                      {t(status.package.formatFile.name === 'summary.pdf' ? 'package.statusPdf' : 'package.statusCsv', {
                        size: size(lang, status.package.formatFile.size),
                      })}
                    </a>
                  </p>
                  <p className="hint">{t('package.statusExtraHint')}</p>
                </>
              ) : null}
              <p className="hint">{t('package.statusUntil', { date: when(status.package.expiresAt), count: status.package.downloadsLeft })}</p>
            </>
          ) : (
            <p>{t('package.statusGone', { max: ACCESS_PACKAGE.maxDownloads, days: ACCESS_PACKAGE.downloadDays, email: org?.privacyEmail ?? '' })}</p>
          )}
        </section>
      ) : null}

      {actions.includes('resume') ? (
        <section aria-labelledby="reply-heading" className="panel">
          <h2 id="reply-heading">{t('status.replyHeading')}</h2>
          <p>{t('status.replyLead')}</p>
          <p>
            <Link className="button" to={`${basePath}/reply`}>
              {t('status.replyButton')}
            </Link>
          </p>
        </section>
      ) : null}

      <WhatWasAsked request={request} />

      <section aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">{t('status.historyHeading')}</h2>
        <p className="hint">{t('status.timeZone', { zone: timeZone })}</p>
        <ol className="timeline">
          {timeline.map((event) => {
            const files = attachments.filter((a) => a.eventId === event.id);
            return (
              <li key={event.id}>
                <p className="timeline-when">{when(event.at)}</p>
                {event.kind === 'reply' ? <p className="timeline-who">{t('timeline.youReplied')}</p> : null}
                {event.messageKey ? <p>{t(event.messageKey)}</p> : null}
                {event.note ? <p className="preserve">{event.note}</p> : null}
                {files.length > 0 ? (
                  <ul className="attachments">
                    {files.map((file) => (
                      <li key={file.id}>
                        <a href={`${basePath}/attachments/${file.id}`}>{file.filename}</a> ({size(lang, file.size)}){' '}
                        <Form method="post" className="inline-form">
                          <input type="hidden" name="attachmentId" value={file.id} />
                          <button type="submit" name="intent" value="remove-attachment" className="link-button">
                            {t('status.remove', { name: file.filename })}
                          </button>
                        </Form>
                      </li>
                    ))}
                  </ul>
                ) : null}
              </li>
            );
          })}
        </ol>
      </section>

      {actions.includes('withdraw') ? (
        <section aria-labelledby="withdraw-heading" className="panel">
          <h2 id="withdraw-heading">{t('status.withdrawHeading')}</h2>
          <p>{t('status.withdrawLead')}</p>
          <Form method="post">
            <button type="submit" name="intent" value="withdraw" className="secondary">
              {t('status.withdrawButton')}
            </button>
          </Form>
        </section>
      ) : null}
    </>
  );
}
