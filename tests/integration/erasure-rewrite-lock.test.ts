import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createDb, migrateToLatest } from '../../db/client';
import { ERASED_TABLES, rewriteErasedTables } from '../../app/models/requests/erasure-scrub.server';
import { createTestDatabaseUrl } from '../support/db';

/**
 * The erasure rewrite (VACUUM FULL) needs each table alone. While another session holds a lock on
 * one (a long backup reading it), the rewrite must give up after its lock timeout and leave the
 * job to be retried, not wait in the lock queue, where every later query on the table would wait
 * behind it. PostgreSQL only: the embedded database has one connection, so nothing can hold a lock
 * against it.
 */
describe.skipIf(!process.env.DATABASE_URL)('erasure rewrite behind a held lock (postgres)', () => {
  it('gives up with a lock timeout instead of queueing every query behind it, and succeeds once the lock is gone', async () => {
    const database = (await createTestDatabaseUrl())!;
    const { db } = createDb({ databaseUrl: database.url, poolSize: 2 });
    const holder = new pg.Client({ connectionString: database.url });
    try {
      await migrateToLatest(db);
      await holder.connect();
      await holder.query('begin');
      await holder.query('lock table requests in access share mode');
      await expect(rewriteErasedTables(db)).rejects.toThrow(/lock timeout/);
      // The timeout is the rewrite's own: the pool's connections carry no lock_timeout afterwards.
      const settings = await Promise.all([0, 1].map(async () => (await sql<{ lock_timeout: string }>`show lock_timeout`.execute(db)).rows[0]!.lock_timeout));
      expect(settings).toEqual(['0', '0']);
      await holder.query('rollback');
      await expect(rewriteErasedTables(db)).resolves.toMatchObject({ tables: ERASED_TABLES.length });
    } finally {
      await holder.end().catch(() => undefined);
      await db.destroy();
      await database.drop();
    }
  });
});
