import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Files kept in the database (subject attachments, staff uploads, access packages) are
 * encrypted with AES-256-GCM under a key derived from EXPORT_KEY (HKDF-SHA256, one label per
 * purpose), so a database dump or backup alone does not reveal them. The additional data binds
 * each ciphertext to its owner row: moved to another request, it no longer decrypts.
 */
export type SealedBytes = { iv: Buffer; authTag: Buffer; ciphertext: Buffer };

const keys = new Map<string, Buffer>();

function keyFor(exportKey: string, purpose: string): Buffer {
  const id = `${purpose}\u0000${exportKey}`;
  let key = keys.get(id);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', exportKey, 'privacy-portal', purpose, 32));
    keys.set(id, key);
  }
  return key;
}

export function sealBytes(plain: Uint8Array, exportKey: string, purpose: string, aad: string): SealedBytes {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(exportKey, purpose), iv);
  cipher.setAAD(Buffer.from(aad));
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { iv, authTag: cipher.getAuthTag(), ciphertext };
}

export function openBytes(stored: { iv: Buffer; auth_tag: Buffer; ciphertext: Buffer }, exportKey: string, purpose: string, aad: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', keyFor(exportKey, purpose), stored.iv);
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(stored.auth_tag);
  return Buffer.concat([decipher.update(stored.ciphertext), decipher.final()]);
}

/**
 * Opens a sealed value read in slices (a large file read from the database piece by piece):
 * each slice's plain bytes come out of `update` as it goes in, and `finish` checks the tag at the
 * end. Until `finish` returns, the bytes are unauthenticated: a caller writes them only where a
 * failure undoes them (the transaction that stores a package) and lets nothing out before.
 */
export function openInSlices(stored: { iv: Uint8Array; auth_tag: Uint8Array }, exportKey: string, purpose: string, aad: string) {
  const decipher = createDecipheriv('aes-256-gcm', keyFor(exportKey, purpose), stored.iv);
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(stored.auth_tag);
  return {
    update: (slice: Uint8Array): Buffer => decipher.update(slice),
    finish: (): Buffer => decipher.final(),
  };
}
