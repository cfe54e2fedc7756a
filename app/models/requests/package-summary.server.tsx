import { renderToStaticMarkup } from 'react-dom/server';
import type { TFunction } from 'i18next';
import { ACCESS_PACKAGE, RETENTION_DAYS } from '~/models/policy';
import type { Organisation } from '~/utils/env.server';
import { formatDay, formatInstant, formatNumber, tFor, type Language } from '~/utils/i18n';

/** `data.json` of an access package: documented key by key in `summary.html` (package.keys.*). */
export type PackageData = {
  format: 'privacy-portal/access-package/v1';
  generatedAt: string;
  request: { reference: string; type: string; receivedAt: string | null };
  controller: {
    name: string;
    postalAddress: string;
    privacyEmail: string;
    dpo: { name: string; email: string | undefined } | null;
    supervisoryAuthority: { name: string; address: string; url: string };
  };
  account: {
    email: string;
    role: string;
    createdAt: string;
    emailConfirmedAt: string | null;
    passwordLastChangedAt: string | null;
    sessions: Array<{ startedAt: string; lastSeenAt: string; expiresAt: string }>;
    signInHistory: Array<{ at: string; event: string; ipAddress: string | null }>;
  } | null;
  requests: Array<{
    reference: string;
    type: string;
    state: string;
    filedAt: string;
    receivedAt: string | null;
    dueDate: string | null;
    closedAt: string | null;
    outcome: string | null;
    language: string;
    name: string;
    email: string;
    filedBy: string;
    subject: { name: string | null; email: string | null; relationship: string | null } | null;
    accountIdentifier: string | null;
    details: string | null;
    scope: string | null;
    period: { from: string | null; to: string | null } | null;
    otherIdentifiers: string | null;
    preferredFormat: string | null;
    countryOfResidence: string | null;
    extension: { months: number; reason: string | null } | null;
    timeline: Array<{ at: string; event: string; message: string | null }>;
    filesYouSent: Array<{ name: string; type: string; bytes: number; sentAt: string }>;
  }>;
  subprocessorAlertSubscriptions: Array<{ subscribedAt: string; confirmedAt: string | null; unsubscribedAt: string | null; language: string }>;
  subprocessorObjections: Array<{
    at: string;
    subprocessor: string;
    change: string;
    organisation: string;
    reason: string;
    answer: string | null;
    answeredAt: string | null;
    language: string;
  }>;
  recipients: {
    asOf: string;
    subprocessors: Array<{
      name: string;
      legalEntity: string;
      purpose: string;
      dataCategories: string[];
      locations: string[];
      transferMechanism: string;
      since: string;
    }>;
  };
  filesFromOtherSystems: Array<{ path: string; type: string; bytes: number; sha256: string }>;
};

export const PACKAGE_KEYS = [
  'format',
  'generatedAt',
  'request',
  'controller',
  'account',
  'requests',
  'subprocessorAlertSubscriptions',
  'subprocessorObjections',
  'recipients',
  'filesFromOtherSystems',
] as const satisfies ReadonlyArray<keyof PackageData>;

const STYLE = `body{font-family:system-ui,sans-serif;line-height:1.5;max-width:52rem;margin:0 auto;padding:1rem;color:#1a1a1a}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}code{font-size:.85em;word-break:break-all}.prewrap{white-space:pre-wrap}h2{margin-top:2rem;border-bottom:1px solid #ddd}`;

function size(lang: Language, bytes: number): string {
  return bytes < 1024 ? `${formatNumber(lang, bytes)} B` : `${formatNumber(lang, Math.ceil(bytes / 1024))} KB`;
}

