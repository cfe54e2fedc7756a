import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnPortalProcess, type PortalProcess } from '../support/server-process';
import { waitForMail } from '../support/mailbox';

/**
 * Finding 4: no working link may be recoverable from the database's files. A request's whole
 * journey runs against the real server in its own process; then every file of the embedded
 * database (or, on PostgreSQL, the write-ahead log and the outbox's relation files) is searched
 * for every token the subject was sent.
 */
let portal: PortalProcess;
beforeAll(async () => {
  portal = await spawnPortalProcess({ prefix: 'pp-tokens' });
});
afterAll(async () => {
  await portal?.cleanup();
});

const post = (p: string, body: string) =>
  fetch(`${portal.baseURL}${p}`, { method: 'POST', body, redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });

function tokensIn(text: string): string[] {
  return [...text.matchAll(/\/(?:verify|status\/s|reset-password|account\/confirm)\/([A-Za-z0-9_-]{43})/g)].map((m) => m[1]!);
}

describe('tokens in the database files', () => {
  it('no link the subject was sent can be found in the data files or the write-ahead log', async () => {
    const email = `wal.${Date.now()}@example.org`;
    const html = await (await fetch(`${portal.baseURL}/requests/new`)).text();
    const submissionId = /name="submissionId" value="([^"]+)"/.exec(html)![1]!;
    const filed = await post(
      '/requests/new',
      new URLSearchParams({ type: 'access', email, name: 'Wal Reader', requesterRole: 'self', confirm: 'yes', website: '', submissionId }).toString(),
    );
    expect(filed.status).toBe(302);
    const receipt = await waitForMail(portal.dataDir, email, 'Confirm your request');
    const [verifyToken] = tokensIn(receipt.text ?? '');
    expect(verifyToken).toBeDefined();
    const confirmed = await post(`/verify/${verifyToken}`, 'intent=confirm');
    const statusPath = confirmed.headers.get('location')!;
    expect(statusPath).toMatch(/^\/status\/s\//);
    const confirmedMail = await waitForMail(portal.dataDir, email, 'Your request is confirmed');
    const lost = await post('/status', `email=${encodeURIComponent(email)}`);
    expect(lost.status).toBe(200);
    const fresh = await waitForMail(portal.dataDir, email, 'Your request');
    const tokens = [...new Set([verifyToken!, ...tokensIn(statusPath), ...tokensIn(confirmedMail.text ?? ''), ...tokensIn(fresh.text ?? '')])];
    expect(tokens.length).toBeGreaterThanOrEqual(3);
    for (const token of tokens.slice(1)) expect((await fetch(`${portal.baseURL}/status/s/${token}`)).status).toBe(200);

    const haystacks: Record<string, Buffer> = {};
    if (process.env.DATABASE_URL) {
      // The same server's files, read by the server itself (the test role is a superuser).
      const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await client.connect();
      try {
        await client.query('checkpoint');
        const wal = await client.query<{ name: string }>('select name from pg_ls_waldir() order by modification desc limit 3');
        for (const { name } of wal.rows) {
          const file = await client.query<{ data: Buffer }>('select pg_read_binary_file($1) as data', [`pg_wal/${name}`]);
          haystacks[`pg_wal/${name}`] = file.rows[0]!.data;
        }
      } finally {
        await client.end();
      }
      // And the portal database's own table files (TOAST included), written out by a checkpoint.
      const own = new pg.Client({ connectionString: portal.databaseUrl });
      await own.connect();
      try {
        await own.query('checkpoint');
        const files = await own.query<{ path: string }>(`
          select pg_relation_filepath(c.oid) as path from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'public' and c.relkind = 'r'
          union all
          select pg_relation_filepath(c.reltoastrelid) from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'public' and c.relkind = 'r' and c.reltoastrelid <> 0`);
        for (const { path: file } of files.rows) {
          const data = await own.query<{ data: Buffer }>('select pg_read_binary_file($1) as data', [file]);
          haystacks[file] = data.rows[0]!.data;
        }
      } finally {
        await own.end();
      }
    } else {
      expect(await portal.stop()).toBe(0);
      const dir = path.join(portal.dataDir, 'pglite');
      const walk = (d: string): string[] =>
        fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
      for (const file of walk(dir)) haystacks[path.relative(dir, file)] = fs.readFileSync(file);
      expect(Object.keys(haystacks).some((f) => f.startsWith('pg_wal/'))).toBe(true);
    }
    const found: string[] = [];
    for (const [where, bytes] of Object.entries(haystacks)) {
      for (const token of tokens) if (bytes.includes(token)) found.push(`${where} holds ${token.slice(0, 8)}…`);
    }
    expect(found).toEqual([]);
    // The search can fail: the address the mail went to is in the same files, in clear.
    expect(Object.values(haystacks).some((bytes) => bytes.includes(email))).toBe(true);
  });
});
