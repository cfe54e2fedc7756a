/**
 * Sign-in throttling per account and per client address, kept in the database so that every
 * app instance sees the same counters. A few free failures, then a doubling delay, then a
 * temporary lockout. The numbers are in ~/models/policy (SIGN_IN_THROTTLE).
 */

import { sql } from 'kysely';
import type { DB } from '../../../db/client';
import { normalizeEmail } from '~/utils/email';
import { SIGN_IN_THROTTLE, type ThrottleLimits } from '~/models/policy';

export type { ThrottleLimits };
export const THROTTLE_LIMITS = SIGN_IN_THROTTLE;

/** How long further attempts are refused after the `failures`-th consecutive failure. */
export function blockSecondsAfter(failures: number, limits: ThrottleLimits): number {
  if (failures >= limits.lockoutAfter) return limits.lockoutSeconds;
  if (failures <= limits.freeFailures) return 0;
  return Math.min(2 ** (failures - limits.freeFailures - 1), limits.maxDelaySeconds);
}

export type ThrottleKey = { key: string; limits: ThrottleLimits };

export function throttleKeys(email: string, ip: string | null): ThrottleKey[] {
  const keys: ThrottleKey[] = [{ key: `account:${normalizeEmail(email)}`, limits: THROTTLE_LIMITS.account }];
  if (ip) keys.push({ key: `ip:${ip}`, limits: THROTTLE_LIMITS.ip });
  return keys;
}

/** True when any of the keys is in a delay or lockout period. */
export async function isSignInBlocked(db: DB, keys: ThrottleKey[], now = new Date()): Promise<boolean> {
  const row = await db
    .selectFrom('login_throttle')
    .select('key')
    .where(
      'key',
      'in',
      keys.map((k) => k.key),
    )
    .where('blocked_until', '>', now)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Counts one failure against every key. Called before the password is checked, so that
 * parallel guesses are counted as they arrive rather than after each slow hash.
 */
export async function recordSignInFailure(db: DB, keys: ThrottleKey[], now = new Date()): Promise<void> {
  const forgetBefore = new Date(now.getTime() - THROTTLE_LIMITS.forgetAfterSeconds * 1000);
  for (const { key, limits } of keys) {
    const row = await db
      .insertInto('login_throttle')
      .values({ key, failures: 1, last_failure_at: now })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          failures: sql<number>`case when login_throttle.last_failure_at < ${forgetBefore} then 1 else login_throttle.failures + 1 end`,
          last_failure_at: now,
        }),
      )
      .returning('failures')
      .executeTakeFirstOrThrow();
    const seconds = blockSecondsAfter(row.failures, limits);
    await db
      .updateTable('login_throttle')
      .set({ blocked_until: seconds > 0 ? new Date(now.getTime() + seconds * 1000) : null })
      .where('key', '=', key)
      .execute();
  }
}

/**
 * After a successful sign-in: the account starts afresh; the address gets back the one
 * failure counted in advance, but keeps the rest (signing in to one's own account must not
 * wipe an address's record of guessing at others).
 */
export async function recordSignInSuccess(db: DB, keys: ThrottleKey[]): Promise<void> {
  for (const { key } of keys) {
    if (key.startsWith('account:')) {
      await db.deleteFrom('login_throttle').where('key', '=', key).execute();
    } else {
      await db
        .updateTable('login_throttle')
        .set({ failures: sql<number>`greatest(failures - 1, 0)` })
        .where('key', '=', key)
        .execute();
    }
  }
}

export async function deleteStaleThrottleRows(db: DB, now = new Date()): Promise<number> {
  const forgetBefore = new Date(now.getTime() - THROTTLE_LIMITS.forgetAfterSeconds * 1000);
  const result = await db
    .deleteFrom('login_throttle')
    .where('last_failure_at', '<', forgetBefore)
    .where((eb) => eb.or([eb('blocked_until', 'is', null), eb('blocked_until', '<', now)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
