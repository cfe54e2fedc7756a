import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client';
import { createTestDatabaseUrl } from '../support/db';

/**
 * Verification and status links are credentials. The real server in its own process at the
 * most verbose log level is driven through the whole request journey; afterwards no log line
 * and no table row (once the mail is delivered) holds a link's token — only its hash.
 */
const root = path.resolve(__dirname, '../..');
let dataDir: string;
let child: ChildProcess;
let baseURL: string;
let pgDatabase: Awaited<ReturnType<typeof createTestDatabaseUrl>>;
const out = { stdout: '', stderr: '' };

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-request-canary-'));
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

const post = (pathname: string, fields: Record<string, string>) =>
  fetch(`${baseURL}${pathname}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: baseURL },
    body: new URLSearchParams(fields),
  });

async function mails(count: number) {
  const dir = path.join(dataDir, 'mail');
  const deadline = Date.now() + 30_000;
  for (;;) {
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml')).sort() : [];
    if (files.length >= count) return Promise.all(files.map(async (f) => simpleParser(fs.readFileSync(path.join(dir, f)))));
    if (Date.now() > deadline) throw new Error(`expected ${count} mails, found ${files.length}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('request link tokens', () => {
  it('appear in no log line and, once the mail is delivered, in no table', { timeout: 180_000 }, async () => {
    const html = await (await fetch(`${baseURL}/requests/new`)).text();
    const submissionId = /name="submissionId" value="([^"]+)"/.exec(html)![1]!;
    const filed = await post('/requests/new', {
      type: 'access',
      email: 'canary@example.org',
      name: 'Canary Subject',
      requesterRole: 'self',
      confirm: 'yes',
      website: '',
      submissionId,
    });
    expect(filed.status).toBe(302);
    const [receipt] = await mails(1);
    const verifyToken = /\/verify\/([A-Za-z0-9_-]{43})/.exec(receipt!.text ?? '')![1]!;
    expect((await fetch(`${baseURL}/verify/${verifyToken}`)).status).toBe(200);
    const confirmed = await post(`/verify/${verifyToken}`, { intent: 'confirm' });
    const statusToken = /^\/status\/s\/([A-Za-z0-9_-]{43})$/.exec(confirmed.headers.get('location') ?? '')![1]!;
    expect((await fetch(`${baseURL}/status/s/${statusToken}`)).status).toBe(200);
    expect((await post(`/status/s/${statusToken}`, { intent: 'withdraw' })).status).toBe(302);
    const all = await mails(3);
    const mailed = all.flatMap((m) => [...(m.text ?? '').matchAll(/\/(?:verify|status\/s)\/([A-Za-z0-9_-]{43})/g)].map((x) => x[1]!));
    const tokens = [verifyToken, statusToken, ...mailed];

    child.kill('SIGTERM');
    expect(await new Promise((r) => child.once('exit', r))).toBe(0);

    const haystacks: Record<string, string> = { stdout: out.stdout, stderr: out.stderr };
    const { db } = createDb(pgDatabase ? { databaseUrl: pgDatabase.url } : { dataDir: path.join(dataDir, 'pglite') });
    try {
      const tables = await sql<{ table_name: string }>`
        select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(db);
      for (const { table_name } of tables.rows) {
        const rows = await sql`select * from ${sql.table(table_name)}`.execute(db);
        haystacks[`table ${table_name}`] = JSON.stringify(rows.rows);
      }
      expect(haystacks['table request_tokens']).toContain('"purpose":"verify"');
    } finally {
      await db.destroy();
    }
    // The journey was logged, with the link paths redacted.
    expect(out.stdout).toContain('"url":"/verify/[REDACTED]"');
    expect(out.stdout).toContain('"url":"/status/[REDACTED]"');

    const found: string[] = [];
    for (const [where, text] of Object.entries(haystacks)) {
      for (const token of tokens) if (text.includes(token)) found.push(`${where} contains ${token.slice(0, 8)}…`);
    }
    expect(found).toEqual([]);
  });
});
