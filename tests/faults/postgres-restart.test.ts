import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpServer, type TestSmtp } from '../support/smtp';
import { createThrowawayCluster, fileThroughForm, sharedSecrets, sleep, spawnServer, type Cluster, type ServerProcess } from './support';

/**
 * PostgreSQL restarts (fast shutdown: every session gets 57P01) while 8 clients file requests
 * through the public form. The process must stay up, answer 503 (never 500) while the database
 * is away, reconnect by itself, and every acknowledged submission must be stored; the job
 * worker resumes and delivers every verification mail.
 */
let cluster: Cluster;
let smtp: TestSmtp;
let server: ServerProcess;
let dataDir: string;

beforeAll(async () => {
  cluster = await createThrowawayCluster();
  smtp = await startSmtpServer();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-faults-restart-'));
  server = await spawnServer({ DATABASE_URL: cluster.url, SMTP_URL: smtp.url, DATA_DIR: dataDir, ...sharedSecrets() });
});

afterAll(async () => {
  await server?.kill('SIGTERM');
  await smtp?.close();
  await cluster?.destroy();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('PostgreSQL restart under traffic', () => {
  it('keeps the process up, answers 503 meanwhile, loses no acknowledged submission and recovers by itself', async () => {
    const results: Array<{ at: number; status: number; email: string; body?: string }> = [];
    const health: Array<{ at: number; status: number }> = [];
    let running = true;
    const clients = Array.from({ length: 8 }, async () => {
      while (running) {
        const r = await fileThroughForm(server.baseURL);
        results.push({ at: Date.now(), ...r });
        // People, not a flood: the worker delivers every receipt within the test's time.
        await sleep(300);
      }
    });
    const poller = (async () => {
      while (running) {
        const status = await fetch(`${server.baseURL}/healthz`, { signal: AbortSignal.timeout(5_000) }).then(
          (r) => r.status,
          () => 0,
        );
        health.push({ at: Date.now(), status });
        await sleep(100);
      }
    })();

    await sleep(3_000);
    // Stop (fast: every session gets 57P01), stay down long enough for the /healthz poller to
    // see it whatever the machine's speed, then start again. A bare `pg_ctl restart` can finish
    // between two polls on a quiet machine, which made the outage invisible to the assertion.
    const restartStarted = Date.now();
    await cluster.stop();
    await sleep(1_500);
    await cluster.start();
    const restartDone = Date.now();
    await sleep(4_000);
    running = false;
    await Promise.all([...clients, poller]);

    // The process is alive and never crashed.
    expect(server.child.exitCode).toBeNull();
    expect(server.child.signalCode).toBeNull();

    const acknowledged = results.filter((r) => r.status === 302);
    const statuses = Object.fromEntries([...new Set(results.map((r) => r.status))].map((s) => [s, results.filter((r) => r.status === s).length]));
    // Only acknowledgements and "temporarily unavailable"; no 500, no dropped connection.
    expect(Object.keys(statuses).filter((s) => s !== '302' && s !== '503')).toEqual([]);

    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    let stored: Set<string>;
    try {
      const rows = await client.query<{ email: string }>('select email from requests');
      stored = new Set(rows.rows.map((r) => r.email));
    } finally {
      await client.end();
    }
    const lost = acknowledged.filter((r) => !stored.has(r.email));
    expect(lost).toEqual([]);

    // /healthz saw the outage and the recovery; the first acknowledgement after the restart
    // says how long requests failed.
    const firstDown = health.find((h) => h.at >= restartStarted && h.status === 503);
    const healthyAgain = health.find((h) => firstDown && h.at > firstDown.at && h.status === 200);
    expect(firstDown).toBeDefined();
    expect(healthyAgain).toBeDefined();
    const firstAckAfter = acknowledged.find((r) => r.at > restartDone);
    expect(firstAckAfter).toBeDefined();
    const recoveryMs = firstAckAfter!.at - restartDone;
    expect(recoveryMs).toBeLessThan(5_000);

    // A request whose query was cut off got the clear page, not a stack trace.
    const unavailable = results.find((r) => r.status === 503);
    if (unavailable) expect(unavailable.body).toContain('Temporarily unavailable');

    // The worker backed off and resumed: every stored request's verification mail arrives.
    const deadline = Date.now() + 90_000;
    const delivered = () => new Set(smtp.messages.flatMap((m) => (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).map((a) => a.text)));
    while ([...stored].some((email) => !delivered().has(email)) && Date.now() < deadline) await sleep(250);
    const undelivered = [...stored].filter((email) => !delivered().has(email));
    if (undelivered.length > 0) {
      const c = new pg.Client({ connectionString: cluster.url });
      await c.connect();
      const jobs = await c.query(`select kind, state, attempts, left(last_error, 80) as e, run_at > now() as later, count(*)::int as n, min(locked_at) as locked, now() from jobs where kind = 'mail.deliver' group by 1,2,3,4,5`);
      await c.end();
      console.log('undelivered', undelivered.length, 'delivered', smtp.messages.length, JSON.stringify(jobs.rows), server.out.stdout.split('\n').filter((l) => /"level":(40|50)/.test(l)).slice(0, 5).join('\n'));
    }
    expect(undelivered).toEqual([]);
    const ids = smtp.messages.map((m) => m.messageId);
    const duplicates = ids.length - new Set(ids).size;

    console.log(
      `FAULT postgres-restart: ${results.length} submissions, statuses ${JSON.stringify(statuses)}, acknowledged ${acknowledged.length}, ` +
        `stored ${stored.size}, acknowledged-but-lost ${lost.length}, restart took ${restartDone - restartStarted} ms, ` +
        `/healthz 503 for ${healthyAgain!.at - firstDown!.at} ms, first acknowledgement ${recoveryMs} ms after PostgreSQL was back, ` +
        `mails ${smtp.messages.length} (${duplicates} duplicates)`,
    );
  });
});
