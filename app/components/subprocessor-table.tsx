import { useTranslation } from '~/utils/i18n-react';
import type { SubprocessorDetails } from '../../db/schema';
import { formatDay, type Language } from '~/utils/i18n';

type Entry = SubprocessorDetails & { slug: string; since: string; category?: string; locationNames?: string[] };

/** The list of subprocessors; on a phone each row becomes a card (see app.css `.responsive-table`). */
export function SubprocessorTable({ entries, caption }: { entries: Entry[]; caption: string }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language as Language;
  if (entries.length === 0) return <p>{t('table.none')}</p>;
  return (
    <table className="responsive-table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{t('table.name')}</th>
          <th scope="col">{t('table.legalEntity')}</th>
          <th scope="col">{t('table.purpose')}</th>
          <th scope="col">{t('table.dataCategories')}</th>
          <th scope="col">{t('table.locations')}</th>
          <th scope="col">{t('table.mechanism')}</th>
          <th scope="col">{t('table.since')}</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e) => (
          <tr key={e.slug} id={`sp-${e.slug}`}>
            <th scope="row" data-label={t('table.name')}>
              <a href={e.website} rel="noopener noreferrer">
                {e.name}
              </a>
              <span className="print-only"> ({e.website})</span>
              {e.category ? <span className="category">{t(`categories.${e.category}`)}</span> : null}
            </th>
            <td data-label={t('table.legalEntity')}>{e.legalEntity}</td>
            <td data-label={t('table.purpose')}>{e.purpose}</td>
            <td data-label={t('table.dataCategories')}>{e.dataCategories.join(', ')}</td>
            <td data-label={t('table.locations')}>{(e.locationNames ?? e.locations).join(', ')}</td>
            <td data-label={t('table.mechanism')}>{t(`mechanisms.${e.transferMechanism}`, { defaultValue: e.transferMechanism })}</td>
            <td data-label={t('table.since')}>
              <time dateTime={e.since}>{formatDay(lang, e.since)}</time>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
