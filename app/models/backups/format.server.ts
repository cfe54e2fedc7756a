import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import { Transform, type TransformCallback, type Writable } from 'node:stream';

/**
 * The backup file: one header, then the dump encrypted with AES-256-GCM in chunks.
 *
 *   "PPBACKUP" | u32 header length | header JSON | frames...
 *   frame = u32 plaintext length | ciphertext | 16-byte GCM tag
 *
 * The file key is HKDF-SHA256(BACKUP_KEY, random salt); `keyCheck` tells a wrong key from an
 * altered file. Each frame's nonce is its counter and a final flag, and its additional data is
 * the header's hash, so a reordered, dropped, altered or foreign frame fails, and a file cut
 * at a frame boundary is detected because its last frame is not marked final. The header's
 * `sha256` (of the whole plaintext dump) is written last, into a fixed-width slot.
 */
export const MAGIC = Buffer.from('PPBACKUP');
export const FORMAT_VERSION = 1;
const CHUNK_SIZE = 1024 * 1024;
/**
 * The largest chunk a reader accepts: writers use CHUNK_SIZE, and a frame is read whole into
 * memory, so a header or frame length beyond this (up to 2^32 - 1 fits the u32) is a damaged or
 * crafted file, refused before any read of that size (2^31 and more made Node abort).
 */
export const MAX_CHUNK_SIZE = 64 * 1024 * 1024;
const TAG_BYTES = 16;
const EMPTY_SHA = '0'.repeat(64);

export type BackupHeader = {
  format: number;
  backend: 'pglite' | 'postgres';
  /** The latest migration applied in the backed-up database. */
  schema: string;
  createdAt: string;
  cipher: 'aes-256-gcm';
  chunkSize: number;
  salt: string;
  keyCheck: string;
  sha256: string;
};

export class BackupRefused extends Error {
  override name = 'BackupRefused';
}

function deriveKeys(secret: string, salt: Buffer) {
  const okm = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), salt, 'privacy-portal backup v1', 64));
  const key = okm.subarray(0, 32);
  const keyCheck = createHmac('sha256', okm.subarray(32)).update('key-check').digest('hex').slice(0, 32);
  return { key, keyCheck };
}

function nonce(counter: number, final: boolean) {
  const n = Buffer.alloc(12);
  n.writeBigUInt64BE(BigInt(counter), 0);
  n.writeUInt32BE(final ? 1 : 0, 8);
  return n;
}

/** The header as authenticated: everything but the checksum slot, which is filled in last. */
function headerAad(header: BackupHeader) {
  return createHash('sha256').update(JSON.stringify({ ...header, sha256: EMPTY_SHA })).digest();
}

export function headerBytes(header: BackupHeader): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  return Buffer.concat([MAGIC, length, json]);
}

/** Encrypts a plaintext stream into frames; `header()` then `checksum()` once it has ended. */
export class BackupEncryptor extends Transform {
  readonly header: BackupHeader;
  private readonly key: Buffer;
  private readonly aad: Buffer;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private counter = 0;
  private readonly hash = createHash('sha256');
  plaintextBytes = 0;

  constructor(secret: string, meta: { backend: BackupHeader['backend']; schema: string; createdAt: Date }) {
    super();
    const salt = randomBytes(16);
    const { key, keyCheck } = deriveKeys(secret, salt);
    this.key = key;
    this.header = {
      format: FORMAT_VERSION,
      backend: meta.backend,
      schema: meta.schema,
      createdAt: meta.createdAt.toISOString(),
      cipher: 'aes-256-gcm',
      chunkSize: CHUNK_SIZE,
      salt: salt.toString('base64'),
      keyCheck,
      sha256: EMPTY_SHA,
    };
    this.aad = headerAad(this.header);
    this.push(headerBytes(this.header));
  }

  private frame(plain: Buffer, final: boolean) {
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce(this.counter++, final));
    cipher.setAAD(this.aad);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(plain.length);
    this.push(Buffer.concat([length, body, cipher.getAuthTag()]));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
    this.hash.update(chunk);
    this.plaintextBytes += chunk.length;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    while (this.pendingBytes >= CHUNK_SIZE) {
      const all = Buffer.concat(this.pending);
      this.frame(all.subarray(0, CHUNK_SIZE), false);
      const rest = all.subarray(CHUNK_SIZE);
      this.pending = rest.length ? [rest] : [];
      this.pendingBytes = rest.length;
    }
    done();
  }

  override _flush(done: TransformCallback) {
    this.frame(Buffer.concat(this.pending), true);
    this.pending = [];
    this.header.sha256 = this.hash.digest('hex');
    done();
  }
}

