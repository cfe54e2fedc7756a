import type { DB } from '../../../db/client';
import type { Config } from '~/utils/env.server';
import type { IntakeInput } from '~/models/requests/intake-rules.server';
import type { AttachmentType } from '~/models/requests/attachments.server';
import type { Language } from '~/utils/i18n';
import { requestPolicy } from '~/models/requests/policy';
import { RATE_LIMITS } from '~/models/policy';
import { consumeRateLimit } from '~/models/rate-limits.server';
import { createRequest, emailKey, type IntakeResult } from '~/models/requests/requests.server';

const INTAKE_LIMITS = RATE_LIMITS.requestIntake;

export type SubmitOutcome =
  | { kind: 'accepted'; result: IntakeResult }
  | { kind: 'rate_limited'; retryAfterSeconds: number };

/**
 * The intake as the public form uses it: rate limits per client address and per email, then
 * the request with its emails in one transaction.
 */
export async function submitIntake(
  deps: { db: DB; config: Config },
  submission: {
    input: IntakeInput;
    lang?: Language;
    authorisation?: { filename: string; bytes: Buffer; contentType: AttachmentType };
    clientAddress: string;
    user?: { id: string } | null;
  },
): Promise<SubmitOutcome> {
  const { db, config } = deps;
  const { input, user } = submission;
  for (const [bucket, key, limits] of [
    ['request-intake:address', submission.clientAddress, INTAKE_LIMITS.perAddress],
    ['request-intake:email', emailKey(input.email), INTAKE_LIMITS.perEmail],
  ] as const) {
    const hit = await consumeRateLimit(db, { bucket, key, ...limits });
    if (!hit.allowed) return { kind: 'rate_limited', retryAfterSeconds: hit.retryAfterSeconds };
  }
  // Only the account's confirmed address makes the request the account's (createRequest checks).
  const result = await createRequest(
    db,
    { ...input, userId: user?.id ?? null, lang: submission.lang, authorisation: submission.authorisation },
    { rules: requestPolicy(config), exportKey: config.secrets.exportKey },
  );
  return { kind: 'accepted', result };
}
