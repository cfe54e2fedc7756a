import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * `npm run test:security`: the hostile suite (one real server for the whole run), and with it
 * the tests of issue 24's findings that live beside the features they fix, so this one command
 * covers every finding: unconfirmed accounts and create-admin (admin-access), erasure's dead
 * rows, WAL, mail files, counters and answers (erasure-scrub), backups taken before an erasure
 * (erasure-ledger), crafted backup lengths (backup), duplicates about another person (staff-bulk).
 */
export default defineConfig({
  resolve: { alias: { '~': fileURLToPath(new URL('./app', import.meta.url)) } },
  test: {
    include: [
      'tests/security/**/*.test.ts',
      'tests/integration/admin-access.test.ts',
      'tests/integration/erasure-scrub.test.ts',
      'tests/integration/erasure-ledger.test.ts',
      'tests/integration/backup.test.ts',
      'tests/integration/staff-bulk.test.ts',
    ],
    // Migrations run once per run, into a template each test file's database is copied from.
    globalSetup: ['tests/support/database-template.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