/** Where the checksum slot sits in the file, to fill it in once the dump has been written. */
export function checksumOffset(header: BackupHeader): number {
  const json = JSON.stringify({ ...header, sha256: EMPTY_SHA });
  return MAGIC.length + 4 + Buffer.byteLength(json.slice(0, json.indexOf(EMPTY_SHA)), 'utf8');
}

async function readExactly(fh: fs.promises.FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let read = 0;
  while (read < length) {
    const { bytesRead } = await fh.read(buffer, read, length - read, position + read);
    if (bytesRead === 0) break;
    read += bytesRead;
  }
  return buffer.subarray(0, read);
}

export async function readBackupHeader(file: string): Promise<{ header: BackupHeader; dataOffset: number }> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const start = await readExactly(fh, 0, MAGIC.length + 4);
    if (start.length < MAGIC.length + 4 || !start.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw new BackupRefused('not a Privacy Portal backup (no PPBACKUP header)');
    }
    const length = start.readUInt32BE(MAGIC.length);
    if (length > 64 * 1024) throw new BackupRefused('the backup header is damaged');
    const json = await readExactly(fh, MAGIC.length + 4, length);
    let header: BackupHeader;
    try {
      header = JSON.parse(json.toString('utf8')) as BackupHeader;
    } catch {
      throw new BackupRefused('the backup header is damaged');
    }
    if (header.format !== FORMAT_VERSION) throw new BackupRefused(`backup format ${header.format} is not supported by this version (${FORMAT_VERSION})`);
    if (!Number.isSafeInteger(header.chunkSize) || header.chunkSize < 1 || header.chunkSize > MAX_CHUNK_SIZE) {
      throw new BackupRefused(`the backup header is damaged: chunk size ${String(header.chunkSize).slice(0, 20)} is outside 1 to ${MAX_CHUNK_SIZE} bytes`);
    }
    return { header, dataOffset: MAGIC.length + 4 + length };
  } finally {
    await fh.close();
  }
}

/**
 * Decrypts and checks the whole file into `out`, frame by frame (one frame in memory). Throws
 * BackupRefused with a one-line reason for a wrong key, an altered byte or a cut tail.
 */
export async function decryptBackup(file: string, secret: string, out: Writable): Promise<BackupHeader> {
  const { header, dataOffset } = await readBackupHeader(file);
  const { key, keyCheck } = deriveKeys(secret, Buffer.from(header.salt, 'base64'));
  const expected = Buffer.from(header.keyCheck ?? '', 'utf8');
  const actual = Buffer.from(keyCheck, 'utf8');
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    throw new BackupRefused('wrong BACKUP_KEY: this backup was encrypted under another key');
  }
  const aad = headerAad(header);
  const size = (await fs.promises.stat(file)).size;
  const hash = createHash('sha256');
  const fh = await fs.promises.open(file, 'r');
  try {
    let position = dataOffset;
    for (let counter = 0; ; counter++) {
      if (position >= size) throw new BackupRefused(`the file ends before its final chunk: it was cut (after chunk ${counter})`);
      const lengthBytes = await readExactly(fh, position, 4);
      if (lengthBytes.length < 4) throw new BackupRefused(`the file was cut inside chunk ${counter}`);
      const length = lengthBytes.readUInt32BE(0);
      if (length > header.chunkSize || length > MAX_CHUNK_SIZE) throw new BackupRefused(`chunk ${counter} is damaged (altered length)`);
      const body = await readExactly(fh, position + 4, length + TAG_BYTES);
      if (body.length < length + TAG_BYTES) throw new BackupRefused(`the file was cut inside chunk ${counter}`);
      position += 4 + length + TAG_BYTES;
      const last = position >= size;
      const open = (final: boolean) => {
        const decipher = createDecipheriv('aes-256-gcm', key, nonce(counter, final));
        decipher.setAAD(aad);
        decipher.setAuthTag(body.subarray(length));
        return Buffer.concat([decipher.update(body.subarray(0, length)), decipher.final()]);
      };
      let plain: Buffer;
      try {
        plain = open(last);
      } catch {
        let cut = false;
        if (last) {
          try {
            open(false);
            cut = true;
          } catch {
            // altered
          }
        }
        throw new BackupRefused(
          cut
            ? `the file ends before its final chunk: it was cut (after chunk ${counter})`
            : `chunk ${counter} failed authentication: the file was altered`,
        );
      }
      hash.update(plain);
      if (!out.write(plain)) await new Promise((resolve) => out.once('drain', resolve));
      if (last) break;
    }
  } finally {
    await fh.close();
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  if (hash.digest('hex') !== header.sha256) throw new BackupRefused('checksum mismatch: the file was altered');
  return header;
}
