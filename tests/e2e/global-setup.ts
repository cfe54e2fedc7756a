import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
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
    admin: { email: string; password: string };
  }
}

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
  if (!fs.existsSync('build/index.js')) throw new Error('Run `npx remix build` before the browser suite');
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-e2e-'));
  const baseURL = `http://localhost:${port}`;
  const logFile = path.join(dataDir, 'server.log');
  // An administrator for journeys that need one, created before the server holds the data folder.
  const admin = { email: 'admin@e2e.example', password: `e2e admin ${randomBytes(8).toString('hex')}` };
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/create-admin.ts', '--email', admin.email], {
    input: `${admin.password}\n`,
    env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  const log = fs.openSync(logFile, 'a');
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      DATA_DIR: dataDir,
      PUBLIC_URL: baseURL,
      LOG_LEVEL: 'info',
    },
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
