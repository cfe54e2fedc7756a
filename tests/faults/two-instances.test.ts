import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DB } from '../../db/client';
import { insertUser } from '../../app/models/accounts/users.server';
import { startSmtpServer, type TestSmtp } from '../support/smtp';
import { createThrowawayCluster, fileThroughForm, sharedSecrets, sleep, spawnServer, type Cluster, type ServerProcess } from './support';

/**
 * Two app instances on one PostgreSQL behind a round-robin proxy (node:http), as behind a load
 * balancer: a session made on one is honoured and revoked on both, a rate limit counts across
 * both, every job runs once and every mail is sent once although both run the worker, the
 * audit trail has one row per action, and a registry change made on one shows on the other within a second.
 */
let cluster: Cluster;
let smtp: TestSmtp;
let instances: ServerProcess[] = [];
let proxy: http.Server;
let proxyURL: string;
let db: DB;
const dirs: string[] = [];

beforeAll(async () => {
  cluster = await createThrowawayCluster();
  smtp = await startSmtpServer();
  const url = await cluster.createDatabase('pp_two');
  const secrets = sharedSecrets();
  // Started together: both migrate the empty database at once.
  instances = await Promise.all(
    [0, 1].map(() => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-faults-two-'));
      dirs.push(dataDir);
      return spawnServer({ DATABASE_URL: url, DATA_DIR: dataDir, SMTP_URL: smtp.url, SUBPROCESSOR_DEMO: 'on', ...secrets });
    }),
  );
  db = createDb({ databaseUrl: url, poolSize: 2 }).db;
  let next = 0;
  proxy = http.createServer((req, res) => {
    const target = new URL(instances[next++ % instances.length]!.baseURL);
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.statusCode = 502;
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  proxyURL = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
});

afterAll(async () => {
  proxy?.close();
  await db?.destroy();
  await Promise.all(instances.map((i) => i.kill('SIGTERM')));
  await smtp?.close();
  await cluster?.destroy();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const form = (fields: Record<string, string>) => new URLSearchParams(fields);
const post = (base: string, pathname: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${base}${pathname}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: base, ...headers },
    body: form(fields),
  });

describe('two instances behind a round-robin proxy', () => {
  it('migrated once and both serve', async () => {
    for (const i of instances) expect((await fetch(`${i.baseURL}/healthz`)).status).toBe(200);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from kysely_migration`.execute(db);
    const names = await sql<{ n: number }>`select count(distinct name)::int as n from kysely_migration`.execute(db);
    expect(rows[0]!.n).toBe(names.rows[0]!.n);
  });

  it('honours a session on both instances and revokes it on both', async () => {
    const password = `two instances ${randomUUID()}`;
    const email = `staff-${randomUUID().slice(0, 8)}@example.org`;
    await insertUser(db, { email, password, role: 'staff', emailVerified: true });
    const signIn = await post(proxyURL, '/login', { email, password });
    expect(signIn.status).toBe(302);
    const cookie = signIn.headers.getSetCookie().map((c) => c.split(';')[0]!).find((c) => c.startsWith('__Host-session='))!;
    expect(cookie).toBeDefined();
    for (const i of instances) expect((await fetch(`${i.baseURL}/staff`, { headers: { Cookie: cookie }, redirect: 'manual' })).status).toBe(200);
    expect((await post(proxyURL, '/logout', {}, { Cookie: cookie })).status).toBe(302);
    for (const i of instances) expect((await fetch(`${i.baseURL}/staff`, { headers: { Cookie: cookie }, redirect: 'manual' })).status).toBe(302);
    const audit = await db.selectFrom('audit_events').select('action').where('actor_id', 'is not', null).where('action', 'in', ['auth.sign_in', 'auth.sign_out']).execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['auth.sign_in', 'auth.sign_out']);
  });

  it('counts a rate limit across both instances', async () => {
    const statuses: number[] = [];
    for (let n = 0; n < 12; n++) {
      const res = await post(proxyURL, '/subprocessors/subscribe', { email: `sub${n}-${randomUUID().slice(0, 6)}@example.org` }, { 'X-Forwarded-For': '10.77.0.1' });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    // The subscription form allows 10 an hour per address: the 11th is refused whichever instance gets it.
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
  });

  it('runs each job once and sends each mail once, with both workers running', async () => {
    const filed = [];
    for (let n = 0; n < 20; n++) filed.push(await fileThroughForm(proxyURL));
    expect(filed.every((f) => f.status === 302)).toBe(true);
    const outbox = await db.selectFrom('mail_outbox').select(['id']).execute();
    const deadline = Date.now() + 60_000;
    while (smtp.messages.length < outbox.length && Date.now() < deadline) await sleep(200);
    // Both workers poll every 2 s: give a second delivery every chance to happen.
    await sleep(4_500);
    const ids = smtp.messages.map((m) => m.messageId);
    expect(ids.length).toBe(outbox.length);
    expect(new Set(ids).size).toBe(ids.length);
    const jobs = await db.selectFrom('jobs').select(['state', 'attempts']).where('kind', '=', 'mail.deliver').execute();
    expect(jobs.every((j) => j.state === 'done' && j.attempts === 1)).toBe(true);
    console.log(`TWO INSTANCES: ${outbox.length} mails queued through both, ${ids.length} delivered, ${new Set(ids).size} distinct Message-IDs, ${jobs.length} jobs each run once`);
  });

  it('shows a registry change made on one instance on the other', async () => {
    const [a, b] = instances;
    const before = await (await fetch(`${b!.baseURL}/subprocessors.json`)).text();
    const password = `registry ${randomUUID()}`;
    const email = `editor-${randomUUID().slice(0, 8)}@example.org`;
    await insertUser(db, { email, password, role: 'staff', emailVerified: true });
    const signIn = await post(a!.baseURL, '/login', { email, password });
    const cookie = signIn.headers.getSetCookie().map((c) => c.split(';')[0]!).find((c) => c.startsWith('__Host-session='))!;
    const name = `Two Instance ${randomUUID().slice(0, 6)}`;
    const planned = await post(
      a!.baseURL,
      '/staff/subprocessors/new',
      {
        name,
        legalEntity: `${name} Ltd`,
        purpose: 'Checking that caches agree across instances',
        dataCategories: 'Contact details',
        locations: 'IE',
        transferMechanism: 'eea-only',
        website: 'https://example.org/',
        effectiveOn: new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10),
      },
      { Cookie: cookie },
    );
    expect(planned.status).toBe(302);
    expect(before).not.toContain(name);
    // The other instance's in-memory copy of the public documents checks the registry version
    // at most a second old (decision 023): the change shows there within that second.
    const seenOnB = async () =>
      (await (await fetch(`${b!.baseURL}/subprocessors.json`)).text()).includes(name) &&
      (await (await fetch(`${b!.baseURL}/subprocessors`)).text()).includes(name);
    const deadline = Date.now() + 2_000;
    let seen = await seenOnB();
    while (!seen && Date.now() < deadline) {
      await sleep(100);
      seen = await seenOnB();
    }
    expect(seen).toBe(true);
  });
});
