/**
 * `npm run backup -- --out DIR`: one encrypted backup of the configured database into DIR
 * (default BACKUP_DIR, else DATA_DIR/backups), then the oldest beyond BACKUP_KEEP (14) deleted.
 * The embedded database is owned by a running portal: then this refuses, and the portal's own
 * scheduled backup (BACKUP_SCHEDULE) is the way to take one while it runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../app/utils/env.server';
import { createDb, EmbeddedDatabaseInUseError } from '../db/client';
import { BackupRefused, createBackup } from '../app/models/backups/backups.server';
import { BACKUPS_KEPT } from '../app/models/policy';

async function main(argv: string[]) {
  const config = loadConfig();
  const outFlag = argv.indexOf('--out');
  const outDir = path.resolve(outFlag !== -1 && argv[outFlag + 1] ? argv[outFlag + 1]! : config.backup.dir);
  const pgliteDir = path.join(config.dataDir, 'pglite');
  if (!config.databaseUrl) {
    if (!fs.existsSync(path.join(pgliteDir, 'PG_VERSION'))) throw new BackupRefused(`no embedded database in ${pgliteDir}`);
  }
  // Refused before anything is read or written while a running portal holds the embedded database.
  const { db, backend } = createDb({ databaseUrl: config.databaseUrl, dataDir: pgliteDir, poolSize: 2 });
  try {
    const started = Date.now();
    const result = await createBackup(
      { db, backend, databaseUrl: config.databaseUrl },
      { outDir, key: config.secrets.backupKey, keep: config.backup.keep ?? BACKUPS_KEPT },
    );
    const seconds = (Date.now() - started) / 1000;
    console.log(`backup written: ${result.file} (${result.bytes} bytes, ${backend}, schema ${result.header.schema}, ${seconds.toFixed(1)} s)`);
    for (const f of result.deleted) console.log(`deleted old backup ${f} (keeping ${config.backup.keep ?? BACKUPS_KEPT})`);
  } finally {
    await db.destroy();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const instead = error instanceof EmbeddedDatabaseInUseError ? ': stop the portal first, or let its scheduled backup (BACKUP_SCHEDULE) take one' : '';
  console.error(error instanceof ConfigError ? message : `backup refused: ${message}${instead}`);
  process.exit(1);
});
