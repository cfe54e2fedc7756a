import { afterEach, describe, expect, it, vi } from 'vitest';
import { signWebhook, verifyWebhook, webhookHeaders, WebhookSignatureError } from '../../app/models/systems/webhook-signing.server';

/**
 * Issue 19: Standard Webhooks signatures. The vector is the specification's own (not written by
 * us): secret, id, timestamp and payload below give exactly this signature.
 */
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const at = new Date(VECTOR.timestamp * 1000);
const headers = { 'webhook-id': VECTOR.id, 'webhook-timestamp': String(VECTOR.timestamp), 'webhook-signature': VECTOR.signature };

afterEach(() => {
  vi.useRealTimers();
});

describe('the Standard Webhooks test vector', () => {
  it('our signer produces the expected signature', () => {
    expect(signWebhook(VECTOR.secret, VECTOR.id, at, VECTOR.payload)).toBe(VECTOR.signature);
    expect(webhookHeaders([VECTOR.secret], VECTOR.id, at, VECTOR.payload)).toEqual(headers);
  });

  it('our verifier accepts it with the clock at the timestamp, and within 5 minutes after', () => {
    vi.useFakeTimers({ now: at });
    expect(() => verifyWebhook([VECTOR.secret], VECTOR.payload, headers)).not.toThrow();
    vi.setSystemTime(new Date(at.getTime() + 4 * 60_000));
    expect(() => verifyWebhook([VECTOR.secret], Buffer.from(VECTOR.payload), headers)).not.toThrow();
  });

  it('refuses a changed byte, a re-serialised body, another secret, a stale or future timestamp, and missing headers', () => {
    vi.useFakeTimers({ now: at });
    expect(() => verifyWebhook([VECTOR.secret], VECTOR.payload.replace('4', '5'), headers)).toThrow(WebhookSignatureError);
    expect(() => verifyWebhook([VECTOR.secret], JSON.stringify(JSON.parse(VECTOR.payload)), headers)).toThrow(WebhookSignatureError);
    expect(() => verifyWebhook(['whsec_' + Buffer.alloc(24, 7).toString('base64')], VECTOR.payload, headers)).toThrow(WebhookSignatureError);
    expect(() => verifyWebhook([VECTOR.secret], VECTOR.payload, { ...headers, 'webhook-id': 'msg_other' })).toThrow(WebhookSignatureError);
    vi.setSystemTime(new Date(at.getTime() + 6 * 60_000));
    expect(() => verifyWebhook([VECTOR.secret], VECTOR.payload, headers)).toThrow(WebhookSignatureError);
    vi.setSystemTime(new Date(at.getTime() - 6 * 60_000));
    expect(() => verifyWebhook([VECTOR.secret], VECTOR.payload, headers)).toThrow(WebhookSignatureError);
    expect(() => verifyWebhook([VECTOR.secret], VECTOR.payload, { 'webhook-id': VECTOR.id })).toThrow('missing webhook headers');
  });
});

describe('rotation', () => {
  it('signs with both secrets during the overlap, and either one verifies', () => {
    vi.useFakeTimers({ now: at });
    const next = 'whsec_' + Buffer.alloc(24, 9).toString('base64');
    const both = webhookHeaders([next, VECTOR.secret], VECTOR.id, at, VECTOR.payload);
    expect(both['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => verifyWebhook([VECTOR.secret], VECTOR.payload, both)).not.toThrow();
    expect(() => verifyWebhook([next], VECTOR.payload, both)).not.toThrow();
    // A callback signed with the previous secret verifies under [current, previous].
    expect(() => verifyWebhook([next, VECTOR.secret], VECTOR.payload, headers)).not.toThrow();
    // Once the overlap ends, only the current secret is tried.
    expect(() => verifyWebhook([next], VECTOR.payload, headers)).toThrow(WebhookSignatureError);
  });
});
