import type { RequestRow, VerificationLevel } from '../../../db/schema';
import { VERIFICATION_LEVEL_POLICY, type VerificationLevelPolicy } from '~/models/policy';
import { actsForAnotherPerson } from '~/models/requests/authority';

/**
 * Identity checks in proportion to the risk (issue 21.3). Pure rules; the database side is in
 * verification-levels.server.ts. A level is reached by an event (the email link, signing in,
 * a code, a staff check) and never lowered; `manual` satisfies every level.
 */
export type { VerificationLevel };
export const VERIFICATION_LEVELS: readonly VerificationLevel[] = ['email', 'account', 'account+code', 'manual'];

const RANK: Record<VerificationLevel, number> = { email: 1, account: 2, 'account+code': 3, manual: 4 };

/** Staff's words for each level (the subject reads `verification.*` in their language). */
export const LEVEL_LABELS: Record<VerificationLevel, string> = {
  email: 'Email link (the address was proven)',
  account: 'Signed in to the account that proved the address',
  'account+code': 'Signed in, plus a one-time code sent to the address',
  manual: 'Checked by staff',
};

export function levelSatisfies(reached: VerificationLevel | null, needed: VerificationLevel): boolean {
  if (!reached) return false;
  if (reached === 'manual') return true;
  if (needed === 'manual') return false;
  return RANK[reached] >= RANK[needed];
}

/** The higher of two levels (null counts as none). */
export function higherLevel(a: VerificationLevel | null, b: VerificationLevel | null): VerificationLevel | null {
  if (!a) return b;
  if (!b) return a;
  return RANK[a] >= RANK[b] ? a : b;
}

type LevelFields = Pick<
  RequestRow,
  'type' | 'state' | 'requester_role' | 'subject_email' | 'email' | 'email_key' | 'verification_level' | 'subject_confirmed_via' | 'authority_checked_at'
>;

/** The level a request needs: from the policy table, by type and whether its subject's address has an account. */
export function requiredLevel(
  request: Pick<RequestRow, 'type'>,
  hasAccount: boolean,
  policy: VerificationLevelPolicy = VERIFICATION_LEVEL_POLICY,
): VerificationLevel {
  const row = policy[request.type];
  return hasAccount ? row.withAccount : row.withoutAccount;
}

/**
 * The level a request has reached. An agent's request for another person is judged on the
 * subject: the agent's own link proves only the agent's address ('email' for the types that
 * need no more), the subject's confirmation signed in reaches 'account', and a recorded check
 * of the agent's authority reaches 'manual'.
 */
export function reachedLevel(request: LevelFields): VerificationLevel | null {
  const stored = request.verification_level;
  if (!actsForAnotherPerson(request)) return stored;
  let level: VerificationLevel | null = stored === 'manual' || stored === 'account+code' ? stored : stored ? 'email' : null;
  if (request.subject_confirmed_via === 'account') level = higherLevel(level, 'account');
  if (request.subject_confirmed_via === 'email') level = higherLevel(level, 'email');
  if (request.authority_checked_at) level = 'manual';
  return level;
}

/** What the subject must do next to reach `needed` from `reached`; null when nothing is owed. */
export type LevelStep = 'sign_in' | 'code' | 'staff';
export function nextStep(reached: VerificationLevel | null, needed: VerificationLevel): LevelStep | null {
  if (levelSatisfies(reached, needed)) return null;
  if (needed === 'manual') return 'staff';
  if (needed === 'account+code' && levelSatisfies(reached, 'account')) return 'code';
  return 'sign_in';
}

export class VerificationLevelError extends Error {
  override name = 'VerificationLevelError';
  constructor(
    readonly needed: VerificationLevel,
    readonly reached: VerificationLevel | null,
  ) {
    super(
      `This request needs the identity level "${LEVEL_LABELS[needed]}" before it can be started; it has reached ${reached ? `"${LEVEL_LABELS[reached]}"` : 'none'}. ` +
        (needed === 'manual' ? 'Record a manual identity check first.' : 'The subject was told how to raise it; or record a manual identity check.'),
    );
  }
}

/** Words that ask for a copy of an identity document, in the portal's languages (linear: alternatives of fixed words). */
const ID_COPY_WORDS =
  /\b(?:passport|id[ -]?card|identity card|identity document|photo ?id\b|driv(?:ing|er'?s) licen[cs]e|reisepass|personalausweis|ausweis|f[üu]hrerschein|passeport|carte d['’]identit[ée]|pi[èe]ce d['’]identit[ée]|permis de conduire)/i;

/** True when a question to the subject asks for an identity document. */
export function asksForIdCopy(text: string): boolean {
  return ID_COPY_WORDS.test(text);
}
