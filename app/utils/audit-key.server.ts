import { createPrivateKey, createPublicKey, hkdfSync, type KeyObject } from 'node:crypto';
import { keyId } from '../../db/audit-chain';

export type AuditSigningKey = { privateKey: KeyObject; publicKey: KeyObject; publicKeyPem: string; keyId: string };

/** The DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows it. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

const cache = new Map<string, AuditSigningKey>();

/**
 * The Ed25519 key that signs audit exports, derived (HKDF-SHA256) from a secret that lives in
 * the environment or DATA_DIR, never in the database: AUDIT_SIGNING_KEY, else EXPORT_KEY (see
 * docs/decisions/037-signed-audit-exports.md). Its public half is served at /.well-known/audit-key.
 */
export function auditSigningKey(secret: string): AuditSigningKey {
  const cached = cache.get(secret);
  if (cached) return cached;
  const seed = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'privacy-portal audit export signing key (Ed25519)', 32));
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  const key = { privateKey, publicKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), keyId: keyId(publicKey) };
  cache.set(secret, key);
  return key;
}
