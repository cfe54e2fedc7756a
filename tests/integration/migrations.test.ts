import { Migrator } from 'kysely/migration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../db/client';
import { migrationProvider, migrations } from '../../db/migrations/index';
import { createTestDb, type TestDb } from '../support/db';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t.destroy();
});

describe('migrations', () => {
  it('are all applied, in registry order', async () => {
    const status = await new Migrator({ db: t.db, provider: migrationProvider }).getMigrations();
    expect(status.map((m) => m.name)).toEqual(Object.keys(migrations).sort());
    expect(status.every((m) => m.executedAt instanceof Date)).toBe(true);
  });

  it('are idempotent: running again applies nothing', async () => {
    expect(await migrateToLatest(t.db)).toEqual([]);
  });

  it('can be rolled back to nothing and applied again', async () => {
    const migrator = new Migrator({ db: t.db, provider: migrationProvider });
    const names = Object.keys(migrations);
    for (let i = 0; i < names.length; i++) {
      const { error } = await migrator.migrateDown();
      expect(error).toBeUndefined();
    }
    const results = await migrateToLatest(t.db);
    expect(results.map((r) => r.migrationName)).toEqual(names);
  });
});
