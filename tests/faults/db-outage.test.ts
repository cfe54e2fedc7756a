import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, isDatabaseUnavailable, migrateToLatest, type DB } from '../../db/client';
import { enqueueJob, startWorker } from '../../app/models/jobs.server';
import { createLogger } from '../../app/utils/logger.server';
import { startTestPortal } from '../support/portal';
import { createThrowawayCluster, sleep, type Cluster } from './support';

/**
 * The database layer on a PostgreSQL of our own that the test cuts off: a connection killed
 * while checked out (inside a transaction, between queries) must not crash the process, the
 * pool must hand out working connections afterwards, and the job worker must back off while
 * the server is down and resume when it is back.
 */
let cluster: Cluster;
let db: DB;
const connectionErrors: Error[] = [];

beforeAll(async () => {
  cluster = await createThrowawayCluster();
  db = createDb({ databaseUrl: cluster.url, poolSize: 4, onConnectionError: (e) => connectionErrors.push(e) }).db;
  await migrateToLatest(db);
});

afterAll(async () => {
  await db?.destroy().catch(() => {});
  await cluster?.destroy();
});

describe('a connection lost while checked out', () => {
  it('fails only the transaction that held it; the process lives and the pool reconnects', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      const outcome = await db
        .transaction()
        .execute(async (trx) => {
          const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
          // Another session ends ours while it sits idle in the transaction: the client emits
          // 'error' with no query to receive it (the crash of issue 14 when nobody listens).
          await sql`select pg_terminate_backend(${rows[0]!.pid})`.execute(db);
          await sleep(300);
          await sql`select 1`.execute(trx);
          return 'committed';
        })
        .catch((error: unknown) => error);
      expect(outcome).toBeInstanceOf(Error);
      expect(isDatabaseUnavailable(outcome)).toBe(true);
      expect(connectionErrors.length).toBeGreaterThan(0);
      expect(uncaught).toEqual([]);
      // The broken client left the pool: every connection handed out now works.
      const results = await Promise.all(Array.from({ length: 8 }, () => sql<{ one: number }>`select 1 as one`.execute(db)));
      expect(results.every((r) => r.rows[0]!.one === 1)).toBe(true);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  it('classifies outage errors as 503 material and others not', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('wrapped', { cause: Object.assign(new Error('x'), { code: '08006' }) }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('duplicate key value'), { code: '23505' }))).toBe(false);
    expect(isDatabaseUnavailable(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
  });
});

describe('the job worker during an outage', () => {
  it('backs off while PostgreSQL is down and runs the queued job once it is back', async () => {
    const lines: Array<{ level: string; msg: string; failures?: number }> = [];
    const logger = createLogger({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    let ran = 0;
    await enqueueJob(db, { kind: 'test.outage', payload: {} });
    await cluster.stop();
    const worker = startWorker(db, { 'test.outage': async () => void ran++ }, logger, { intervalMs: 200, maxBackoffMs: 1_600 });
    try {
      await sleep(3_000);
      const failures = lines.filter((l) => l.msg.includes('backing off'));
      // 200, 400, 800, 1600 ms: four or five attempts in three seconds, not fifteen.
      expect(failures.length).toBeGreaterThanOrEqual(2);
      expect(failures.length).toBeLessThanOrEqual(6);
      expect(ran).toBe(0);
      await cluster.start();
      const deadline = Date.now() + 10_000;
      while (ran === 0 && Date.now() < deadline) await sleep(100);
      expect(ran).toBe(1);
      // The worker says so once the batch that ran it is finished.
      const resumedBy = Date.now() + 5_000;
      while (!lines.some((l) => l.msg === 'job worker resumed') && Date.now() < resumedBy) await sleep(100);
      expect(lines.some((l) => l.msg === 'job worker resumed')).toBe(true);
    } finally {
      await worker.stop();
    }
  });
});

describe('the server while PostgreSQL is down', () => {
  it('answers 503 with Retry-After and a clear page, /healthz says so, and recovers without a restart', async () => {
    const portal = await startTestPortal({ DATABASE_URL: cluster.url });
    try {
      expect((await fetch(`${portal.url}/`)).status).toBe(200);
      await cluster.stop();
      const page = await fetch(`${portal.url}/subprocessors`);
      expect(page.status).toBe(503);
      expect(page.headers.get('retry-after')).toBe('5');
      const html = await page.text();
      expect(html).toContain('Temporarily unavailable');
      expect(html).not.toMatch(/ECONNREFUSED|at .*\.ts:\d+/);
      const form = await fetch(`${portal.url}/requests/new`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: portal.url },
        body: `type=access&email=a%40example.org&name=Ada+Lovelace&requesterRole=self&confirm=yes&submissionId=${crypto.randomUUID()}`,
      });
      expect(form.status).toBe(503);
      expect(await form.text()).toContain('it was not saved');
      const health = await fetch(`${portal.url}/healthz`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: 'error', db: 'unreachable' });
      await cluster.start();
      expect((await fetch(`${portal.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${portal.url}/subprocessors`)).status).toBe(200);
    } finally {
      await portal.stop();
    }
  });
});
