import { sql } from 'kysely';
import type { DB } from '../../../db/client';
import type { RequestRow } from '../../../db/schema';
import { subjectAddressOf } from '~/models/requests/authority';
import type { RequestPolicy } from '~/models/requests/policy';
import { nextStep, reachedLevel, requiredLevel, VerificationLevelError, type LevelStep, type VerificationLevel } from '~/models/requests/verification-levels';
import { normalizeEmail } from '~/utils/email';

/**
 * The database side of the level a request needs: whether the subject's address has an
 * account that proved it, and the gate the `start` transition passes through.
 */

/** True when an account whose confirmed address is the request's subject address exists. */
export async function subjectHasAccount(db: DB, request: Pick<RequestRow, 'requester_role' | 'subject_email' | 'email'>): Promise<boolean> {
  const found = await db
    .selectFrom('users')
    .select('id')
    .where(sql<string>`lower(email)`, '=', normalizeEmail(subjectAddressOf(request)))
    .where('email_verified_at', 'is not', null)
    .executeTakeFirst();
  return found !== undefined;
}

export type LevelStatus = { needed: VerificationLevel; reached: VerificationLevel | null; step: LevelStep | null; hasAccount: boolean };

/** The level the request needs, the one it reached, and what would raise it. */
export async function levelStatus(db: DB, request: RequestRow, rules: Pick<RequestPolicy, 'verificationLevels'>): Promise<LevelStatus> {
  const hasAccount = await subjectHasAccount(db, request);
  const needed = requiredLevel(request, hasAccount, rules.verificationLevels);
  const reached = reachedLevel(request);
  return { needed, reached, step: nextStep(reached, needed), hasAccount };
}

/** The gate of `start`: throws VerificationLevelError when the request is below its level. */
export async function assertLevelForStart(db: DB, request: RequestRow, rules: Pick<RequestPolicy, 'verificationLevels'>): Promise<void> {
  const status = await levelStatus(db, request, rules);
  if (status.step !== null) throw new VerificationLevelError(status.needed, status.reached);
}
