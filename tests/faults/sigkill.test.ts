import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DB } from '../../db/client';
import { createSession } from '../../app/models/accounts/sessions.server';
import { insertUser } from '../../app/models/accounts/users.server';
import { startSmtpServer, type TestSmtp } from '../support/smtp';
import { createThrowawayCluster, fileThroughForm, sharedSecrets, sleep, spawnServer, type Cluster, type ServerProcess } from './support';

/**
 * SIGKILL of the app at a random moment during intake, during a staff action and during mail
 * sending, on both databases. What the client was told was stored is stored; what a
 * transaction wrote is all there or not at all; every queued mail is delivered after the
 * restart, a message sent twice only with one Message-ID (the outbox's at-least-once), and jobs
 * the dead process had claimed are taken up again once their lock expires.
 */
let cluster: Cluster;
const secrets = sharedSecrets();
const dirs: string[] = [];

beforeAll(async () => {
  cluster = await createThrowawayCluster();
});

afterAll(async () => {
  await cluster?.destroy();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

type Target = { env: Record<string, string>; open: () => DB };

async function freshTarget(backend: 'pglite' | 'postgres'): Promise<Target> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-faults-kill-'));
  dirs.push(dataDir);
  if (backend === 'pglite') {
    return { env: { DATA_DIR: dataDir }, open: () => createDb({ dataDir: path.join(dataDir, 'pglite') }).db };
  }
  const url = await cluster.createDatabase('pp_kill');
  return { env: { DATA_DIR: dataDir, DATABASE_URL: url, ...secrets }, open: () => createDb({ databaseUrl: url, poolSize: 2 }).db };
}

/** Runs `fn` against the database while no server holds it (PGlite is single-process). */
async function inspect<T>(target: Target, fn: (db: DB) => Promise<T>): Promise<T> {
  const db = target.open();
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

/** Starts the server, runs `load` until a random moment in [minMs, maxMs], then SIGKILLs it. */
async function killDuring(target: Target, env: Record<string, string>, load: (server: ServerProcess, running: () => boolean) => Promise<void>, minMs: number, maxMs: number) {
  const server = await spawnServer({ ...target.env, ...env });
  let running = true;
  const work = load(server, () => running);
  await sleep(minMs + Math.random() * (maxMs - minMs));
  await server.kill('SIGKILL');
  running = false;
  await work;
  return server;
}

const report: string[] = [];
afterAll(() => console.log(report.join('\n')));

describe.each(['pglite', 'postgres'] as const)('SIGKILL on %s', (backend) => {
  it('during intake: every acknowledged submission is stored with its token, receipt mail and job', async () => {
    const target = await freshTarget(backend);
    const results: Array<{ status: number; email: string }> = [];
    await killDuring(
      target,
      {},
      async (server, running) => {
        await Promise.all(
          Array.from({ length: 8 }, async () => {
            while (running()) results.push(await fileThroughForm(server.baseURL));
          }),
        );
      },
      2_000,
      4_000,
    );
    const acknowledged = results.filter((r) => r.status === 302).map((r) => r.email);
    const { stored, incomplete } = await inspect(target, async (db) => {
      const rows = await db
        .selectFrom('requests')
        .select(['id', 'email'])
        .select((eb) => [
          eb.selectFrom('request_tokens').whereRef('request_tokens.request_id', '=', 'requests.id').select(sql<number>`count(*)::int`.as('n')).as('tokens'),
          eb.selectFrom('mail_outbox').whereRef('mail_outbox.to_address', '=', 'requests.email').select(sql<number>`count(*)::int`.as('n')).as('mails'),
        ])
        .execute();
      const jobsWithoutMail = await sql<{ n: number }>`
        select count(*)::int as n from mail_outbox o
        where not exists (select 1 from jobs j where j.dedupe_key = 'mail:' || o.id)`.execute(db);
      return {
        stored: new Set(rows.map((r) => r.email)),
        incomplete: rows.filter((r) => Number(r.tokens) < 1 || Number(r.mails) < 1).length + jobsWithoutMail.rows[0]!.n,
      };
    });
    const lost = acknowledged.filter((email) => !stored.has(email));
    report.push(`FAULT sigkill intake (${backend}): ${results.length} answered before the kill, acknowledged ${acknowledged.length}, stored ${stored.size}, acknowledged-but-lost ${lost.length}, half-written ${incomplete}`);
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(lost).toEqual([]);
    expect(incomplete).toBe(0);
    // The process comes back on the same data.
    const again = await spawnServer(target.env);
    expect((await fileThroughForm(again.baseURL)).status).toBe(302);
    await again.kill('SIGTERM');
  });

  it('during a staff action: every acknowledged subprocessor is stored with its change and audit event', async () => {
    const target = await freshTarget(backend);
    // Migrate and create the staff account before the server that will be killed starts.
    const first = await spawnServer(target.env);
    await first.kill('SIGTERM');
    const cookie = await inspect(target, async (db) => {
      const user = await insertUser(db, { email: `staff-${randomUUID().slice(0, 8)}@example.org`, password: `kill test ${randomUUID()}`, role: 'staff', emailVerified: true });
      return `__Host-session=${(await createSession(db, user)).token}`;
    });
    const effectiveOn = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
    const results: Array<{ status: number; name: string }> = [];
    await killDuring(
      target,
      {},
      async (server, running) => {
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            while (running()) {
              const name = `Kill Test ${randomUUID().slice(0, 8)}`;
              const status = await fetch(`${server.baseURL}/staff/subprocessors/new`, {
                method: 'POST',
                redirect: 'manual',
                headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.baseURL, Cookie: cookie },
                body: new URLSearchParams({
                  name,
                  legalEntity: `${name} GmbH`,
                  purpose: 'Testing what a killed process leaves behind',
                  dataCategories: 'Contact details',
                  locations: 'DE',
                  transferMechanism: 'eea-only',
                  website: 'https://example.org/',
                  effectiveOn,
                }),
              }).then(
                async (r) => (await r.arrayBuffer(), r.status),
                () => 0,
              );
              results.push({ status, name });
            }
          }),
        );
      },
      1_500,
      3_000,
    );
    const acknowledged = results.filter((r) => r.status === 302).map((r) => r.name);
    const { stored, incomplete } = await inspect(target, async (db) => {
      const { rows } = await sql<{ name: string; changes: number; audits: number }>`
        select c.details->>'name' as name,
          (select count(*)::int from subprocessor_changes c2 where c2.subprocessor_id = c.subprocessor_id) as changes,
          (select count(*)::int from audit_events a where a.target_id = c.subprocessor_id::text) as audits
        from subprocessor_changes c where c.details->>'name' like 'Kill Test %'`.execute(db);
      return { stored: new Set(rows.map((r) => r.name)), incomplete: rows.filter((r) => Number(r.changes) !== 1 || Number(r.audits) !== 1).length };
    });
    const lost = acknowledged.filter((name) => !stored.has(name));
    report.push(`FAULT sigkill staff action (${backend}): ${results.length} answered before the kill, acknowledged ${acknowledged.length}, stored ${stored.size}, acknowledged-but-lost ${lost.length}, half-written ${incomplete}`);
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(lost).toEqual([]);
    expect(incomplete).toBe(0);
  });

  it('during mail sending: after the restart every message is delivered, a repeat only with the same Message-ID', async () => {
    const target = await freshTarget(backend);
    // A slow mail server: each message takes 250 ms to accept, so the kill lands mid-delivery.
    let slow: TestSmtp | undefined = await startSmtpServer();
    const port = slow.port;
    await slow.close();
    slow = await startSlowSmtp(port, 250);
    const env = { SMTP_URL: `smtp://127.0.0.1:${port}` };
    const filed: string[] = [];
    await killDuring(
      target,
      env,
      async (server) => {
        for (let i = 0; i < 12; i++) {
          const r = await fileThroughForm(server.baseURL);
          if (r.status === 302) filed.push(r.email);
        }
      },
      2_500,
      3_500,
    );
    const deliveredBeforeKill = slow.messages.length;
    // The dead process's claimed jobs keep their lock for LOCK_TIMEOUT_SECONDS (90 s); age it
    // rather than wait.
    const wasRunning = await inspect(target, async (db) => {
      const running = await db.selectFrom('jobs').select('id').where('state', '=', 'running').execute();
      await db.updateTable('jobs').set({ locked_at: sql`now() - interval '301 seconds'` }).where('state', '=', 'running').execute();
      return running.length;
    });
    const server = await spawnServer({ ...target.env, ...env });
    try {
      // Wait until every filed request's receipt has arrived.
      const deadline = Date.now() + 60_000;
      const recipients = () => new Set(slow!.messages.map((m) => (Array.isArray(m.to) ? m.to[0]!.text : m.to!.text)));
      while (filed.some((e) => !recipients().has(e)) && Date.now() < deadline) await sleep(200);
      expect(filed.filter((e) => !recipients().has(e))).toEqual([]);
    } finally {
      await server.kill('SIGTERM');
    }
    const outbox = await inspect(target, (db) => db.selectFrom('mail_outbox').select(['id', 'status', 'message_id']).execute());
    const ids = slow.messages.map((m) => m.messageId);
    const duplicates = ids.length - new Set(ids).size;
    report.push(
      `FAULT sigkill mail (${backend}): ${filed.length} acknowledged, ${deliveredBeforeKill} delivered before the kill, ${wasRunning} jobs held by the dead process, ` +
        `outbox ${outbox.length} rows (${outbox.filter((o) => o.status === 'sent').length} sent), ${ids.length} deliveries, ${new Set(ids).size} distinct Message-IDs, ${duplicates} repeats`,
    );
    expect(outbox.every((o) => o.status === 'sent')).toBe(true);
    // Every delivery carried the outbox row's Message-ID; repeats are bounded by the jobs in flight.
    expect(new Set(ids).size).toBe(outbox.length);
    expect(duplicates).toBeLessThanOrEqual(wasRunning);
    await slow.close();
  });
});

/** The test SMTP server, answering each message after `delayMs`. */
async function startSlowSmtp(port: number, delayMs: number): Promise<TestSmtp> {
  const { SMTPServer } = await import('smtp-server');
  const { simpleParser } = await import('mailparser');
  const messages: TestSmtp['messages'] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (parsed) => setTimeout(() => (messages.push(parsed), callback()), delayMs),
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { port, url: `smtp://127.0.0.1:${port}`, messages, close: () => new Promise<void>((r) => server.close(() => r())) };
}
