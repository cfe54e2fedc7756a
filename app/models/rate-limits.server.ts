import { sql } from 'kysely';
import type { DB } from '../../db/client';
import { sha256 } from '~/utils/crypto.server';

export type RateLimitResult = { allowed: boolean; remaining: number; retryAfterSeconds: number };

/**
 * Counts one hit for `key` in `bucket` and says whether it is within `limit` per
 * `windowSeconds`. The counter lives in the database, so the limit holds across every app
 * instance; the key (an address, an email) is stored only as a hash.
 */
export async function consumeRateLimit(
  db: DB,
  options: { bucket: string; key: string; limit: number; windowSeconds: number; now?: Date },
): Promise<RateLimitResult> {
  const { bucket, key, limit, windowSeconds } = options;
  const now = options.now ?? new Date();
  const windowMs = windowSeconds * 1000;
  const start = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
  const end = new Date(start.getTime() + windowMs);
  const row = await db
    .insertInto('rate_limits')
    .values({ bucket, key_hash: sha256(`${bucket}:${key.toLowerCase()}`), window_start: start, window_end: end, hits: 1 })
    .onConflict((oc) =>
      oc.columns(['bucket', 'key_hash', 'window_start']).doUpdateSet({ hits: sql<number>`rate_limits.hits + 1` }),
    )
    .returning('hits')
    .executeTakeFirstOrThrow();
  const allowed = row.hits <= limit;
  return {
    allowed,
    remaining: Math.max(0, limit - row.hits),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((end.getTime() - now.getTime()) / 1000)),
  };
}

/** Deletes counters whose window has closed. */
export async function pruneRateLimits(db: DB, now: Date = new Date()): Promise<number> {
  const result = await db.deleteFrom('rate_limits').where('window_end', '<', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
