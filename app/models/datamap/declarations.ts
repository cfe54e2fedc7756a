import { TRANSFER_MECHANISMS } from '~/models/subprocessors/rules';
import type { Declaration } from '~/models/datamap/declarations.server';

/**
 * One processing activity of one system, as declared in the data map: everything Art. 30(1)
 * and Art. 13/14/15 ask about it. Stored as JSON in processing_activities.declaration, one row
 * per saved version; declarations.server.ts holds the schema that guards every write and read.
 * This module is the plain half the pages share: the lists, the form's fields, the translations.
 */

export const LEGAL_BASES = ['a', 'b', 'c', 'd', 'e', 'f'] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];
export const ART9_CONDITIONS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'] as const;
export type Art9Condition = (typeof ART9_CONDITIONS)[number];
/** `unstated` only comes in by import (the form asks for one of the others); it is a finding. */
export const RETENTION_KINDS = ['period', 'rule', 'forever', 'unstated'] as const;
export const RETENTION_UNITS = ['days', 'months', 'years'] as const;
export const ROLES = ['controller', 'processor'] as const;
/** Safeguards for a transfer outside the EEA: the subprocessor registry's, less "no transfer", plus Art. 49. */
export const SAFEGUARDS = ['adequacy', 'eu-us-dpf', 'sccs', 'bcrs', 'art49'] as const satisfies ReadonlyArray<keyof typeof TRANSFER_MECHANISMS | 'art49'>;
export type Safeguard = (typeof SAFEGUARDS)[number];
/** The texts an organisation may translate, per language. */
export const TRANSLATABLE = ['name', 'purpose', 'legitimateInterest', 'consentWithdrawal', 'retentionTrigger', 'retentionRule', 'sourceOther', 'automatedLogic'] as const;
export type Translatable = (typeof TRANSLATABLE)[number];
export const TRANSLATION_LANGUAGES = ['en', 'de', 'fr'] as const;

/** EU member states and Iceland, Liechtenstein and Norway (ISO 3166-1 alpha-2; Greece as GR). */
export const EEA_COUNTRIES = new Set([
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE',
  'IS', 'LI', 'NO',
]);

/** The text to show in `lang`: the organisation's translation when it has one, else the original. */
export function localized(d: Declaration, field: Translatable, lang: string): { text: string; translated: boolean } {
  const translated = d.translations[lang as (typeof TRANSLATION_LANGUAGES)[number]]?.[field];
  if (translated) return { text: translated, translated: true };
  const base: Record<Translatable, string> = {
    name: d.name,
    purpose: d.purpose,
    legitimateInterest: d.legitimateInterest,
    consentWithdrawal: d.consentWithdrawal,
    retentionTrigger: d.retention.trigger,
    retentionRule: d.retention.rule,
    sourceOther: d.source.other,
    automatedLogic: d.automated.logic,
  };
  return { text: base[field], translated: false };
}

/** Whether every text of the activity that is shown has a translation in `lang`. */
export function fullyTranslated(d: Declaration, lang: string): boolean {
  const shown = TRANSLATABLE.filter((f) => localized(d, f, 'none').text !== '');
  return shown.every((f) => localized(d, f, lang).translated);
}

// ---- The staff form: flat fields in, a Declaration out ------------------------------------

export const TRANSFER_ROWS = 3;

/** Checkbox names: one per vocabulary key or recipient, so a form field is never repeated. */
export const CHECKBOX_PREFIX = { dataCategories: 'cat:', dataSubjects: 'subj:', recipientRefs: 'rcp:' } as const;

