import type { TFunction } from 'i18next';
import { localized } from '~/models/datamap/declarations';
import type { Declaration } from '~/models/datamap/declarations.server';
import { termName, type Vocabulary } from '~/models/datamap/vocabulary';

/**
 * One declaration in words, in one language: what the access summary, the Art. 30 record and
 * the public notice print. Texts the organisation translated are used in that language; the
 * rest stay as written (`untranslated` says whether any did).
 */
export type DescribedActivity = {
  name: string;
  purpose: string;
  legalBasis: string;
  legalBasisCode: string | null;
  specialCategoryCondition: string | null;
  legitimateInterest: string | null;
  rightToObject: boolean;
  consentWithdrawal: string | null;
  dataUse: string;
  dataCategories: string[];
  dataSubjects: string[];
  retention: string;
  source: string;
  recipients: string[];
  transfers: string[];
  automatedDecisions: string;
  untranslated: boolean;
};

export function countryName(lang: string, code: string): string {
  try {
    return new Intl.DisplayNames([lang], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}

export function describeActivity(
  d: Declaration,
  options: { lang: string; t: TFunction; vocabulary: Vocabulary; recipientNames: ReadonlyMap<string, string> },
): DescribedActivity {
  const { lang, t, vocabulary } = options;
  let untranslated = false;
  const text = (field: Parameters<typeof localized>[1]) => {
    const value = localized(d, field, lang);
    if (value.text && !value.translated && lang !== 'en') untranslated = true;
    return value.text;
  };
  const retention =
    d.retention.kind === 'period' && d.retention.period && d.retention.unit
      ? t('processing.retentionPeriod', { period: t(`processing.units.${d.retention.unit}`, { count: d.retention.period }), trigger: text('retentionTrigger') }).trim()
      : d.retention.kind === 'rule'
        ? text('retentionRule')
        : d.retention.kind === 'forever'
          ? t('processing.retentionForever')
          : t('processing.retentionUnstated');
  const source = [d.source.fromSubject ? t('processing.sourceSubject') : '', d.source.other ? text('sourceOther') : ''].filter(Boolean).join('; ');
  const interest = d.legalBasis === 'f' && d.legitimateInterest ? text('legitimateInterest') : null;
  const withdrawal = d.legalBasis === 'a' && d.consentWithdrawal ? text('consentWithdrawal') : null;
  return {
    name: text('name'),
    purpose: text('purpose'),
    legalBasis: t(`processing.legalBases.${d.legalBasis ?? 'none'}`),
    legalBasisCode: d.legalBasis ? `Art. 6(1)(${d.legalBasis})` : null,
    specialCategoryCondition: d.art9Condition ? t(`processing.art9.${d.art9Condition}`) : null,
    legitimateInterest: interest,
    rightToObject: d.legalBasis === 'f',
    consentWithdrawal: withdrawal,
    dataUse: termName(vocabulary, 'data_use', d.dataUse),
    dataCategories: d.dataCategories.map((k) => termName(vocabulary, 'data_category', k)),
    dataSubjects: d.dataSubjects.map((k) => termName(vocabulary, 'data_subject', k)),
    retention,
    source,
    recipients: d.recipients.map((r) => (r.kind === 'other' ? r.name || r.key : (options.recipientNames.get(`${r.kind}:${r.key}`) ?? r.key))),
    transfers: d.transfers.map((tr) => `${countryName(lang, tr.country)}: ${t(`processing.safeguards.${tr.safeguard || 'none'}`)}`),
    automatedDecisions: d.automated.made ? t('processing.automatedMade', { logic: text('automatedLogic') }) : t('processing.automatedNone'),
    untranslated,
  };
}

/** The words beside a legal basis: the interest and the right to object, or how to withdraw consent. */
export function basisNotes(a: DescribedActivity, t: TFunction): string[] {
  return [
    a.specialCategoryCondition ?? '',
    a.legitimateInterest ? t('processing.legitimateInterest', { interest: a.legitimateInterest }) : '',
    a.rightToObject ? t('processing.rightToObject') : '',
    a.consentWithdrawal ? t('processing.consentWithdrawal', { how: a.consentWithdrawal }) : '',
  ].filter(Boolean);
}
