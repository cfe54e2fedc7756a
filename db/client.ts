import fs from 'node:fs';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect, sql, type Transaction } from 'kysely';
import { Migrator, type MigrationResultSet } from 'kysely/migration';
import pg from 'pg';
import { migrationProvider } from './migrations/index';
import type { Database } from './schema';

export type DB = Kysely<Database>;
/** A transaction: a function typed `(trx: Tx, ...)` must run inside one (locks, several writes that stand or fall together). */
export type Tx = Transaction<Database>;
export type Backend = 'pglite' | 'postgres';

export type DbConfig = {
  /** A PostgreSQL URL; without one the embedded PGlite is used. */
  databaseUrl?: string;
  /** PGlite's data folder; `memory://` (or omitted) keeps it in memory. */
  dataDir?: string;
  poolSize?: number;
};

// int8 (bigint ids, counts) comes back as a string from both backends, so a value never changes
// type with the database it came from (PGlite would otherwise give number or bigint by size).
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => value);
const PGLITE_PARSERS = { [pgliteTypes.INT8]: (value: string) => value };

export function createDb(config: DbConfig): { db: DB; backend: Backend } {
  if (config.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: config.databaseUrl,
      max: config.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
    });
    // An idle client losing its server must not crash the process; the next query reports it.
    pool.on('error', () => {});
    return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), backend: 'postgres' };
  }
  const dataDir = config.dataDir && config.dataDir !== 'memory://' ? config.dataDir : undefined;
  if (dataDir) fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const pglite = new PGlite({ dataDir, parsers: PGLITE_PARSERS });
  return { db: new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) }), backend: 'pglite' };
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** Applies every pending migration in order; throws naming the migration that failed. */
export async function migrateToLatest(db: Kysely<any>): Promise<NonNullable<MigrationResultSet['results']>> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new MigrationError(
      `Migration ${failed?.migrationName ?? '(unknown)'} failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  return results ?? [];
}

/** One real round trip to the database. */
export async function pingDb(db: Kysely<any>): Promise<void> {
  await sql`select 1`.execute(db);
}
