import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { TestProject } from 'vitest/node';
import { createDb, embeddedInstanceOf, migrateToLatest } from '../../db/client';

/** What the template global setup made, for `tests/support/db.ts` and `portal.ts` (via `inject`). */
export type DatabaseTemplate = {
  /** A closed, migrated PGlite data folder: copied as a portal's DATA_DIR/pglite. */
  pgliteDir: string;
  /** The same folder as PGlite's dump (`dumpDataDir`), loaded by each in-memory test database. */
  pgliteDump: string;
  /** On PostgreSQL (DATABASE_URL set): a migrated database each test database is created from (`CREATE DATABASE … TEMPLATE`). */
  postgres?: string;
};

declare module 'vitest' {
  export interface ProvidedContext {
    databaseTemplate: DatabaseTemplate;
  }
}

/**
 * Vitest global setup: applies every migration once per run, on each database the run may use,
 * instead of once per test file (on PGlite, 6 to 10 s a file: most of the embedded suite's
 * setup time). Each test file still gets a database of its own, made from the template. Every
 * run applies the migrations to an empty database here, and `tests/integration/migrations.test.ts`
 * rolls them all back and applies them again.
 */
export default async function setup(project: TestProject) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-template-'));
  const pgliteDir = path.join(dir, 'pglite');
  const pgliteDump = path.join(dir, 'pglite.tar');
  const { db } = createDb({ dataDir: pgliteDir });
  try {
    await migrateToLatest(db);
    const dump = await embeddedInstanceOf(db)!.dumpDataDir('none');
    fs.writeFileSync(pgliteDump, new Uint8Array(await dump.arrayBuffer()));
  } finally {
    await db.destroy();
  }

  let postgres: string | undefined;
  const url = process.env.DATABASE_URL;
  if (url) {
    postgres = `pp_template_${randomBytes(6).toString('hex')}`;
    // Not db.ts's adminQuery: that module imports vitest's `inject`, which a global setup cannot load.
    const admin = createDb({ databaseUrl: url, poolSize: 1 }).db;
    try {
      await sql.raw(`CREATE DATABASE ${postgres}`).execute(admin);
    } finally {
      await admin.destroy();
    }
    const templateUrl = new URL(url);
    templateUrl.pathname = `/${postgres}`;
    // Closed before any test runs: PostgreSQL copies a template only while nobody is connected to it.
    const template = createDb({ databaseUrl: templateUrl.href, poolSize: 1 }).db;
    try {
      await migrateToLatest(template);
    } finally {
      await template.destroy();
    }
  }

  project.provide('databaseTemplate', { pgliteDir, pgliteDump, ...(postgres ? { postgres } : {}) });

  return async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    if (url && postgres) {
      const admin = createDb({ databaseUrl: url, poolSize: 1 }).db;
      try {
        await sql.raw(`DROP DATABASE IF EXISTS ${postgres} WITH (FORCE)`).execute(admin);
      } finally {
        await admin.destroy();
      }
    }
  };
}
