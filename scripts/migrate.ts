/** `npm run db:migrate`: applies pending migrations to the configured database and says which. */
import path from 'node:path';
import { ConfigError, loadConfig } from '../app/utils/env.server';
import { createDb, migrateToLatest } from '../db/client';
import { refusalWhileRunning } from './refusal';

async function main() {
  const config = loadConfig();
  const { db, backend } = createDb({ databaseUrl: config.databaseUrl, dataDir: path.join(config.dataDir, 'pglite') });
  try {
    const results = await migrateToLatest(db);
    if (results.length === 0) console.log(`Database (${backend}) is up to date.`);
    for (const r of results) console.log(`applied ${r.migrationName} (${backend})`);
  } finally {
    await db.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(
    refusalWhileRunning(error, 'stop the portal first (it applied every migration when it started)') ??
      (error instanceof ConfigError ? error.message : `Migration failed: ${(error as Error).message}`),
  );
  process.exit(1);
});
