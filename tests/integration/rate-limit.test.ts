import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumeRateLimit, pruneRateLimits } from '../../app/models/rate-limits.server';
import { createTestDb, type TestDb } from '../support/db';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t.destroy();
});

const at = (iso: string) => new Date(iso);

describe('consumeRateLimit', () => {
  it('allows up to the limit in a window, then refuses with the time left', async () => {
    const opts = { bucket: 'intake', key: '203.0.113.7', limit: 3, windowSeconds: 60, now: at('2026-11-27T10:00:10Z') };
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await consumeRateLimit(t.db, opts));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
    expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
    expect(results[3]!.retryAfterSeconds).toBe(50);
  });

  it('starts afresh in the next window', async () => {
    const base = { bucket: 'signin', key: 'a@example.org', limit: 1, windowSeconds: 60 };
    expect((await consumeRateLimit(t.db, { ...base, now: at('2026-11-27T10:00:00Z') })).allowed).toBe(true);
    expect((await consumeRateLimit(t.db, { ...base, now: at('2026-11-27T10:00:59Z') })).allowed).toBe(false);
    expect((await consumeRateLimit(t.db, { ...base, now: at('2026-11-27T10:01:00Z') })).allowed).toBe(true);
  });

  it('counts keys and buckets separately, case-insensitively per key', async () => {
    const now = at('2026-11-27T11:00:00Z');
    const hit = (bucket: string, key: string) => consumeRateLimit(t.db, { bucket, key, limit: 1, windowSeconds: 60, now });
    expect((await hit('x', 'Bob@example.org')).allowed).toBe(true);
    expect((await hit('x', 'bob@example.org')).allowed).toBe(false);
    expect((await hit('x', 'carol@example.org')).allowed).toBe(true);
    expect((await hit('y', 'bob@example.org')).allowed).toBe(true);
  });

  it('counts every concurrent hit (no lost updates)', async () => {
    const now = at('2026-11-27T12:00:00Z');
    const results = await Promise.all(
      Array.from({ length: 20 }, () => consumeRateLimit(t.db, { bucket: 'race', key: 'k', limit: 5, windowSeconds: 60, now })),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(5);
  });

  it('stores only a hash of the key and prunes closed windows', async () => {
    await consumeRateLimit(t.db, { bucket: 'privacy', key: 'dana@example.org', limit: 5, windowSeconds: 60, now: at('2026-01-01T00:00:00Z') });
    const rows = await t.db.selectFrom('rate_limits').selectAll().where('bucket', '=', 'privacy').execute();
    expect(JSON.stringify(rows)).not.toContain('dana');
    expect(await pruneRateLimits(t.db, at('2026-11-27T00:00:00Z'))).toBeGreaterThan(0);
    expect(await t.db.selectFrom('rate_limits').selectAll().where('bucket', '=', 'privacy').execute()).toEqual([]);
  });
});
