/**
 * Links that carry a credential: the verification link (single use, 7 days) and the private
 * status link. The token is 256 random bits, shown once (in the email); only its SHA-256 is
 * stored, so a copy of the database cannot be turned into working links.
 */

import type { DB } from '../../../db/client';
import { daysMs, LINK_LIFETIME_DAYS } from '~/models/policy';
import { randomToken, sha256 } from '~/utils/crypto.server';

export const VERIFY_TTL_DAYS = LINK_LIFETIME_DAYS.requestVerification;
/**
 * A status link works while its request is open and for this many days after it closes (time
 * to read the outcome and download what is owed); after that the subject asks for a fresh link
 * by email at /status. A link that works forever is a credential that outlives its purpose.
 */
export const STATUS_LINK_DAYS_AFTER_CLOSE = LINK_LIFETIME_DAYS.statusLinkAfterClose;

/** `subject_confirm`: the link an agent's request sends to the person it is about (issue 24.1). */
export type TokenPurpose = 'verify' | 'status' | 'subject_confirm';

export function hashToken(token: string): string {
  return sha256(token);
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Cheap rejection of anything that cannot be one of our tokens, before any query. */
export function isWellFormedToken(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}

export async function issueToken(
  db: DB,
  requestId: string,
  purpose: TokenPurpose,
  now: Date = new Date(),
): Promise<string> {
  const token = randomToken();
  await db
    .insertInto('request_tokens')
    .values({
      request_id: requestId,
      purpose,
      token_hash: hashToken(token),
      expires_at: purpose !== 'status' ? new Date(now.getTime() + daysMs(VERIFY_TTL_DAYS)) : null,
    })
    .execute();
  return token;
}

export type TokenStatus = 'valid' | 'expired' | 'used';

export async function findToken(db: DB, token: string, purpose: TokenPurpose | readonly TokenPurpose[], now: Date = new Date()) {
  if (!isWellFormedToken(token)) return undefined;
  const row = await db
    .selectFrom('request_tokens')
    .select(['id', 'request_id', 'purpose', 'expires_at', 'used_at'])
    .where('token_hash', '=', hashToken(token))
    .where('purpose', 'in', typeof purpose === 'string' ? [purpose] : [...purpose])
    .executeTakeFirst();
  if (!row) return undefined;
  const status: TokenStatus = row.used_at ? 'used' : row.expires_at && row.expires_at <= now ? 'expired' : 'valid';
  return { id: row.id, requestId: row.request_id, purpose: row.purpose, status };
}

/** Marks a verification token used; false when another request got there first. */
export async function consumeToken(db: DB, tokenId: string, now: Date = new Date()): Promise<boolean> {
  const result = await db
    .updateTable('request_tokens')
    .set({ used_at: now })
    .where('id', '=', tokenId)
    .where('used_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}
