/**
 * `npm run db:seed-demo-subprocessors`: loads the demo subprocessor registry into the configured
 * database (PostgreSQL or embedded). Refuses when the registry already holds anything.
 */
import path from 'node:path';
import { seedDemoRegistry } from '../app/models/subprocessors/demo.server';
import { ConfigError, loadConfig } from '../app/utils/env.server';
import { createDb, migrateToLatest } from '../db/client';
import { refusalWhileRunning } from './refusal';

async function main() {
  const config = loadConfig();
  const { db, backend } = createDb({ databaseUrl: config.databaseUrl, dataDir: path.join(config.dataDir, 'pglite') });
  try {
    await migrateToLatest(db);
    if (await seedDemoRegistry(db, { timeZone: config.timeZone })) {
      console.log(`Seeded the demo subprocessor registry (${backend}).`);
    } else {
      console.error('The subprocessor registry is not empty; nothing was changed.');
      process.exitCode = 1;
    }
  } finally {
    await db.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(
    refusalWhileRunning(error, 'stop the portal first (on the embedded database it seeds the demo registry itself at start, SUBPROCESSOR_DEMO)') ??
      (error instanceof ConfigError ? error.message : `Seeding failed: ${(error as Error).message}`),
  );
  process.exit(1);
});
