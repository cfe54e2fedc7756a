import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client';
import { createTestDatabaseUrl } from '../support/db';
import { sessionCookieFrom } from '../support/users';

/**
 * The promise "no credential reaches a log" checked end to end: the real server in its own
 * process at the most verbose log level, driven through every account form with unique
 * canary passwords; then stdout, stderr, every file under DATA_DIR and every row of every
 * table are searched for them (and for the session tokens the server handed out).
 */
const root = path.resolve(__dirname, '../..');
const id = randomBytes(6).toString('hex');
const CANARIES = [`Canary-${id}-first pass`, `Canary-${id}-wrong pass`, `Canary-${id}-second pass`];

let dataDir: string;
let child: ChildProcess;
let baseURL: string;
let pgDatabase: Awaited<ReturnType<typeof createTestDatabaseUrl>>;
const out = { stdout: '', stderr: '' };

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-canary-'));
  pgDatabase = await createTestDatabaseUrl();
  child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'trace',
      ...(pgDatabase
        ? {
            DATABASE_URL: pgDatabase.url,
            // Production on PostgreSQL requires shared secrets from the environment.
            SESSION_SECRET: randomBytes(32).toString('base64url'),
            EXPORT_KEY: randomBytes(32).toString('base64url'),
            BACKUP_KEY: randomBytes(32).toString('base64url'),
          }
        : { DATABASE_URL: '' }),
    },
  });
  child.stdout!.on('data', (d) => (out.stdout += d));
  child.stderr!.on('data', (d) => (out.stderr += d));
  const deadline = Date.now() + 90_000;
  while (!baseURL) {
    const port = /"port":(\d+)/.exec(out.stdout)?.[1];
    if (port) baseURL = `http://127.0.0.1:${port}`;
    if (child.exitCode !== null) throw new Error(`server exited: ${out.stderr}`);
    if (Date.now() > deadline) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  await pgDatabase?.drop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

function post(pathname: string, fields: Record<string, string>, cookie?: string) {
  return fetch(`${baseURL}${pathname}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Origin: baseURL,
      ...(cookie ? { Cookie: cookie } : {}),
    },
    body: new URLSearchParams(fields),
  });
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : entry.isFile() ? [full] : [];
  });
}

describe('canary credentials', () => {
  it('appear in no log line, no file under DATA_DIR and no table', { timeout: 180_000 }, async () => {
    const [first, wrong, second] = CANARIES as [string, string, string];
    // The email holds nothing of the canary, so the canary's id alone can be searched for.
    const email = `canary-${randomBytes(4).toString('hex')}@example.org`;
    const tokens: string[] = [];
    const keep = (res: Response) => {
      const cookie = sessionCookieFrom(res);
      if (cookie) tokens.push(cookie.split('=')[1]!);
      return cookie;
    };

    const signUp = await post('/signup', { email, password: first });
    expect(signUp.status).toBe(302);
    const c1 = keep(signUp)!;
    expect((await post('/logout', {}, c1)).status).toBe(302);

    const signIn = await post('/login', { email, password: first });
    expect(signIn.status).toBe(302);
    const c2 = keep(signIn)!;

    const failed = await post('/login', { email, password: wrong });
    expect(failed.status).toBe(400);
    // A credential in a query string and an invalid form must not leak either.
    await fetch(`${baseURL}/login?password=${encodeURIComponent(wrong)}&token=${encodeURIComponent(first)}`);
    expect((await post('/signup', { email: 'not-an-email', password: wrong })).status).toBe(400);

    const change = await post('/account', { intent: 'change-password', currentPassword: first, newPassword: second }, c2);
    expect(change.status).toBe(302);
    const c3 = keep(change)!;
    expect((await fetch(`${baseURL}/account`, { headers: { Cookie: c3 } })).status).toBe(200);
    expect((await post('/logout', {}, c3)).status).toBe(302);
    expect((await fetch(`${baseURL}/account`, { headers: { Cookie: c3 }, redirect: 'manual' })).status).toBe(302);
    expect(tokens).toHaveLength(3);

    // Stop the server so every log line is flushed and the embedded database is closed.
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(0);

    const needles = [...CANARIES, ...CANARIES.map((c) => new URLSearchParams({ c }).toString().slice(2)), ...tokens];
    const haystacks: Record<string, string> = { stdout: out.stdout, stderr: out.stderr };
    for (const file of filesUnder(dataDir)) haystacks[file] = fs.readFileSync(file).toString('latin1');

    const { db } = createDb(pgDatabase ? { databaseUrl: pgDatabase.url } : { dataDir: path.join(dataDir, 'pglite') });
    try {
      const tables = await sql<{ table_name: string }>`
        select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(db);
      expect(tables.rows.map((t) => t.table_name)).toEqual(expect.arrayContaining(['users', 'sessions', 'audit_events']));
      for (const { table_name } of tables.rows) {
        const rows = await sql`select * from ${sql.table(table_name)}`.execute(db);
        haystacks[`table ${table_name}`] = JSON.stringify(rows.rows);
      }
      expect(haystacks['table audit_events']).toContain('auth.sign_in_failed');
      expect(haystacks['table audit_events']).toContain('account.password_changed');
    } finally {
      await db.destroy();
    }

    // The logs are real: the requests above were logged, as JSON lines.
    expect(out.stdout).toContain('"url":"/login?password=[REDACTED]&token=[REDACTED]"');
    expect(out.stdout.split('\n').filter((l) => l.includes('"method":"POST"')).length).toBe(7);

    const found: string[] = [];
    for (const [where, text] of Object.entries(haystacks)) {
      for (const needle of [...needles, id]) if (text.includes(needle)) found.push(`${where} contains ${needle.slice(0, 16)}…`);
    }
    expect(found).toEqual([]);
  });
});