function Summary({ data, t, lang, org, answer, timeZone, publicUrl }: {
  data: PackageData;
  t: TFunction;
  lang: Language;
  org: Organisation;
  answer: string | null;
  timeZone: string;
  publicUrl: string;
}) {
  const sentFiles = data.requests.reduce((n, r) => n + r.filesYouSent.length, 0);
  const mechanism = (m: string) => t(`mechanisms.${m}`, { defaultValue: m });
  const files = [
    { path: 'summary.html', type: 'text/html', bytes: null as number | null, sha256: null as string | null },
    { path: 'data.json', type: 'application/json', bytes: null, sha256: null },
    ...data.filesFromOtherSystems,
  ];
  return (
    <html lang={lang}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{t('package.title', { org: org.name })}</title>
        <style>{STYLE}</style>
      </head>
      <body>
        <main>
          <h1>{t('package.title', { org: org.name })}</h1>
          <p>{t('package.intro', { reference: data.request.reference, date: formatInstant(lang, data.generatedAt, timeZone) })}</p>
          <p>{t('package.contents')}</p>
          {answer ? (
            <>
              <h2>{t('package.messageHeading')}</h2>
              <p className="prewrap">{answer}</p>
            </>
          ) : null}

          <h2>{t('package.purposesHeading')}</h2>
          <ul>
            <li>{t('package.purposeRequests')}</li>
            {data.account ? <li>{t('package.purposeAccount')}</li> : null}
            {data.subprocessorAlertSubscriptions.length ? <li>{t('package.purposeAlerts')}</li> : null}
            {data.subprocessorObjections.length ? <li>{t('package.purposeObjections')}</li> : null}
            <li>
              {t('package.purposeOther')}
              {org.links.privacyNotice ? (
                <>
                  {' '}
                  <a href={org.links.privacyNotice}>{org.links.privacyNotice}</a>
                </>
              ) : null}
            </li>
          </ul>

          <h2>{t('package.categoriesHeading')}</h2>
          <ul>
            <li>{t('package.categoryIdentity')}</li>
            <li>{t('package.categoryRequests', { count: data.requests.length })}</li>
            {sentFiles ? <li>{t('package.categoryFiles', { count: sentFiles })}</li> : null}
            {data.account ? <li>{t('package.categoryAccount')}</li> : null}
            {data.subprocessorAlertSubscriptions.length ? <li>{t('package.categorySubscriptions')}</li> : null}
            {data.subprocessorObjections.length ? <li>{t('package.categoryObjections')}</li> : null}
            {data.filesFromOtherSystems.length ? <li>{t('package.categoryOther', { count: data.filesFromOtherSystems.length })}</li> : null}
          </ul>

          <h2>{t('package.recipientsHeading')}</h2>
          <p>{t('package.recipientsLead', { date: formatDay(lang, data.recipients.asOf) })}</p>
          {data.recipients.subprocessors.length ? (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('package.colName')}</th>
                  <th scope="col">{t('package.colPurpose')}</th>
                  <th scope="col">{t('package.colData')}</th>
                  <th scope="col">{t('package.colWhere')}</th>
                  <th scope="col">{t('package.colTransfer')}</th>
                </tr>
              </thead>
              <tbody>
                {data.recipients.subprocessors.map((s) => (
                  <tr key={s.name}>
                    <td>
                      {s.name} ({s.legalEntity})
                    </td>
                    <td>{s.purpose}</td>
                    <td>{s.dataCategories.join(', ')}</td>
                    <td>{s.locations.join(', ')}</td>
                    <td>{mechanism(s.transferMechanism)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p>{t('package.recipientsNone')}</p>
          )}

          <h2>{t('package.retentionHeading')}</h2>
          <ul>
            <li>{t('package.retentionRequests', { days: RETENTION_DAYS.closedRequest })}</li>
            <li>{t('package.retentionAttachments', { days: RETENTION_DAYS.requestAttachmentsAfterClose })}</li>
            <li>{t('package.retentionPackage', { days: ACCESS_PACKAGE.downloadDays })}</li>
            {data.account ? <li>{t('package.retentionAccount')}</li> : null}
            {data.subprocessorAlertSubscriptions.length ? (
              <li>{t('package.retentionSubscriptions', { days: RETENTION_DAYS.unconfirmedSubscription })}</li>
            ) : null}
          </ul>

          <h2>{t('package.rightsHeading')}</h2>
          <p>{t('package.rights', { url: `${publicUrl}/requests/new` })}</p>

          <h2>{t('package.complaintHeading')}</h2>
          <p>{t('package.complaint', { authority: org.authority.name, address: org.authority.address, url: org.authority.url })}</p>

          <h2>{t('package.sourceHeading')}</h2>
          <ul>
            <li>{t('package.sourceYou')}</li>
            <li>{t('package.sourcePortal')}</li>
            {data.filesFromOtherSystems.length ? <li>{t('package.sourceOther')}</li> : null}
          </ul>

          <h2>{t('package.automatedHeading')}</h2>
          <p>{t('package.automated')}</p>

          <h2>{t('package.filesHeading')}</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('package.fileColPath')}</th>
                <th scope="col">{t('package.fileColSize')}</th>
                <th scope="col">{t('package.fileColHash')}</th>
              </tr>
            </thead>
            <tbody>
              {files.map((f) => (
                <tr key={f.path}>
                  <td>
                    <code>{f.path}</code>
                  </td>
                  <td>{f.bytes === null ? '' : size(lang, f.bytes)}</td>
                  <td>{f.sha256 ? <code>{f.sha256}</code> : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>

          <h2 id="keys">{t('package.keysHeading')}</h2>
          <dl>
            {PACKAGE_KEYS.map((key) => (
              <div key={key}>
                <dt>
                  <code>{key}</code>
                </dt>
                <dd>{t(`package.keys.${key}`)}</dd>
              </div>
            ))}
          </dl>

          <h2>{t('package.contactHeading')}</h2>
          <p>{t('package.contact', { email: org.privacyEmail, reference: data.request.reference, org: org.name, address: org.postalAddress })}</p>
          {org.dpo ? <p>{t('package.dpo', { name: org.dpo.email ? `${org.dpo.name} <${org.dpo.email}>` : org.dpo.name })}</p> : null}
        </main>
      </body>
    </html>
  );
}

/** The readable half of the package: every Art. 15(1) item, in the subject's language, no script, styles inline. */
export function renderSummaryHtml(
  data: PackageData,
  options: { lang: Language; organisation: Organisation; answer: string | null; timeZone: string; publicUrl: string },
): string {
  const t = tFor(options.lang);
  return `<!DOCTYPE html>${renderToStaticMarkup(
    <Summary data={data} t={t} lang={options.lang} org={options.organisation} answer={options.answer} timeZone={options.timeZone} publicUrl={options.publicUrl} />,
  )}`;
}
