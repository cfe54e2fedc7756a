import type { Declaration } from '~/models/datamap/declarations.server';
import { EEA_COUNTRIES } from '~/models/datamap/declarations';
import { isSpecialCategory, TERM_KINDS, type Vocabulary } from '~/models/datamap/vocabulary';

/**
 * What a DPO must fix in the map. A declaration that breaks one of these rules can still be
 * saved (the map should say what is true, gaps included); each finding is shown on its system's
 * page and counted on the /staff home until it is fixed.
 */
export const FINDING_RULES = {
  special_without_art9: 'Special categories of data without an Art. 9(2) condition',
  consent_without_withdrawal: 'Consent as the legal basis without a way to withdraw it (Art. 7(3))',
  unknown_recipient: 'A recipient that is not a known system or subprocessor',
  transfer_without_safeguard: 'A transfer outside the EEA without a safeguard (Chapter V)',
  retention_forever: 'Data kept forever: a retention period or rule is needed (Art. 5(1)(e))',
  unknown_term: 'A key that is not in the vocabulary',
  no_legal_basis: 'No legal basis (Art. 6(1))',
  retention_unstated: 'No retention stated (Art. 30(1)(f))',
} as const;
export type FindingRule = keyof typeof FINDING_RULES;
export type Finding = { rule: FindingRule; message: string };

/** What the map knows about, to check recipients against. */
export type KnownRecipients = { systems: ReadonlySet<string>; subprocessors: ReadonlySet<string> };

const FOREVER = /\b(forever|indefinite(ly)?|permanent(ly)?|unbefristet|dauerhaft|unbegrenzt|ind[ée]finiment|pour toujours|sans limite)\b/i;

export function findingsFor(d: Declaration, vocabulary: Vocabulary, known: KnownRecipients): Finding[] {
  const findings: Finding[] = [];
  const keys = { data_category: d.dataCategories, data_use: [d.dataUse], data_subject: d.dataSubjects };
  for (const kind of TERM_KINDS) {
    for (const key of keys[kind]) {
      if (!vocabulary[kind].has(key)) findings.push({ rule: 'unknown_term', message: `"${key}" is not a ${kind.replace('_', ' ')} of the vocabulary: add it under Vocabulary, or choose a fideslang key.` });
    }
  }
  const special = d.dataCategories.filter((key) => isSpecialCategory(vocabulary, key));
  if (special.length > 0 && !d.art9Condition && d.role === 'controller') {
    findings.push({ rule: 'special_without_art9', message: `Special categories (${special.join(', ')}) are held without an Art. 9(2) condition.` });
  }
  if (d.legalBasis === 'a' && !d.consentWithdrawal) {
    findings.push({ rule: 'consent_without_withdrawal', message: 'The basis is consent, but the declaration does not say how the subject withdraws it.' });
  }
  for (const r of d.recipients) {
    const knownOne = r.kind === 'system' ? known.systems.has(r.key) : r.kind === 'subprocessor' ? known.subprocessors.has(r.key) : false;
    if (!knownOne) findings.push({ rule: 'unknown_recipient', message: `"${r.name || r.key}" is not a system of the map or a subprocessor of the registry.` });
  }
  for (const t of d.transfers) {
    if (!EEA_COUNTRIES.has(t.country) && !t.safeguard) findings.push({ rule: 'transfer_without_safeguard', message: `The transfer to ${t.country} names no safeguard.` });
  }
  if (d.role === 'controller' && !d.legalBasis) findings.push({ rule: 'no_legal_basis', message: 'The declaration names no legal basis.' });
  if (d.retention.kind === 'unstated') findings.push({ rule: 'retention_unstated', message: 'The declaration does not say how long the data is kept.' });
  if (d.retention.kind === 'forever' || (d.retention.kind === 'rule' && FOREVER.test(d.retention.rule))) {
    findings.push({ rule: 'retention_forever', message: 'The data is kept forever.' });
  }
  return findings;
}
