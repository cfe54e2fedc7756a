import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import pg from 'pg';
import { inject } from 'vitest';
import { createDb, migrateToLatest, type Backend, type DB } from '../../db/client';
import { useOutboxKey } from '../../app/utils/outbox-crypto.server';
import type { DatabaseTemplate } from './database-template';

export type TestDb = { db: DB; backend: Backend; destroy: () => Promise<void> };

async function adminQuery(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** The migrated templates of `tests/support/database-template.ts`, when the run's config has that global setup. */
export function databaseTemplate(): DatabaseTemplate | undefined {
  return inject('databaseTemplate');
}

/**
 * When DATABASE_URL is set: a new database on that server for one test file, and how to drop
 * it; empty, or with `migrated` a copy of the run's migrated template where there is one.
 * Without DATABASE_URL: undefined (the caller uses PGlite).
 */
export async function createTestDatabaseUrl(options: { migrated?: boolean } = {}): Promise<{ url: string; drop: () => Promise<void> } | undefined> {
  const url = process.env.DATABASE_URL;
  if (!url) return undefined;
  const name = `pp_test_${randomBytes(6).toString('hex')}`;
  const template = options.migrated ? databaseTemplate()?.postgres : undefined;
  await adminQuery(url, template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`);
  const testUrl = new URL(url);
  testUrl.pathname = `/${name}`;
  return { url: testUrl.href, drop: () => adminQuery(url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/**
 * The environment that points a server at a test database. In production mode a server on
 * PostgreSQL refuses to start without shared secrets, so fresh ones come with it.
 */
export function testDatabaseEnv(pgDatabase: { url: string } | undefined): Record<string, string> {
  if (!pgDatabase) return {};
  return {
    DATABASE_URL: pgDatabase.url,
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    EXPORT_KEY: randomBytes(32).toString('base64url'),
    BACKUP_KEY: randomBytes(32).toString('base64url'),
    CONNECTOR_KEY: randomBytes(32).toString('base64url'),
  };
}

/**
 * A fresh, migrated database for one test file: in-memory PGlite by default, or a new
 * database on the PostgreSQL server named by DATABASE_URL (dropped afterwards), so test
 * files never see each other's rows.
 */
export async function createTestDb(): Promise<TestDb> {
  // Models queue mail sealed under the outbox key; the server sets it from EXPORT_KEY at start.
  useOutboxKey(randomBytes(32).toString('base64url'));
  const pgDatabase = await createTestDatabaseUrl({ migrated: true });
  const dump = pgDatabase ? undefined : databaseTemplate()?.pgliteDump;
  const { db, backend } = createDb(
    pgDatabase ? { databaseUrl: pgDatabase.url, poolSize: 5 } : { dataDir: 'memory://', ...(dump ? { loadDataDir: await fs.openAsBlob(dump) } : {}) },
  );
  // Nothing to do on a copy of the template; everything without one.
  await migrateToLatest(db);
  return {
    db,
    backend,
    destroy: async () => {
      await db.destroy();
      await pgDatabase?.drop();
    },
  };
}
