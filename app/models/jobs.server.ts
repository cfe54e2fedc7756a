import { sql } from 'kysely';
import { retryIdempotent, type DB } from '../../db/client';
import type { Job } from '../../db/schema';
import type { Logger } from '~/utils/logger.server';

/**
 * Background jobs are rows. Any number of app instances may run the worker: a job is claimed
 * with FOR UPDATE SKIP LOCKED, so two workers never take the same one; a failure is retried
 * with exponential backoff until max_attempts. A live worker renews the lock of every job it
 * holds every HEARTBEAT_MS; a worker that died mid-job stops renewing, and its `running` rows
 * are claimed again once the lock is LOCK_TIMEOUT_SECONDS old (a minute and a half, not the
 * length of the longest job).
 */
export type JobHandler = (payload: Record<string, unknown>, job: Job) => Promise<void>;
export type JobHandlers = Record<string, JobHandler>;

export const LOCK_TIMEOUT_SECONDS = 90;
export const HEARTBEAT_MS = 20_000;

export async function enqueueJob(
  db: DB,
  job: { kind: string; payload?: Record<string, unknown>; runAt?: Date; dedupeKey?: string; maxAttempts?: number },
): Promise<void> {
  await db
    .insertInto('jobs')
    .values({
      kind: job.kind,
      payload: JSON.stringify(job.payload ?? {}),
      run_at: job.runAt ?? new Date(),
      dedupe_key: job.dedupeKey ?? null,
      max_attempts: job.maxAttempts,
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .execute();
}

/** Claims up to `limit` due jobs for this worker. */
export async function claimJobs(db: DB, kinds: string[], limit: number): Promise<Job[]> {
  if (kinds.length === 0) return [];
  return db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom('jobs')
      .select('id')
      .where('kind', 'in', kinds)
      .where('run_at', '<=', sql<Date>`now()`)
      .where((eb) =>
        eb.or([
          eb('state', '=', 'pending'),
          eb.and([
            eb('state', '=', 'running'),
            eb('locked_at', '<', sql<Date>`now() - make_interval(secs => ${LOCK_TIMEOUT_SECONDS})`),
          ]),
        ]),
      )
      .orderBy('run_at')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    if (due.length === 0) return [];
    return trx
      .updateTable('jobs')
      .set({ state: 'running', locked_at: sql<Date>`now()`, attempts: sql<number>`attempts + 1` })
      .where(
        'id',
        'in',
        due.map((d) => d.id),
      )
      .returningAll()
      .execute();
  });
}

export function backoffSeconds(attempt: number): number {
  // 30s, 1m, 2m, 4m ... capped at 1h.
  return Math.min(30 * 2 ** Math.max(0, attempt - 1), 3600);
}

/**
 * Records a job's outcome. Idempotent (it sets one row to a fixed state), so a connection lost
 * at this step is retried: otherwise a job that did its work (a mail sent) would wait for its
 * lock to expire and run again.
 */
const finishJob = (db: DB, job: Job, error?: unknown) => retryIdempotent(() => writeJobOutcome(db, job, error));

