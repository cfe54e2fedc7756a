import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startPortal, type Portal } from '../../server';
import { useOutboxKey } from '../../app/utils/outbox-crypto.server';
import { createTestDatabaseUrl, databaseTemplate, testDatabaseEnv } from './db';

export type TestPortal = Portal & { url: string; dataDir: string; stop: () => Promise<void> };

/**
 * The real server (Express + the Remix build) on a free port, with its own DATA_DIR and,
 * when DATABASE_URL is set, its own PostgreSQL database. Needs `remix build` to have run.
 */
export async function startTestPortal(env: Record<string, string> = {}): Promise<TestPortal> {
  const dataDir = env.DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pp-portal-'));
  const pgDatabase = env.DATABASE_URL ? undefined : await createTestDatabaseUrl({ migrated: true });
  // On the embedded database, a fresh DATA_DIR starts with a copy of the run's migrated template
  // (the portal's own migration then finds nothing to do).
  const template = databaseTemplate()?.pgliteDir;
  if (!pgDatabase && !env.DATABASE_URL && !env.DATA_DIR && template) fs.cpSync(template, path.join(dataDir, 'pglite'), { recursive: true });
  const portal = await startPortal({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PORT: '0',
    ...testDatabaseEnv(pgDatabase),
    ...env,
    DATA_DIR: dataDir,
  });
  // The portal runs from the build; a test that queues mail through the source models seals it
  // with this copy of the outbox module, so it must hold the portal's key too.
  useOutboxKey(portal.config.secrets.exportKey);
  const url = `http://127.0.0.1:${portal.port}`;
  return {
    ...portal,
    url,
    dataDir,
    stop: async () => {
      await portal.close();
      await pgDatabase?.drop();
      if (!env.DATA_DIR) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
