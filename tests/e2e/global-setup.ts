import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    baseURL: string;
    dataDir: string;
    /** An administrator made with `npm run create-admin` before the server started. */
    admin: { email: string; password: string };
  }
}

/** The organisation the browser suite's server runs as. */
export const E2E_ORGANISATION = {
  ORG_NAME: 'Nordlicht Versand GmbH',
  ORG_ADDRESS: 'Hafenstraße 12, 20457 Hamburg, Deutschland',
  ORG_PRIVACY_EMAIL: 'privacy@nordlicht.example',
  ORG_DPO_NAME: 'Mara Schutz',
  ORG_DPO_EMAIL: 'dpo@nordlicht.example',
  ORG_REPRESENTATIVE: 'Nordlicht UK Ltd, 1 Dock Road, London E1 1AA (UK representative)',
  ORG_PRIVACY_NOTICE_URL: 'https://nordlicht.example/privacy',
  ORG_DPA_URL: 'https://nordlicht.example/dpa',
  ORG_TRANSFERS_URL: 'https://nordlicht.example/transfers',
  AUTHORITY_NAME: 'Der Hamburgische Beauftragte für Datenschutz und Informationsfreiheit',
  AUTHORITY_ADDRESS: 'Ludwig-Erhard-Straße 22, 20459 Hamburg',
  AUTHORITY_URL: 'https://datenschutz-hamburg.de/',
} as const;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/**
 * Starts the built server once for the browser suite, as `npm start` would, on a free port
 * with a temporary DATA_DIR (and the PostgreSQL named by DATABASE_URL, when set).
 */
export default async function setup(project: TestProject) {
  if (!fs.existsSync('build/server.js')) throw new Error('Run `npm run build` before the browser suite');
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-e2e-'));
  const baseURL = `http://localhost:${port}`;
  const logFile = path.join(dataDir, 'server.log');
  const log = fs.openSync(logFile, 'a');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(port),
    DATA_DIR: dataDir,
    PUBLIC_URL: baseURL,
    LOG_LEVEL: 'info',
    // A configured organisation, so every page can be checked for it (tests/e2e/i18n-pages.test.ts).
    ...E2E_ORGANISATION,
  };
  // Before the server: on the embedded database only one process may open DATA_DIR.
  const admin = { email: `e2e-admin-${randomBytes(4).toString('hex')}@example.org`, password: `e2e admin ${randomBytes(8).toString('hex')}` };
  const made = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/create-admin.ts', '--email', admin.email], {
    env,
    input: `${admin.password}\n`,
    encoding: 'utf8',
  });
  if (made.status !== 0) throw new Error(`create-admin failed:\n${made.stderr}`);
  // What `npm start` runs.
  const child: ChildProcess = spawn(process.execPath, ['build/server.js'], {
    env,
    stdio: ['ignore', log, log],
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${fs.readFileSync(logFile, 'utf8')}`);
    try {
      const res = await fetch(`${baseURL}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server did not start:\n${fs.readFileSync(logFile, 'utf8')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  project.provide('baseURL', baseURL);
  project.provide('dataDir', dataDir);
  project.provide('admin', admin);

  return async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const code = await exited;
    fs.closeSync(log);
    if (code !== 0) throw new Error(`server did not stop cleanly (exit ${code}):\n${fs.readFileSync(logFile, 'utf8')}`);
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
}
