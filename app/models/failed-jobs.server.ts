import { sql } from 'kysely';
import type { DB } from '../../db/client';
import { recordAudit, type Actor } from '~/models/audit.server';
import { MAIL_DELIVER_JOB } from '~/models/mail.server';

/**
 * What an administrator sees behind "Failed background jobs: N" on /staff: each job that used
 * up its attempts, what it was, when it gave up and the last error it raised. A failed job can be
 * retried: every handler is written to run again safely (backups and retention are idempotent,
 * reminders are deduplicated by `reminder_sends`, a mail already sent is skipped), so the row is
 * put back to `pending` with fresh attempts and the worker takes it on its next beat.
 */
export const FAILED_JOBS_SHOWN = 200;

export type FailedJob = {
  id: string;
  kind: string;
  attempts: number;
  lastError: string | null;
  failedAt: Date | null;
  createdAt: Date;
};

/** Jobs that gave up, newest failure first (at most FAILED_JOBS_SHOWN), and how many there are in all. */
export async function listFailedJobs(db: DB): Promise<{ jobs: FailedJob[]; total: number }> {
  const [rows, count] = await Promise.all([
    db
      .selectFrom('jobs')
      .select(['id', 'kind', 'attempts', 'last_error', 'finished_at', 'created_at'])
      .where('state', '=', 'failed')
      .orderBy('finished_at', 'desc')
      .orderBy('id', 'desc')
      .limit(FAILED_JOBS_SHOWN)
      .execute(),
    db.selectFrom('jobs').select((eb) => eb.fn.countAll<string>().as('n')).where('state', '=', 'failed').executeTakeFirstOrThrow(),
  ]);
  return {
    jobs: rows.map((r) => ({
      id: String(r.id),
      kind: r.kind,
      attempts: r.attempts,
      lastError: r.last_error,
      failedAt: r.finished_at,
      createdAt: r.created_at,
    })),
    total: Number(count.n),
  };
}

/** The job is not (or no longer) failed: retried by someone else, or gone to retention. */
export class JobNotFailedError extends Error {
  override name = 'JobNotFailedError';
}

/** Puts a failed job back in the queue, due now, with its attempts reset; audited. Returns its kind. */
export async function retryFailedJob(db: DB, jobId: string, actor: Actor & { id: string }): Promise<string> {
  return db.transaction().execute(async (trx) => {
    const job = await trx
      .updateTable('jobs')
      .set({ state: 'pending', attempts: 0, run_at: sql<Date>`now()`, locked_at: null, finished_at: null })
      .where('id', '=', jobId)
      .where('state', '=', 'failed')
      .returning(['id', 'kind', 'payload'])
      .executeTakeFirst();
    if (!job) throw new JobNotFailedError('This job is no longer failed: it was retried already or removed.');
    if (job.kind === MAIL_DELIVER_JOB && job.payload.outboxId !== undefined) {
      // The outbox row says "failed" for staff; it is queued again with its job.
      await trx
        .updateTable('mail_outbox')
        .set({ status: 'queued' })
        .where('id', '=', String(job.payload.outboxId))
        .where('status', '=', 'failed')
        .execute();
    }
    await recordAudit(trx, {
      actorId: actor.id,
      ip: actor.ip ?? null,
      action: 'job.retried',
      targetType: 'job',
      targetId: String(job.id),
      details: { kind: job.kind },
    });
    return job.kind;
  });
}
