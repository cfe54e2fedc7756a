import { renderToStaticMarkup } from 'react-dom/server';
import type { TFunction } from 'i18next';
import { basisNotes } from '~/models/datamap/describe';
import type { PackageProcessing } from '~/models/datamap/package.server';
import type { Organisation } from '~/utils/env.server';
import { formatDay, formatInstant, formatNumber, tFor, type Language } from '~/utils/i18n';

/** `data.json` of an access package: documented key by key in `summary.html` (package.keys.*). */
export type PackageData = {
  format: 'privacy-portal/access-package/v1';
  generatedAt: string;
  /** The request this package answers, as it stands once answered (the package is built in the completing transaction). */
  request: {
    reference: string;
    type: string;
    receivedAt: string | null;
    state: string;
    closedAt: string | null;
    outcome: string | null;
    withheldReason: string | null;
  };
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
    withheldReason: string | null;
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
  /** Art. 15(1)(a)–(d), (g), (h) from the data map: the portal's declarations and those of each system that answered it holds data. */
  processing: PackageProcessing;
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
  'processing',
] as const satisfies ReadonlyArray<keyof PackageData>;

/**
 * The readable half of the package as one document model: what `summary.html` and `summary.pdf`
 * both show, so the two carry the same Art. 15 content word for word and cannot drift apart.
 */
export type Inline = { text: string; href?: string; code?: boolean };
export type SummaryBlock =
  | { kind: 'paragraph'; parts: Inline[]; preserve?: boolean }
  | { kind: 'list'; items: Inline[][] }
  | { kind: 'table'; columns: string[]; rows: Inline[][] }
  | { kind: 'definitions'; items: Array<{ term: string; description: string }> };
export type SummarySection = { heading: string; id?: string; blocks: SummaryBlock[] };
export type SummaryDocument = { lang: Language; title: string; intro: SummaryBlock[]; sections: SummarySection[] };

/** Extra files in the package in the format the subject asked for (beside data.json and summary.html). */
export type SummaryExtras = { pdf: boolean; csv: boolean };

export type SummaryOptions = {
  lang: Language;
  organisation: Organisation;
  answer: string | null;
  timeZone: string;
  publicUrl: string;
  extras?: SummaryExtras;
};

function size(lang: Language, bytes: number): string {
  return bytes < 1024 ? `${formatNumber(lang, bytes)} B` : `${formatNumber(lang, Math.ceil(bytes / 1024))} KB`;
}

const text = (value: string): Inline[] => [{ text: value }];
const paragraph = (value: string, preserve = false): SummaryBlock => ({ kind: 'paragraph', parts: text(value), preserve });
const list = (items: Array<string | false | null | undefined | Inline[]>): SummaryBlock => ({
  kind: 'list',
  items: items.filter((i): i is string | Inline[] => Boolean(i)).map((i) => (typeof i === 'string' ? text(i) : i)),
});

