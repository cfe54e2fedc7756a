import type { DB } from '../../db/client';
import type { Config } from '../utils/env.server';
import type { DeadlineRules } from './deadlines';
import type { IntakeInput } from './request-intake';
import { createRequest, type IntakeResult } from './requests.server';

export function deadlineRules(config: { timeZone: string; holidays: readonly string[] }): DeadlineRules {
  return { timeZone: config.timeZone, holidays: config.holidays };
}

export type SubmitOutcome =
  | { kind: 'accepted'; result: IntakeResult }
  | { kind: 'rate_limited'; retryAfterSeconds: number };

/**
 * The intake as the public form uses it: rate limits per client address and per email, then
 * the request, then the emails in the same transaction.
 */
export async function submitIntake(
  deps: { db: DB; config: Config },
  submission: { input: IntakeInput; clientAddress: string; user?: { id: string; email: string } | null },
): Promise<SubmitOutcome> {
  const { db, config } = deps;
  const { input, user } = submission;
  const verifiedEmail = !!user && user.email.toLowerCase() === input.email.trim().toLowerCase();
  const result = await createRequest(db, { ...input, userId: user?.id ?? null, verifiedEmail }, { rules: deadlineRules(config) });
  return { kind: 'accepted', result };
}
