import dataCategories from './fideslang/data_categories.json';
import dataSubjects from './fideslang/data_subjects.json';
import dataUses from './fideslang/data_uses.json';
import type { DatamapTermKind } from '../../../db/schema';

/**
 * The controlled vocabulary of the data map: fideslang's data categories, data uses and data
 * subjects (a pinned copy, ./fideslang/SOURCE.md), plus the organisation's own keys, each below
 * a fideslang key (datamap_terms). Plain data: the forms and the record both read it.
 */
export const FIDESLANG_VERSION = '3.1.4a1';
export const FIDESLANG_SOURCE = 'https://github.com/ethyca/fideslang (commit 40394c4)';

export type Term = { fides_key: string; name: string; description: string; parent_key: string | null; deprecated?: boolean; custom?: boolean };
export type Vocabulary = Record<DatamapTermKind, Map<string, Term>>;
export const TERM_KINDS = ['data_category', 'data_use', 'data_subject'] as const satisfies readonly DatamapTermKind[];

export const TERM_KIND_LABELS: Record<DatamapTermKind, string> = {
  data_category: 'Data category',
  data_use: 'Data use',
  data_subject: 'Data subject',
};

const BASE: Record<DatamapTermKind, Term[]> = {
  data_category: dataCategories as Term[],
  data_use: dataUses as Term[],
  data_subject: dataSubjects as Term[],
};

export function baseTerms(kind: DatamapTermKind): readonly Term[] {
  return BASE[kind];
}

/** fideslang's terms and the organisation's own (custom terms never shadow a fideslang key). */
export function buildVocabulary(custom: ReadonlyArray<{ kind: DatamapTermKind; fides_key: string; name: string; description: string; parent_key: string }>): Vocabulary {
  const vocabulary = Object.fromEntries(TERM_KINDS.map((kind) => [kind, new Map(BASE[kind].map((t) => [t.fides_key, t]))])) as Vocabulary;
  for (const term of custom) {
    const map = vocabulary[term.kind];
    if (!map.has(term.fides_key)) map.set(term.fides_key, { ...term, custom: true });
  }
  return vocabulary;
}

/** A term's key and every key above it, nearest first. */
export function ancestry(vocabulary: Vocabulary, kind: DatamapTermKind, key: string): string[] {
  const chain: string[] = [];
  let current: string | null | undefined = key;
  while (current && !chain.includes(current)) {
    chain.push(current);
    current = vocabulary[kind].get(current)?.parent_key ?? (current.includes('.') ? current.slice(0, current.lastIndexOf('.')) : null);
  }
  return chain;
}

/**
 * fideslang keys of the special categories of Art. 9(1) (and Art. 10's criminal data): a
 * category is special when it or any key above it is one of these, so an organisation's own
 * key below `user.health_and_medical` is special too.
 */
export const SPECIAL_CATEGORY_KEYS = [
  'user.biometric',
  'user.authorization.biometric',
  'user.health_and_medical',
  'user.criminal_history',
  'user.demographic.political_opinion',
  'user.demographic.race_ethnicity',
  'user.demographic.religious_belief',
  'user.demographic.sexual_orientation',
] as const;

export function isSpecialCategory(vocabulary: Vocabulary, key: string): boolean {
  return ancestry(vocabulary, 'data_category', key).some((k) => (SPECIAL_CATEGORY_KEYS as readonly string[]).includes(k));
}

/** A term's name for people; an unknown key is shown as it is. */
export function termName(vocabulary: Vocabulary, kind: DatamapTermKind, key: string): string {
  return vocabulary[kind].get(key)?.name ?? key;
}
