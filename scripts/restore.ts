/**
 * `npm run restore -- FILE [--force]`: restores a backup into the configured database
 * (DATABASE_URL, else the embedded one in DATA_DIR), which must be empty unless --force.
 * Everything is decrypted and checked before the target is touched; then migrations are
 * brought current and the audit chain is verified. Stop the portal first.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../app/utils/env.server';
import { restoreBackup } from '../app/models/backups/backups.server';
import { claimEmbeddedDatabase, EmbeddedDatabaseInUseError } from '../db/client';
import { ledgerFilePath } from '../app/models/requests/erasure-ledger.server';

async function main(argv: string[]): Promise<number> {
  const config = loadConfig();
  const file = argv.find((a) => !a.startsWith('--'));
  if (!file) throw new Error('usage: npm run restore -- FILE [--force] [--ledger=FILE]');
  const pgliteDir = path.join(config.dataDir, 'pglite');
  // The erasure ledger beside the backups, and any named with --ledger=FILE (e.g. other hosts' BACKUP_DIR).
  const ledgerFiles = [ledgerFilePath(config.backup.dir), ...argv.filter((a) => a.startsWith('--ledger=')).map((a) => path.resolve(a.slice('--ledger='.length)))];
  // Held for the whole restore: a portal starting meanwhile is refused rather than opening a half-restored folder.
  const release = config.databaseUrl ? () => {} : claimEmbeddedDatabase(pgliteDir);
  let result: Awaited<ReturnType<typeof restoreBackup>>;
  try {
    result = await restoreBackup(path.resolve(file), {
      key: config.secrets.backupKey,
      force: argv.includes('--force'),
      ledgerFiles,
      target: config.databaseUrl
        ? { backend: 'postgres', databaseUrl: config.databaseUrl }
        : { backend: 'pglite', dataDir: pgliteDir },
    });
  } finally {
    release();
  }
  console.log(`restored ${path.basename(file)} (${result.header.backend}, schema ${result.header.schema}, taken ${result.header.createdAt})`);
  console.log(result.migrated.length ? `migrations applied: ${result.migrated.join(', ')}` : 'migrations current');
  console.log(`erasures made since the backup, applied again: ${result.erasures.replayed.length}${result.erasures.replayed.length ? ` (${result.erasures.replayed.join(', ')})` : ''}`);
  for (const r of result.erasures.refused) console.log(`erasure ledger ${r.file} line ${r.line} refused: ${r.reason}`);
  if (!result.audit.ok) {
    console.log(`audit chain BROKEN at event id ${result.audit.broken.id} (${result.audit.broken.occurredAt}): ${result.audit.broken.reason}`);
    return 1;
  }
  console.log(`audit chain OK: ${result.audit.count} events verified`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    const instead = error instanceof EmbeddedDatabaseInUseError ? ': stop the portal first' : '';
    console.error(error instanceof ConfigError ? message : `restore refused: ${message}${instead}`);
    process.exit(1);
  },
);
