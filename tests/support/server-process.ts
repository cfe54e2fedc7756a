import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createDb } from '../../db/client';
import { createTestDatabaseUrl, testDatabaseEnv } from './db';

const root = path.resolve(__dirname, '../..');

export type PortalProcess = {
  baseURL: string;
  dataDir: string;
  /** The process's own PostgreSQL database, when DATABASE_URL is set. */
  databaseUrl?: string;
  /** Everything the process wrote so far. */
  out: { stdout: string; stderr: string };
  /** SIGTERM and wait; resolves with the exit code. */
  stop: () => Promise<number | null>;
  /** Every row of every table, as JSON text per table (call after stop() on the embedded database). */
  dumpTables: () => Promise<Record<string, string>>;
  /** Every file under DATA_DIR, as text. */
  readDataFiles: () => Record<string, string>;
  cleanup: () => Promise<void>;
};

/**
 * The real server in a process of its own, as `npm start` runs it (production mode), on a free
 * port with a fresh DATA_DIR and, when DATABASE_URL is set, a fresh PostgreSQL database. For
 * tests that read what the process wrote: its stdout and stderr, its files, its tables.
 */
export async function spawnPortalProcess(
  options: { logLevel?: string; prefix?: string; admin?: { email: string; password: string } } = {},
): Promise<PortalProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `${options.prefix ?? 'pp-process'}-`));
  const pgDatabase = await createTestDatabaseUrl();
  const out = { stdout: '', stderr: '' };
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: options.logLevel ?? 'info',
    DATABASE_URL: '',
    ...testDatabaseEnv(pgDatabase),
  };
  if (options.admin) {
    // `npm run create-admin` before the server: on the embedded database only one process may open DATA_DIR.
    const made = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/create-admin.ts', '--email', options.admin.email], {
      cwd: root,
      env,
      input: `${options.admin.password}\n`,
      encoding: 'utf8',
    });
    if (made.status !== 0) throw new Error(`create-admin failed:\n${made.stderr}`);
  }
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], { cwd: root, env });
  child.stdout!.on('data', (d) => (out.stdout += d));
  child.stderr!.on('data', (d) => (out.stderr += d));
  let baseURL = '';
  const deadline = Date.now() + 90_000;
  while (!baseURL) {
    const port = /"port":(\d+)/.exec(out.stdout)?.[1];
    if (port) baseURL = `http://127.0.0.1:${port}`;
    if (child.exitCode !== null) throw new Error(`server exited: ${out.stderr}`);
    if (Date.now() > deadline) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 200));
  }

  const stop = async () => {
    if (child.exitCode !== null) return child.exitCode;
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    return exited;
  };
  return {
    baseURL,
    dataDir,
    databaseUrl: pgDatabase?.url,
    out,
    stop,
    dumpTables: async () => {
      const { db } = createDb(pgDatabase ? { databaseUrl: pgDatabase.url } : { dataDir: path.join(dataDir, 'pglite') });
      try {
        const tables = await sql<{ table_name: string }>`
          select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(db);
        const dump: Record<string, string> = {};
        for (const { table_name } of tables.rows) {
          const rows = await sql`select * from ${sql.table(table_name)}`.execute(db);
          dump[`table ${table_name}`] = JSON.stringify(rows.rows);
        }
        return dump;
      } finally {
        await db.destroy();
      }
    },
    readDataFiles: () => Object.fromEntries(filesUnder(dataDir).map((f) => [f, fs.readFileSync(f).toString('latin1')])),
    cleanup: async () => {
      await stop();
      await pgDatabase?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : entry.isFile() ? [full] : [];
  });
}