/** Form fields → the declaration's shape (then checked by declarationSchema). */
export function declarationFromForm(fields: Record<string, string | undefined>) {
  const one = (name: string) => fields[name] ?? '';
  const many = (name: keyof typeof CHECKBOX_PREFIX) =>
    Object.entries(fields)
      .filter(([k, v]) => k.startsWith(CHECKBOX_PREFIX[name]) && v === 'on')
      .map(([k]) => k.slice(CHECKBOX_PREFIX[name].length));
  const lines = (name: string) =>
    one(name)
      .split(/\r?\n/)
      .map((s) => s.trim())
      .filter(Boolean);
  const period = one('retentionPeriod').trim();
  const recipients = [
    ...many('recipientRefs').map((ref) => {
      const [kind, ...rest] = ref.split(':');
      return { kind: kind === 'subprocessor' ? ('subprocessor' as const) : ('system' as const), key: rest.join(':'), name: '' };
    }),
    ...lines('otherRecipients').map((name) => ({ kind: 'other' as const, key: name, name })),
  ];
  const transfers = Array.from({ length: TRANSFER_ROWS }, (_, i) => ({ country: one(`transfer${i}Country`), safeguard: one(`transfer${i}Safeguard`) })).filter(
    (t) => t.country.trim() !== '',
  );
  const translations: Record<string, Record<string, string>> = {};
  for (const lang of TRANSLATION_LANGUAGES) {
    for (const field of TRANSLATABLE) {
      const value = one(`t_${lang}_${field}`).trim();
      if (value) (translations[lang] ??= {})[field] = value;
    }
  }
  return {
    name: one('name'),
    purpose: one('purpose'),
    role: one('role') || 'controller',
    controllerName: one('controllerName'),
    dataUse: one('dataUse'),
    dataCategories: many('dataCategories'),
    dataSubjects: many('dataSubjects'),
    legalBasis: one('legalBasis') || null,
    art9Condition: one('art9Condition') || null,
    legitimateInterest: one('legitimateInterest'),
    consentWithdrawal: one('consentWithdrawal'),
    retention: {
      kind: one('retentionKind') || 'period',
      period: /^\d{1,4}$/.test(period) ? Number(period) : period === '' ? null : -1,
      unit: one('retentionUnit') || null,
      trigger: one('retentionTrigger'),
      rule: one('retentionRule'),
    },
    source: { fromSubject: one('sourceFromSubject') === 'on', other: one('sourceOther') },
    recipients,
    transfers,
    automated: { made: one('automatedMade') === 'yes', logic: one('automatedLogic') },
    translations,
  };
}

/** A saved declaration → the form's flat default values. */
export function declarationToForm(d: Declaration): Record<string, string> {
  const out: Record<string, string> = {
    name: d.name,
    purpose: d.purpose,
    role: d.role,
    controllerName: d.controllerName,
    dataUse: d.dataUse,
    legalBasis: d.legalBasis ?? '',
    art9Condition: d.art9Condition ?? '',
    legitimateInterest: d.legitimateInterest,
    consentWithdrawal: d.consentWithdrawal,
    retentionKind: d.retention.kind,
    retentionPeriod: d.retention.period === null ? '' : String(d.retention.period),
    retentionUnit: d.retention.unit ?? '',
    retentionTrigger: d.retention.trigger,
    retentionRule: d.retention.rule,
    sourceFromSubject: d.source.fromSubject ? 'on' : '',
    sourceOther: d.source.other,
    otherRecipients: d.recipients
      .filter((r) => r.kind === 'other')
      .map((r) => r.name || r.key)
      .join('\n'),
    automatedMade: d.automated.made ? 'yes' : 'no',
    automatedLogic: d.automated.logic,
  };
  for (const key of d.dataCategories) out[`${CHECKBOX_PREFIX.dataCategories}${key}`] = 'on';
  for (const key of d.dataSubjects) out[`${CHECKBOX_PREFIX.dataSubjects}${key}`] = 'on';
  for (const r of d.recipients) if (r.kind !== 'other') out[`${CHECKBOX_PREFIX.recipientRefs}${r.kind}:${r.key}`] = 'on';
  d.transfers.forEach((t, i) => {
    out[`transfer${i}Country`] = t.country;
    out[`transfer${i}Safeguard`] = t.safeguard;
  });
  for (const [lang, texts] of Object.entries(d.translations)) for (const [field, value] of Object.entries(texts ?? {})) out[`t_${lang}_${field}`] = value as string;
  return out;
}