async function writeJobOutcome(db: DB, job: Job, error?: unknown) {
  if (!error) {
    await db
      .updateTable('jobs')
      .set({ state: 'done', finished_at: sql<Date>`now()`, locked_at: null, last_error: null })
      .where('id', '=', job.id)
      .execute();
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  const exhausted = job.attempts >= job.max_attempts;
  await db
    .updateTable('jobs')
    .set({
      state: exhausted ? 'failed' : 'pending',
      locked_at: null,
      last_error: message.slice(0, 2000),
      run_at: sql<Date>`now() + make_interval(secs => ${backoffSeconds(job.attempts)})`,
      finished_at: exhausted ? sql<Date>`now()` : null,
    })
    .where('id', '=', job.id)
    .execute();
}

/** Runs one batch of due jobs; returns how many were processed. */
export async function runDueJobs(
  db: DB,
  handlers: JobHandlers,
  logger: Logger,
  options: { limit?: number; held?: Set<string>; giveWay?: () => Promise<void> } = {},
): Promise<number> {
  await options.giveWay?.();
  const jobs = await claimJobs(db, Object.keys(handlers), options.limit ?? 10);
  for (const job of jobs) options.held?.add(String(job.id));
  for (const job of jobs) {
    try {
      await options.giveWay?.();
      await handlers[job.kind]!(job.payload, job);
      await finishJob(db, job);
    } catch (error) {
      logger.warn({ err: error, jobId: job.id, kind: job.kind, attempt: job.attempts }, 'job failed');
      await finishJob(db, job, error);
    } finally {
      options.held?.delete(String(job.id));
    }
  }
  return jobs.length;
}

/** Renews the locks of the jobs this worker holds, so only a dead worker's jobs are taken over. */
export async function renewLocks(db: DB, held: ReadonlySet<string>): Promise<number> {
  if (held.size === 0) return 0;
  const result = await db
    .updateTable('jobs')
    .set({ locked_at: sql<Date>`now()` })
    .where('id', 'in', [...held])
    .where('state', '=', 'running')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Background work gives way to requests (issue 24 item 10). On the embedded database a job's
 * statements and the JavaScript around them run back to back in microtasks, so a worker draining
 * a backlog (the alerts and mails queued while the instance was down) kept the event loop from
 * reaching I/O for seconds: connections opened meanwhile were accepted about one per loop turn,
 * and at 100 connections some first requests waited over 10 s for an answer. Before each job the
 * worker lets the loop turn (a timer, so accepts and reads run), then waits while requests are in
 * flight, at most `maxDeferMs`, so jobs still progress under constant load.
 */
async function giveWayToRequests(busy: (() => boolean) | undefined, maxDeferMs: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  const until = Date.now() + maxDeferMs;
  while (busy?.() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 25));
}

/** Polls for due jobs until stopped. While the database is unreachable it backs off (up to `maxBackoffMs`) and resumes on its own. */
export function startWorker(
  db: DB,
  handlers: JobHandlers,
  logger: Logger,
  options: {
    intervalMs?: number;
    maxBackoffMs?: number;
    heartbeatMs?: number;
    /** True while the instance is answering requests: jobs then wait for a gap, up to `maxDeferMs` each. */
    busy?: () => boolean;
    maxDeferMs?: number;
  } = {},
): { stop: () => Promise<void>; lastRunAt: () => Date | null } {
  const intervalMs = options.intervalMs ?? 2_000;
  const giveWay = () => giveWayToRequests(options.busy, options.maxDeferMs ?? 1_000);
  const held = new Set<string>();
  const heartbeat = setInterval(() => {
    // A failed renewal (database away) is harmless: the next beat tries again, and the lock
    // outlives several missed beats.
    renewLocks(db, held).catch(() => {});
  }, options.heartbeatMs ?? HEARTBEAT_MS);
  heartbeat.unref();
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  let stopped = false;
  let failures = 0;
  let lastRunAt: Date | null = null;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = (async () => {
      try {
        while (!stopped && (await runDueJobs(db, handlers, logger, { held, giveWay })) > 0) {
          // Keep draining while there is work.
        }
        if (failures > 0) logger.info({ failures }, 'job worker resumed');
        failures = 0;
        // A poll that reached the database: what /readyz calls "ran recently".
        lastRunAt = new Date();
      } catch (error) {
        failures++;
        // One line per outage step, not one per poll: 2s, 4s, 8s ... up to maxBackoffMs.
        logger.error({ err: error, failures }, 'job worker could not reach the database; backing off');
      }
      const delay = failures === 0 ? intervalMs : Math.min(intervalMs * 2 ** (failures - 1), maxBackoffMs);
      if (!stopped) timer = setTimeout(tick, delay);
    })();
  };
  tick();
  return {
    lastRunAt: () => lastRunAt,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      clearInterval(heartbeat);
      await running;
    },
  };
}
