import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backoffSeconds, claimJobs, enqueueJob, LOCK_TIMEOUT_SECONDS, runDueJobs, startWorker } from '../../app/models/jobs.server';
import { createLogger } from '../../app/utils/logger.server';
import { createTestDb, type TestDb } from '../support/db';

let t: TestDb;
const logger = createLogger({ level: 'silent' });
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t.destroy();
});
beforeEach(async () => {
  await t.db.deleteFrom('jobs').execute();
});

describe('job queue', () => {
  it('runs a due job once and marks it done', async () => {
    const seen: unknown[] = [];
    await enqueueJob(t.db, { kind: 'greet', payload: { name: 'Ada' } });
    const ran = await runDueJobs(t.db, { greet: async (payload) => void seen.push(payload) }, logger);
    expect(ran).toBe(1);
    expect(seen).toEqual([{ name: 'Ada' }]);
    expect(await runDueJobs(t.db, { greet: async () => {} }, logger)).toBe(0);
    const job = await t.db.selectFrom('jobs').selectAll().executeTakeFirstOrThrow();
    expect(job.state).toBe('done');
    expect(job.finished_at).toBeInstanceOf(Date);
  });

  it('does not run a job before its time', async () => {
    await enqueueJob(t.db, { kind: 'later', runAt: new Date(Date.now() + 60_000) });
    expect(await runDueJobs(t.db, { later: async () => {} }, logger)).toBe(0);
  });

  it('retries a failed job with backoff and gives up after max attempts', async () => {
    await enqueueJob(t.db, { kind: 'flaky', maxAttempts: 2 });
    const fail = { flaky: async () => Promise.reject(new Error('smtp down')) };
    expect(await runDueJobs(t.db, fail, logger)).toBe(1);
    let job = await t.db.selectFrom('jobs').selectAll().executeTakeFirstOrThrow();
    expect(job).toMatchObject({ state: 'pending', attempts: 1, last_error: 'smtp down' });
    expect(job.run_at.getTime()).toBeGreaterThan(Date.now() + 20_000);

    await t.db.updateTable('jobs').set({ run_at: sql<Date>`now()` }).execute();
    await runDueJobs(t.db, fail, logger);
    job = await t.db.selectFrom('jobs').selectAll().executeTakeFirstOrThrow();
    expect(job).toMatchObject({ state: 'failed', attempts: 2 });
  });

  it('recovers a job whose worker died mid-run', async () => {
    await enqueueJob(t.db, { kind: 'crash' });
    const [claimed] = await claimJobs(t.db, ['crash'], 1);
    expect(claimed?.state).toBe('running');
    expect(await claimJobs(t.db, ['crash'], 1)).toEqual([]);
    await t.db.updateTable('jobs').set({ locked_at: sql<Date>`now() - interval '1 hour'` }).execute();
    const [again] = await claimJobs(t.db, ['crash'], 1);
    expect(again?.attempts).toBe(2);
  });

  it('keeps renewing the lock of a long job it runs, so only a dead worker\'s jobs are taken over', async () => {
    await enqueueJob(t.db, { kind: 'slow' });
    let release!: () => void;
    const started = new Promise<void>((resolve) => {
      release = resolve;
    });
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const worker = startWorker(t.db, { slow: async () => (release(), done) }, logger, { intervalMs: 50, heartbeatMs: 100 });
    try {
      await started;
      // Age the lock past the timeout: a worker that stopped beating would lose the job now...
      await t.db.updateTable('jobs').set({ locked_at: sql<Date>`now() - make_interval(secs => ${LOCK_TIMEOUT_SECONDS + 60})` }).execute();
      await new Promise((r) => setTimeout(r, 400));
      // ...but this one is alive: its heartbeat renewed the lock, and nobody else can claim it.
      const job = await t.db.selectFrom('jobs').select(['state', 'locked_at']).executeTakeFirstOrThrow();
      expect(job.state).toBe('running');
      expect(Date.now() - job.locked_at!.getTime()).toBeLessThan(5_000);
      expect(await claimJobs(t.db, ['slow'], 1)).toEqual([]);
    } finally {
      finish();
      await worker.stop();
    }
    expect((await t.db.selectFrom('jobs').select('state').executeTakeFirstOrThrow()).state).toBe('done');
  });

  it('gives way to requests: while the instance is busy a job waits for a gap, at most maxDeferMs, then runs anyway', async () => {
    await enqueueJob(t.db, { kind: 'mail' });
    let busy = true;
    let ranAt = 0;
    const started = Date.now();
    const worker = startWorker(t.db, { mail: async () => void (ranAt = Date.now()) }, logger, { intervalMs: 50, busy: () => busy, maxDeferMs: 600 });
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect(ranAt, 'ran while requests were in flight').toBe(0);
      // Still busy: the job is deferred no longer than maxDeferMs, so jobs progress under constant load.
      for (const deadline = Date.now() + 20_000; ranAt === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
      expect(ranAt).toBeGreaterThanOrEqual(started + 600);
      await enqueueJob(t.db, { kind: 'mail' });
      busy = false;
      const idleFrom = Date.now();
      while ((await t.db.selectFrom('jobs').select('id').where('state', '!=', 'done').execute()).length > 0) await new Promise((r) => setTimeout(r, 20));
      expect(ranAt).toBeGreaterThanOrEqual(idleFrom);
    } finally {
      await worker.stop();
    }
  });

  it('never hands the same job to two workers', async () => {
    for (let i = 0; i < 20; i++) await enqueueJob(t.db, { kind: 'count', payload: { i } });
    const batches = await Promise.all([1, 2, 3, 4].map(() => claimJobs(t.db, ['count'], 8)));
    const ids = batches.flat().map((j) => j.id);
    expect(ids.length).toBe(20);
    expect(new Set(ids).size).toBe(20);
  });

  it('enqueues a job with a dedupe key only once', async () => {
    await enqueueJob(t.db, { kind: 'once', dedupeKey: 'k1' });
    await enqueueJob(t.db, { kind: 'once', dedupeKey: 'k1' });
    const { count } = await t.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    expect(Number(count)).toBe(1);
  });

  it('backs off exponentially up to an hour', () => {
    expect([1, 2, 3, 10, 20].map(backoffSeconds)).toEqual([30, 60, 120, 3600, 3600]);
  });
});
