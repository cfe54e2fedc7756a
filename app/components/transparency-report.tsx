import { Link } from '@remix-run/react';
import type { YearFigures, FigureChange, TransparencyCorrectionReason } from '~/models/reports/transparency.server';
import { REQUEST_TYPE_VALUES } from '~/models/requests/request-types';
import { formatDay, formatNumber, type Language } from '~/utils/i18n';
import { useTranslation } from '~/utils/i18n-react';

const FIGURES = ['received', 'compliedWith', 'denied', 'medianDays', 'meanDays'] as const;

export type TransparencyData = {
  year: number;
  years: number[];
  version: number;
  isLatest: boolean;
  publishedOn: string;
  correctionReason: TransparencyCorrectionReason | null;
  changes: FigureChange[];
  figures: YearFigures;
  versions: { version: number; publishedOn: string }[];
};

/** The public yearly report: the same snapshot in every language, words from the catalogs. */
export function TransparencyReport({ data }: { data: TransparencyData }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language as Language;
  const number = (n: number | null) => (n === null ? t('transparency.none') : formatNumber(lang, n));
  const rightName = (right: string) => (right === 'total' ? t('transparency.total') : t(`requestTypes.${right}.label`));
  const rows = [...REQUEST_TYPE_VALUES.map((type) => [type, data.figures.rights[type]] as const), ['total', data.figures.total] as const];
  const latest = data.versions[0]!;
  return (
    <>
      <h1>{t('transparency.yearTitle', { year: data.year })}</h1>
      <p className="lead">{t('transparency.lead')}</p>
      {!data.isLatest ? (
        <p className="callout">
          {t('transparency.readingOld', { version: data.version, date: formatDay(lang, data.publishedOn) })}{' '}
          <Link to={`/transparency/${data.year}`}>{t('transparency.readCurrent')}</Link>
        </p>
      ) : null}
      <p>{t('transparency.published', { date: formatDay(lang, data.versions.at(-1)!.publishedOn) })}</p>
      {data.correctionReason ? (
        <section className="correction" aria-label={t('transparency.changed')}>
          <p>
            <strong>
              {t('transparency.corrected', { date: formatDay(lang, data.publishedOn), reason: t(`transparency.reasons.${data.correctionReason}`) })}
            </strong>
          </p>
          <p>{t('transparency.changed')}</p>
          <ul>
            {data.changes.map((c) => (
              <li key={`${c.right}-${c.figure}`}>
                {t('transparency.change', {
                  right: rightName(c.right),
                  figure: t(`transparency.figures.${c.figure}`),
                  from: number(c.from),
                  to: number(c.to),
                })}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <table className="responsive-table transparency-table">
        <caption>{t('transparency.caption', { year: data.year })}</caption>
        <thead>
          <tr>
            <th scope="col">{t('transparency.right')}</th>
            {FIGURES.map((f) => (
              <th scope="col" key={f}>
                {t(`transparency.figures.${f}`)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map(([right, row]) => (
            <tr key={right}>
              <th scope="row">{rightName(right)}</th>
              {FIGURES.map((f) => (
                <td key={f} data-label={t(`transparency.figures.${f}`)} className="number">
                  {number(row?.[f] ?? null)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <h2>{t('transparency.howWeCount')}</h2>
      <ul>
        <li>{t('transparency.methodReceived')}</li>
        <li>{t('transparency.methodAnswered')}</li>
        <li>{t('transparency.methodDays', { timeZone: data.figures.timeZone })}</li>
        <li>{t('transparency.nothingPersonal')}</li>
      </ul>
      {data.versions.length > 1 ? (
        <>
          <h2>{t('transparency.versions')}</h2>
          <ul>
            {data.versions.map((v) => (
              <li key={v.version}>
                <Link to={v.version === latest.version ? `/transparency/${data.year}` : `/transparency/${data.year}?version=${v.version}`} aria-current={v.version === data.version ? 'page' : undefined}>
                  {t('transparency.version', { version: v.version, date: formatDay(lang, v.publishedOn) })}
                </Link>
                {v.version === latest.version ? ` (${t('transparency.current')})` : ''}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {data.years.length > 1 ? (
        <nav aria-label={t('transparency.years')}>
          <h2>{t('transparency.years')}</h2>
          <ul className="feeds">
            {data.years.map((y) => (
              <li key={y}>
                <Link to={`/transparency/${y}`} aria-current={y === data.year ? 'page' : undefined}>
                  {y}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      ) : null}
    </>
  );
}
