import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * A connected system's secrets (its webhook signing secret, an OpenDSR bearer token) are stored
 * encrypted with AES-256-GCM under a key derived from CONNECTOR_KEY, which lives outside the
 * database (the environment, or DATA_DIR/secrets.json on the embedded default). The additional
 * data is the system's id, so a ciphertext copied onto another system does not decrypt.
 *
 * Stored form: 12-byte IV, 16-byte tag, then the ciphertext, in one bytea.
 *
 * Rotation: the new secret becomes current and the old one stays valid for ROTATION_OVERLAP_MS
 * (24 hours): deliveries are signed with both, callbacks verify under either, so a receiver can
 * switch to the new secret any time within the day without losing a message.
 */
export const ROTATION_OVERLAP_MS = 24 * 3600 * 1000;

export class SecretKeyError extends Error {
  override name = 'SecretKeyError';
}

const keys = new Map<string, Buffer>();
function keyFor(connectorKey: string): Buffer {
  let key = keys.get(connectorKey);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', connectorKey, 'privacy-portal', 'connector-secret', 32));
    keys.set(connectorKey, key);
  }
  return key;
}

export function encryptSecret(plain: string, connectorKey: string, systemId: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(connectorKey), iv);
  cipher.setAAD(Buffer.from(`system:${systemId}`));
  const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
}

export function decryptSecret(stored: Buffer, connectorKey: string, systemId: string): string {
  if (stored.length < 29) throw new SecretKeyError('the stored secret is damaged');
  const decipher = createDecipheriv('aes-256-gcm', keyFor(connectorKey), stored.subarray(0, 12));
  decipher.setAAD(Buffer.from(`system:${systemId}`));
  decipher.setAuthTag(stored.subarray(12, 28));
  try {
    return Buffer.concat([decipher.update(stored.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretKeyError('the system’s secret does not decrypt: CONNECTOR_KEY is not the key it was stored under');
  }
}

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

type StoredSecrets = { id: string; secret_enc: Buffer | null; previous_secret_enc: Buffer | null; previous_secret_valid_until: Date | string | null };

/** The secrets that sign and verify now: the current one, then the previous while its overlap lasts. */
export function activeSecrets(system: StoredSecrets, connectorKey: string, now: Date = new Date()): string[] {
  const secrets: string[] = [];
  if (system.secret_enc) secrets.push(decryptSecret(system.secret_enc, connectorKey, system.id));
  if (system.previous_secret_enc && system.previous_secret_valid_until && new Date(system.previous_secret_valid_until) > now) {
    secrets.push(decryptSecret(system.previous_secret_enc, connectorKey, system.id));
  }
  return secrets;
}

/** The columns to set for a new secret: the current one moves to `previous` for the overlap. */
export function rotatedColumns(system: StoredSecrets, secret: string, connectorKey: string, now: Date) {
  return {
    secret_enc: encryptSecret(secret, connectorKey, system.id),
    previous_secret_enc: system.secret_enc,
    previous_secret_valid_until: system.secret_enc ? new Date(now.getTime() + ROTATION_OVERLAP_MS) : null,
  };
}
