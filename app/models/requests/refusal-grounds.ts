import type { RefusalGround } from '../../../db/schema';

/**
 * Why a request was refused, as one of a fixed list so refusals can be counted by reason (the
 * reports, a regulator's question). The words the subject reads stay the free-text reason in
 * the refusal notice. A CHECK in migration 0140 holds the same list.
 */
export const REFUSAL_GROUNDS = [
  'unfounded_or_excessive',
  'identity_not_established',
  'duplicate',
  'rights_of_others',
  'erasure_exemption',
  'legal_restriction',
  'other',
] as const satisfies readonly RefusalGround[];
export type { RefusalGround };

/** Staff pages' words for each ground, with the provision it rests on. */
export const REFUSAL_GROUND_LABELS: Record<RefusalGround, string> = {
  unfounded_or_excessive: 'Manifestly unfounded or excessive (Art. 12(5))',
  identity_not_established: 'Identity could not be established (Art. 11(2), 12(6))',
  duplicate: 'Duplicate of a request already answered or being answered',
  rights_of_others: 'Would adversely affect the rights of others (Art. 15(4))',
  erasure_exemption: 'Erasure exemption applies (Art. 17(3))',
  legal_restriction: 'Restricted by law (Art. 23)',
  other: 'Other ground',
};

/** Refusals recorded before grounds were kept (migration 0140) are counted under this. */
export const NOT_RECORDED = 'not_recorded';
