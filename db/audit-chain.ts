import { createHash, sign, verify, type KeyObject } from 'node:crypto';

/**
 * The audit trail's hash chain, as pure functions so the server, `npm run audit:verify` and an
 * auditor checking an export offline compute exactly the same thing:
 *   hash = sha256_hex(prev_hash || canonical JSON of the row)
 * The first row's prev_hash is GENESIS_HASH. Canonical JSON: object keys sorted (recursively),
 * no whitespace, timestamps as ISO 8601 UTC with milliseconds.
 */
export const GENESIS_HASH = '0'.repeat(64);

export type ChainRow = {
  id: string;
  occurred_at: Date | string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: unknown;
  ip: string | null;
};

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function canonicalRow(row: ChainRow): string {
  return canonicalJson({
    id: String(row.id),
    occurred_at: new Date(row.occurred_at).toISOString(),
    actor_id: row.actor_id,
    action: row.action,
    target_type: row.target_type,
    target_id: row.target_id,
    details: row.details ?? {},
    ip: row.ip,
  });
}

export function chainHash(prevHash: string, row: ChainRow): string {
  return createHash('sha256').update(prevHash).update(canonicalRow(row)).digest('hex');
}

export type ChainBreak = { id: string; occurredAt: string; reason: string };

/**
 * Checks rows in chain order, carrying the previous hash across batches so any number of rows
 * can be verified with one batch in memory. Returns the first break, or null.
 */
export class ChainVerifier {
  count = 0;
  constructor(public prevHash: string = GENESIS_HASH) {}

  check(row: ChainRow & { prev_hash: string | null; hash: string | null }): ChainBreak | null {
    const at = new Date(row.occurred_at).toISOString();
    if (row.prev_hash !== this.prevHash) {
      return { id: String(row.id), occurredAt: at, reason: 'prev_hash does not match the previous row (a row was removed, inserted or reordered)' };
    }
    if (row.hash !== chainHash(this.prevHash, row)) {
      return { id: String(row.id), occurredAt: at, reason: 'hash does not match the row (the row was altered)' };
    }
    this.prevHash = row.hash;
    this.count += 1;
    return null;
  }
}

/**
 * The last line of an export: how many events it holds, the hash of the last one (the head of
 * the exported stretch: the header's prev_hash when it holds none) and the header's range, all
 * signed with Ed25519 under a key kept outside the database. A file cut short has no trailer; a
 * file rewritten (even with the chain recomputed) no longer matches its signature.
 */
export type ExportTrailer = {
  type: 'audit-export-trailer';
  from: string;
  to: string;
  prev_hash: string | null;
  count: number;
  last_id: string | null;
  head_hash: string | null;
  key_id: string;
  signature: string;
};

/** The bytes a trailer's signature covers: every field but the signature, canonical JSON. */
export function trailerSignedBytes(trailer: Omit<ExportTrailer, 'signature'>): Buffer {
  const { type, from, to, prev_hash, count, last_id, head_hash, key_id } = trailer;
  return Buffer.from(canonicalJson({ type, from, to, prev_hash, count, last_id, head_hash, key_id }), 'utf8');
}

export function signTrailer(privateKey: KeyObject, trailer: Omit<ExportTrailer, 'signature'>): ExportTrailer {
  return { ...trailer, signature: sign(null, trailerSignedBytes(trailer), privateKey).toString('base64') };
}

export function trailerSignatureValid(publicKey: KeyObject, trailer: ExportTrailer): boolean {
  if (typeof trailer.signature !== 'string') return false;
  try {
    return verify(null, trailerSignedBytes(trailer), publicKey, Buffer.from(trailer.signature, 'base64'));
  } catch {
    return false;
  }
}

/** A short name for a public key (the first 16 hex digits of the SHA-256 of its DER form), printed beside it. */
export function keyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}