/** Every Art. 15(1) item, in the subject's language, from the package's data. */
export function buildSummary(data: PackageData, options: SummaryOptions): SummaryDocument {
  const { lang, organisation: org, answer, timeZone, publicUrl } = options;
  const t: TFunction = tFor(lang);
  const extras = options.extras ?? { pdf: false, csv: false };
  const sentFiles = data.requests.reduce((n, r) => n + r.filesYouSent.length, 0);
  const mechanism = (m: string) => t(`mechanisms.${m}`, { defaultValue: m });
  const portability = data.request.type === 'portability';
  const files = [
    { path: 'summary.html', bytes: null as number | null, sha256: null as string | null },
    ...(extras.pdf ? [{ path: 'summary.pdf', bytes: null, sha256: null }] : []),
    { path: 'data.json', bytes: null, sha256: null },
    ...(extras.csv ? [{ path: 'data.csv', bytes: null, sha256: null }] : []),
    ...data.filesFromOtherSystems,
  ];
  const sections: SummarySection[] = [];
  if (answer) sections.push({ heading: t('package.messageHeading'), blocks: [paragraph(answer, true)] });
  if (data.request.outcome === 'partial') {
    sections.push({
      heading: t(portability ? 'package.withheldHeadingPortability' : 'package.withheldHeadingAccess'),
      blocks: [
        paragraph(t(portability ? 'outcomes.withheldPortability' : 'outcomes.withheldAccess')),
        paragraph(t('outcomes.withheldWhat', { reason: data.request.withheldReason ?? '' }), true),
      ],
    });
  }
  const privacyNotice = org.links.privacyNotice;
  const entries = data.processing.systems.flatMap((s) => s.activities.map((a) => ({ system: s.why === 'portal' ? t('processing.package.portal') : s.system, a })));
  const perActivity = (columns: string[], cells: (e: (typeof entries)[number]) => Inline[]): SummaryBlock => ({
    kind: 'table',
    columns: [t('processing.package.colSystem'), ...columns],
    rows: entries.map((e) => [{ text: e.system }, ...cells(e)]),
  });
  const declaredRecipients = [...new Set(entries.flatMap((e) => e.a.recipients))];
  const transfers = entries.filter((e) => e.a.transfers.length > 0);
  const automated = entries.filter((e) => e.a.automatedDecisions !== t('processing.automatedNone'));
  sections.push(
    {
      heading: t('package.purposesHeading'),
      blocks: [
        paragraph(t('processing.package.lead')),
        perActivity([t('processing.package.colActivity'), t('processing.package.colBasis')], (e) => [
          { text: `${e.a.name}: ${e.a.purpose}` },
          { text: [e.a.legalBasis, ...basisNotes(e.a, t)].join(' ') },
        ]),
        ...(privacyNotice ? [{ kind: 'paragraph' as const, parts: [{ text: `${t('package.purposeOther')} ` }, { text: privacyNotice, href: privacyNotice }] }] : []),
      ],
    },
    {
      heading: t('package.categoriesHeading'),
      blocks: [
        list([
          t('package.categoryIdentity'),
          t('package.categoryRequests', { count: data.requests.length }),
          sentFiles > 0 && t('package.categoryFiles', { count: sentFiles }),
          data.account && t('package.categoryAccount'),
          data.subprocessorAlertSubscriptions.length > 0 && t('package.categorySubscriptions'),
          data.subprocessorObjections.length > 0 && t('package.categoryObjections'),
          data.filesFromOtherSystems.length > 0 && t('package.categoryOther', { count: data.filesFromOtherSystems.length }),
        ]),
        perActivity([t('processing.package.colActivity'), t('processing.package.colCategories')], (e) => [{ text: e.a.name }, { text: e.a.dataCategories.join(', ') }]),
      ],
    },
    {
      heading: t('package.recipientsHeading'),
      blocks: [
        paragraph(t('package.recipientsLead', { date: formatDay(lang, data.recipients.asOf) })),
        data.recipients.subprocessors.length
          ? {
              kind: 'table',
              columns: [t('package.colName'), t('package.colPurpose'), t('package.colData'), t('package.colWhere'), t('package.colTransfer')],
              rows: data.recipients.subprocessors.map((s) => [
                { text: `${s.name} (${s.legalEntity})` },
                { text: s.purpose },
                { text: s.dataCategories.join(', ') },
                { text: s.locations.join(', ') },
                { text: mechanism(s.transferMechanism) },
              ]),
            }
          : paragraph(t('package.recipientsNone')),
        ...(declaredRecipients.length ? [paragraph(t('processing.package.declaredRecipients')), list(declaredRecipients)] : []),
        ...(transfers.length
          ? [paragraph(t('processing.package.transfersHeading')), list(transfers.map((e) => `${e.system}, ${e.a.name}: ${e.a.transfers.join('; ')}`))]
          : []),
      ],
    },
    {
      heading: t('package.retentionHeading'),
      blocks: [perActivity([t('processing.package.colActivity'), t('processing.package.colRetention')], (e) => [{ text: e.a.name }, { text: e.a.retention }])],
    },
    { heading: t('package.rightsHeading'), blocks: [paragraph(t('package.rights', { url: `${publicUrl}/requests/new` }))] },
    {
      heading: t('package.complaintHeading'),
      blocks: [paragraph(t('package.complaint', { authority: org.authority.name, address: org.authority.address, url: org.authority.url }))],
    },
    {
      heading: t('package.sourceHeading'),
      blocks: [
        perActivity([t('processing.package.colActivity'), t('processing.package.colSource')], (e) => [{ text: e.a.name }, { text: e.a.source }]),
        ...(data.filesFromOtherSystems.length > 0 ? [paragraph(t('package.sourceOther'))] : []),
      ],
    },
    {
      heading: t('package.automatedHeading'),
      blocks: [automated.length ? list(automated.map((e) => `${e.system}, ${e.a.name}: ${e.a.automatedDecisions}`)) : paragraph(t('processing.automatedNone'))],
    },
    {
      heading: t('package.filesHeading'),
      blocks: [
        {
          kind: 'table',
          columns: [t('package.fileColPath'), t('package.fileColSize'), t('package.fileColHash')],
          rows: files.map((f) => [
            { text: f.path, code: true },
            { text: f.bytes === null ? '' : size(lang, f.bytes) },
            { text: f.sha256 ?? '', code: true },
          ]),
        },
      ],
    },
    {
      heading: t('package.keysHeading'),
      id: 'keys',
      blocks: [{ kind: 'definitions', items: PACKAGE_KEYS.map((key) => ({ term: key, description: t(`package.keys.${key}`) })) }],
    },
    {
      heading: t('package.contactHeading'),
      blocks: [
        paragraph(t('package.contact', { email: org.privacyEmail, reference: data.request.reference, org: org.name, address: org.postalAddress })),
        ...(org.dpo ? [paragraph(t('package.dpo', { name: org.dpo.email ? `${org.dpo.name} <${org.dpo.email}>` : org.dpo.name }))] : []),
      ],
    },
  );
  return {
    lang,
    title: t('package.title', { org: org.name }),
    intro: [
      paragraph(
        t(portability ? 'package.introPortability' : 'package.introAccess', {
          reference: data.request.reference,
          date: formatInstant(lang, data.generatedAt, timeZone),
        }),
      ),
      paragraph([t('package.contents'), extras.pdf && t('package.contentsPdf'), extras.csv && t('package.contentsCsv')].filter(Boolean).join(' ')),
    ],
    sections,
  };
}

