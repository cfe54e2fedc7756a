import type { DB } from '../../../db/client';
import type { Config } from '~/utils/env.server';
import { RATE_LIMITS } from '~/models/policy';
import { consumeRateLimit } from '~/models/rate-limits.server';
import { requestPolicy } from '~/models/requests/policy';
import { resendLink } from '~/models/requests/verification.server';

export type ResendOutcome = { kind: 'done' } | { kind: 'rate_limited'; retryAfterSeconds: number };

const RESEND_LIMITS = RATE_LIMITS.verificationResend;

/** "Email me a new link" from an expired or used verification link, rate-limited. */
export async function resendVerificationLink(
  deps: { db: DB; config: Config },
  input: { token: string; clientAddress: string },
): Promise<ResendOutcome> {
  const { db, config } = deps;
  for (const [bucket, key, limits] of [
    ['request-resend:address', input.clientAddress, RESEND_LIMITS.perAddress],
    ['request-resend:link', input.token, RESEND_LIMITS.perLink],
  ] as const) {
    const hit = await consumeRateLimit(db, { bucket, key, ...limits });
    if (!hit.allowed) return { kind: 'rate_limited', retryAfterSeconds: hit.retryAfterSeconds };
  }
  await resendLink(db, input.token, { rules: requestPolicy(config) });
  return { kind: 'done' };
}
