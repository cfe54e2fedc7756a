import { Webhook, WebhookVerificationError } from 'standardwebhooks';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com), through the specification's
 * own `standardwebhooks` package: `webhook-id`, `webhook-timestamp` (seconds) and
 * `webhook-signature` (`v1,<base64 HMAC-SHA256 of "id.timestamp.payload">`). The id stays the
 * same across retries of one delivery, so a receiver can drop duplicates.
 *
 * During a secret rotation a message is signed with both the new and the previous secret (the
 * header carries both, space-separated, as the specification allows) and a callback verifies
 * under either, until the previous one's overlap ends.
 */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

export type WebhookHeaders = { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string };

export function signWebhook(secret: string, id: string, at: Date, payload: string): string {
  return new Webhook(secret).sign(id, at, payload);
}

/** The three headers of one delivery, signed with every secret given (the current one first). */
export function webhookHeaders(secrets: readonly string[], id: string, at: Date, payload: string): WebhookHeaders {
  if (secrets.length === 0) throw new Error('A webhook needs a secret to be signed');
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((s) => signWebhook(s, id, at, payload)).join(' '),
  };
}

export class WebhookSignatureError extends Error {
  override name = 'WebhookSignatureError';
}

/**
 * Verifies a signed message under any of `secrets` (the current, and the previous during its
 * overlap), over the raw bytes as received. Stale or future timestamps (more than 5 minutes
 * off) and any changed byte are refused; the reason never carries the payload.
 */
export function verifyWebhook(secrets: readonly string[], payload: string | Buffer, headers: Record<string, string | undefined>): void {
  const required = { 'webhook-id': headers['webhook-id'] ?? '', 'webhook-timestamp': headers['webhook-timestamp'] ?? '', 'webhook-signature': headers['webhook-signature'] ?? '' };
  if (!required['webhook-id'] || !required['webhook-timestamp'] || !required['webhook-signature']) throw new WebhookSignatureError('missing webhook headers');
  let last: unknown;
  for (const secret of secrets) {
    try {
      new Webhook(secret).verify(payload, required);
      return;
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      last = error;
    }
  }
  throw new WebhookSignatureError(last instanceof Error ? last.message : 'no matching signature');
}
