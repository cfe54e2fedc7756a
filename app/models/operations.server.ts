import { sql } from 'kysely';
import type { DB } from '../../db/client';
import { migrations } from '../../db/migrations/index';
import { lastBackupAt } from '~/models/backups/backups.server';
import { localDate } from '~/models/requests/deadlines';

/**
 * What an operator watches: counts only, never a row's content, so nothing personal reaches a
 * metric label or the staff home's summary.
 */
export type OperationsSnapshot = {
  jobs: { kind: string; state: string; count: number }[];
  outbox: { status: string; count: number }[];
  requests: { state: string; count: number }[];
  overdueRequests: number;
  lastBackupAt: Date | null;
};

/** Requests whose clock runs (not paused, not closed) and whose due date has passed. */
export async function countOverdueRequests(db: DB, now: Date, timeZone: string): Promise<number> {
  const today = localDate(now, timeZone);
  const row = await db
    .selectFrom('requests')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('state', 'in', ['open', 'in_progress'])
    .where('due_date', 'is not', null)
    // due_date holds YYYY-MM-DD text: compared as text, which orders like the dates.
    .where('due_date', '<', today)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function operationsSnapshot(db: DB, options: { now?: Date; timeZone: string }): Promise<OperationsSnapshot> {
  const now = options.now ?? new Date();
  const [jobs, outbox, requests, overdueRequests, backupAt] = await Promise.all([
    db
      .selectFrom('jobs')
      .select(['kind', 'state', (eb) => eb.fn.countAll<string>().as('n')])
      .where('state', 'in', ['pending', 'running', 'failed'])
      .groupBy(['kind', 'state'])
      .execute(),
    db.selectFrom('mail_outbox').select(['status', (eb) => eb.fn.countAll<string>().as('n')]).where('status', 'in', ['queued', 'failed']).groupBy('status').execute(),
    db.selectFrom('requests').select(['state', (eb) => eb.fn.countAll<string>().as('n')]).groupBy('state').execute(),
    countOverdueRequests(db, now, options.timeZone),
    lastBackupAt(db),
  ]);
  return {
    jobs: jobs.map((r) => ({ kind: r.kind, state: r.state, count: Number(r.n) })),
    outbox: outbox.map((r) => ({ status: r.status, count: Number(r.n) })),
    requests: requests.map((r) => ({ state: String(r.state), count: Number(r.n) })),
    overdueRequests,
    lastBackupAt: backupAt,
  };
}

/** Names of registered migrations not applied to this database. */
export async function pendingMigrations(db: DB): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  const applied = new Set(rows.map((r) => r.name));
  return Object.keys(migrations).filter((name) => !applied.has(name));
}

/** The staff home's operations block: counts and the last backup's time. */
export async function staffOperationsSummary(db: DB, options: { now?: Date; timeZone: string }) {
  const snap = await operationsSnapshot(db, options);
  return {
    overdueRequests: snap.overdueRequests,
    failedJobs: snap.jobs.filter((j) => j.state === 'failed').reduce((sum, j) => sum + j.count, 0),
    failedMail: snap.outbox.find((o) => o.status === 'failed')?.count ?? 0,
    lastBackupAt: snap.lastBackupAt?.toISOString() ?? null,
  };
}
