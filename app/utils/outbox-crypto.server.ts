import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Queued mail carries working links (verification, status, reset, unsubscribe). Its bodies and
 * headers are stored in mail_outbox sealed with AES-256-GCM under a key that never enters the
 * database: HKDF-SHA256 of EXPORT_KEY with the label below. A copy of the database files, the
 * write-ahead log or a backup holds only ciphertext; the delivery job is the one reader.
 *
 * Several keys may be known at once (test processes run several portals; a process may be
 * handed a rotated secret): each sealed value names its key by a fingerprint.
 */
const LABEL = 'privacy-portal/mail-outbox/v1';
const PREFIX = 'pp-sealed-1';
/**
 * Shared through globalThis, not module state: the server entry and the Remix build each load
 * their own copy of this module (tsx and the bundle), and both must seal with the same key.
 */
type Registry = { keys: Map<string, Buffer>; current?: { id: string; key: Buffer } };
const registry: Registry = ((globalThis as { [k: symbol]: Registry })[Symbol.for('privacy-portal.outbox-keys')] ??= {
  keys: new Map(),
});

export class OutboxKeyError extends Error {
  override name = 'OutboxKeyError';
}

export function deriveOutboxKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), LABEL, 32));
}

/** Makes the key from this secret the one new mail is sealed with (called at start-up). */
export function useOutboxKey(secret: string): void {
  const key = deriveOutboxKey(secret);
  const id = createHash('sha256').update(key).digest('hex').slice(0, 12);
  registry.keys.set(id, key);
  registry.current = { id, key };
}

export function sealMailText(plain: string): string {
  const current = registry.current;
  if (!current) throw new OutboxKeyError('no outbox key: call useOutboxKey(config.secrets.exportKey) at start-up');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', current.key, iv);
  cipher.setAAD(Buffer.from(LABEL));
  const sealed = Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${PREFIX}:${current.id}:${sealed.toString('base64')}`;
}

export function isSealed(value: string): boolean {
  return value.startsWith(`${PREFIX}:`);
}

/** The plain text of a sealed value; a value stored before sealing existed is returned as it is. */
export function openMailText(value: string): string {
  if (!isSealed(value)) return value;
  const [, id, data] = value.split(':') as [string, string, string];
  const key = registry.keys.get(id);
  if (!key) throw new OutboxKeyError(`mail sealed under an unknown key ${id}: was EXPORT_KEY changed while mail was queued?`);
  const raw = Buffer.from(data, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(LABEL));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
}