/**
 * Self-contained: no script, styles inline. Tables reflow into labelled blocks on a narrow
 * screen (each cell names its column), and long unbroken strings (hashes, addresses) wrap,
 * so nothing is wider than a phone.
 */
const STYLE = `*,*::before,*::after{box-sizing:border-box}
body{font-family:system-ui,sans-serif;line-height:1.5;max-width:52rem;margin:0 auto;padding:1rem;color:#1a1a1a;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}code{font-size:.85em;word-break:break-all}.prewrap{white-space:pre-wrap}h2{margin-top:2rem;border-bottom:1px solid #ddd}
dd{margin:0 0 .5rem 1.5rem}
@media (max-width:40rem){table,tbody,tr,td{display:block;width:100%}thead{position:absolute;left:-9999px}
tr{border:1px solid #bbb;margin-bottom:.75rem}td{border:0;border-bottom:1px solid #eee}td:last-child{border-bottom:0}
td::before{content:attr(data-label) ": ";font-weight:600}td[data-empty]{display:none}}`;

function Parts({ parts }: { parts: Inline[] }) {
  return (
    <>
      {parts.map((p, i) => (p.href ? <a key={i} href={p.href}>{p.text}</a> : p.code ? <code key={i}>{p.text}</code> : <span key={i}>{p.text}</span>))}
    </>
  );
}

function Block({ block }: { block: SummaryBlock }) {
  switch (block.kind) {
    case 'paragraph':
      return (
        <p className={block.preserve ? 'prewrap' : undefined}>
          <Parts parts={block.parts} />
        </p>
      );
    case 'list':
      return (
        <ul>
          {block.items.map((item, i) => (
            <li key={i}>
              <Parts parts={item} />
            </li>
          ))}
        </ul>
      );
    case 'table':
      return (
        <table>
          <thead>
            <tr>
              {block.columns.map((c) => (
                <th scope="col" key={c}>
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {block.rows.map((row, r) => (
              <tr key={r}>
                {row.map((cell, c) => (
                  <td key={c} data-label={block.columns[c]} data-empty={cell.text === '' ? '' : undefined}>
                    <Parts parts={cell.text === '' ? [] : [cell]} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      );
    case 'definitions':
      return (
        <dl>
          {block.items.map((item) => (
            <div key={item.term}>
              <dt>
                <code>{item.term}</code>
              </dt>
              <dd>{item.description}</dd>
            </div>
          ))}
        </dl>
      );
  }
}

function Summary({ doc }: { doc: SummaryDocument }) {
  return (
    <html lang={doc.lang}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{doc.title}</title>
        {/* Raw: React would escape the quotes in `content`, and the rule would not parse. A constant, no input in it. */}
        <style dangerouslySetInnerHTML={{ __html: STYLE }} />
      </head>
      <body>
        <main>
          <h1>{doc.title}</h1>
          {doc.intro.map((b, i) => (
            <Block key={i} block={b} />
          ))}
          {doc.sections.map((s) => (
            <section key={s.heading}>
              <h2 id={s.id}>{s.heading}</h2>
              {s.blocks.map((b, i) => (
                <Block key={i} block={b} />
              ))}
            </section>
          ))}
        </main>
      </body>
    </html>
  );
}

/** The readable half of the package: every Art. 15(1) item, in the subject's language, no script, styles inline. */
export function renderSummaryHtml(data: PackageData, options: SummaryOptions): string {
  return `<!DOCTYPE html>${renderToStaticMarkup(<Summary doc={buildSummary(data, options)} />)}`;
}
