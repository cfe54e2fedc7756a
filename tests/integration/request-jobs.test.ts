import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDueJobs } from '../../app/models/jobs.server';
import { requestJobHandlers } from '../../app/models/requests/jobs.server';
import { replyToRequest } from '../../app/models/requests/replies.server';
import { requestInformation, transitionRequest, withdrawRequest } from '../../app/models/requests/transitions.server';
import { confirmVerification } from '../../app/models/requests/verification.server';
import { getRequestById } from '../../app/models/requests/requests.server';
import { createLogger } from '../../app/utils/logger.server';
import { createTestDb, type TestDb } from '../support/db';
import { fileRequest, rules, SAMPLE_FILES } from '../support/requests';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.destroy();
});

const logger = createLogger({ level: 'silent' });
const handlers = () => requestJobHandlers({ db: t.db, config: rules });

/** Moves a request's scheduled jobs into the past, as if their time had come. */
async function makeDue(requestId: string) {
  await t.db
    .updateTable('jobs')
    .set({ run_at: sql<Date>`now() - interval '1 second'` })
    .where(sql<string>`payload->>'requestId'`, '=', requestId)
    .where('state', '=', 'pending')
    .execute();
}

async function jobsOf(requestId: string) {
  return t.db.selectFrom('jobs').select(['kind', 'state', 'run_at']).where(sql<string>`payload->>'requestId'`, '=', requestId).orderBy('id').execute();
}

describe('timed jobs of the request lifecycle', () => {
  it('expires an unverified request when its job comes due, then purges its personal data', async () => {
    const { request } = await fileRequest(t.db, { name: 'Never Verified', details: 'private text' });
    expect(await runDueJobs(t.db, handlers(), logger)).toBe(0); // not due for 7 days
    await makeDue(request.id);
    expect(await runDueJobs(t.db, handlers(), logger)).toBe(1);
    expect(await t.db.selectFrom('jobs').select(['kind', 'last_error']).where('last_error', 'is not', null).execute()).toEqual([]);
    expect((await getRequestById(t.db, request.id))!.state).toBe('expired');
    const jobs = await jobsOf(request.id);
    expect(jobs.map((j) => [j.kind, j.state])).toEqual([
      ['request.expire', 'done'],
      ['request.purge-personal-data', 'pending'],
    ]);
    // Due 30 days after submission.
    expect(jobs[1]!.run_at.getTime() - request.created_at.getTime()).toBe(30 * 86_400_000);
    await makeDue(request.id);
    expect(await runDueJobs(t.db, handlers(), logger)).toBe(1);
    const purged = await getRequestById(t.db, request.id);
    expect(purged).toMatchObject({ name: '', email: '', details: null });
  });

  it('the expiry job does nothing to a request verified in time', async () => {
    const { request, verifyToken } = await fileRequest(t.db);
    await confirmVerification(t.db, verifyToken!, { rules });
    await makeDue(request.id);
    expect(await runDueJobs(t.db, handlers(), logger)).toBe(1);
    expect((await getRequestById(t.db, request.id))!.state).toBe('open');
    expect((await jobsOf(request.id)).map((j) => j.kind)).toEqual(['request.expire']);
  });

  it('deletes attachments 30 days after the request closes, not before', async () => {
    const { request, verifyToken } = await fileRequest(t.db);
    await confirmVerification(t.db, verifyToken!, { rules });
    await transitionRequest(t.db, { requestId: request.id, action: 'start', actor: { kind: 'staff', id: 's' } }, { rules });
    await requestInformation(t.db, { requestId: request.id, staffId: 's', question: 'Proof, please.' }, { rules });
    await replyToRequest(
      t.db,
      { requestId: request.id, message: 'Attached', files: [{ filename: 'scan.jpg', bytes: SAMPLE_FILES.jpeg }] },
      { rules, exportKey: 'k'.repeat(32) },
    );
    const closedAt = new Date();
    await withdrawRequest(t.db, { requestId: request.id }, { rules, now: closedAt });
    const purge = (await jobsOf(request.id)).find((j) => j.kind === 'request.purge-attachments')!;
    expect(purge.run_at.getTime() - closedAt.getTime()).toBe(30 * 86_400_000);
    const count = async () =>
      (await t.db.selectFrom('request_attachments').select('id').where('request_id', '=', request.id).execute()).length;
    expect(await count()).toBe(1);
    // Due too early (someone moved the job): the handler re-checks the 30 days and keeps the file.
    await makeDue(request.id);
    await runDueJobs(t.db, handlers(), logger);
    expect(await count()).toBe(1);
    // 30 days later.
    await t.db.updateTable('requests').set({ closed_at: new Date(Date.now() - 31 * 86_400_000) }).where('id', '=', request.id).execute();
    await t.db.updateTable('jobs').set({ state: 'pending' }).where('kind', '=', 'request.purge-attachments').where(sql<string>`payload->>'requestId'`, '=', request.id).execute();
    await makeDue(request.id);
    await runDueJobs(t.db, handlers(), logger);
    expect(await count()).toBe(0);
  });
});
