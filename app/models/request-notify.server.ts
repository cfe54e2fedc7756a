import type { DB } from '../../db/client';
import type { Config } from '../utils/env.server';
import { resendLink } from './request-verification.server';

export type ResendOutcome = { kind: 'done' } | { kind: 'rate_limited'; retryAfterSeconds: number };

/** "Email me a new link" from an expired or used verification link. */
export async function resendVerificationLink(
  deps: { db: DB; config: Config },
  input: { token: string; clientAddress: string },
): Promise<ResendOutcome> {
  await resendLink(deps.db, input.token);
  return { kind: 'done' };
}
