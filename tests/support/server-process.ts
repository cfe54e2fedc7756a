import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createDb, migrateToLatest, type DB } from '../../db/client';
import { createTestDatabaseUrl, testDatabaseEnv } from './db';

const root = path.resolve(__dirname, '../..');

export type PortalProcess = {
  baseURL: string;
  /** The server's process id. */
  pid: number;
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
 * The real server in a process of its own, exactly as `npm start` runs it (`node
 * build/server.js`, production mode: `npm run build` must have run), on a free port with a
 * fresh DATA_DIR and, when DATABASE_URL is set, a fresh PostgreSQL database. For tests that
 * read what the process wrote: its stdout and stderr, its files, its tables. `dataDir` and
 * `database` start it on an existing database instead (then cleanup leaves them alone);
 * `env` adds to or overrides its environment.
 */
export async function spawnPortalProcess(
  options: {
    logLevel?: string;
    prefix?: string;
    dataDir?: string;
    database?: { url: string; env: Record<string, string> };
    env?: Record<string, string>;
    /** Fills the fresh database before the server starts (the embedded one has one owner at a time). */
    seed?: (db: DB) => Promise<void>;
    /** An administrator made with `npm run create-admin` before the server starts. */
    admin?: { email: string; password: string };
  } = {},
): Promise<PortalProcess> {
  if (!fs.existsSync(path.join(root, 'build/server.js'))) throw new Error('Run `npm run build` first: the tests start build/server.js as `npm start` does');
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), `${options.prefix ?? 'pp-process'}-`));
  const pgDatabase = options.database || options.dataDir ? undefined : await createTestDatabaseUrl();
  if (options.seed) {
    const databaseUrl = options.database?.url ?? pgDatabase?.url;
    const { db } = createDb(databaseUrl ? { databaseUrl } : { dataDir: path.join(dataDir, 'pglite') });
    try {
      await migrateToLatest(db);
      await options.seed(db);
    } finally {
      await db.destroy();
    }
  }
  const out = { stdout: '', stderr: '' };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: options.logLevel ?? 'info',
    DATABASE_URL: '',
    ...testDatabaseEnv(pgDatabase),
    ...options.database?.env,
    ...options.env,
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
  const child: ChildProcess = spawn(process.execPath, ['build/server.js'], { cwd: root, env });
  child.stdout!.on('data', (d) => (out.stdout += d));
  child.stderr!.on('data', (d) => (out.stderr += d));
  let baseURL = '';
  const deadline = Date.now() + 90_000;
  while (!baseURL) {
    const port = /"port":(\d+)/.exec(out.stdout)?.[1];
    if (port) baseURL = `http://127.0.0.1:${port}`;
    if (child.exitCode !== null) throw new Error(`server exited: ${out.stderr}`);
    if (Date.now() > deadline) {
      // A server that is still starting is killed, not left behind holding its port and DATA_DIR.
      child.kill('SIGKILL');
      throw new Error(`server did not start within 90 s (LOG_LEVEL must be info or lower: the port is read from the log)\n${out.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  const stop = async () => {
    if (child.exitCode !== null) return child.exitCode;
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    return exited;
  };
  const databaseUrl = options.database?.url ?? pgDatabase?.url;
  return {
    baseURL,
    pid: child.pid!,
    dataDir,
    databaseUrl,
    out,
    stop,
    dumpTables: async () => {
      const { db } = createDb(databaseUrl ? { databaseUrl } : { dataDir: path.join(dataDir, 'pglite') });
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
      if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : entry.isFile() ? [full] : [];
  });
}
