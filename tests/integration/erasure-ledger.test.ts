import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackup, restoreBackup, type RestoreTarget } from '../../app/models/backups/backups.server';
import { eraseSubject } from '../../app/models/requests/erasure.server';
import { ERASURE_SCRUB_JOB, scrubAfterErasure, scrubPayload } from '../../app/models/requests/erasure-scrub.server';
import { ledgerFilePath } from '../../app/models/requests/erasure-ledger.server';
import { emailProofHash } from '../../app/models/requests/proof.server';
import { recordIdentityCheck } from '../../app/models/requests/identity.server';
import { requestVersion } from '../../app/models/requests/staff.server';
import { transitionRequest } from '../../app/models/requests/transitions.server';
import { confirmVerification } from '../../app/models/requests/verification.server';
import { DEMO_ORGANISATION } from '../../app/utils/env.server';
import { createDb, type DB } from '../../db/client';
import { createTestDatabaseUrl, createTestDb, type TestDb } from '../support/db';
import { fileRequest, rules } from '../support/requests';
import { createUser, type TestUser } from '../support/users';

/**
 * Issue 24.6: a backup taken before an erasure still holds the person. The erasure goes into a
 * ledger (the database, and a file beside the backups); a restore of the older backup applies it
 * again, so the person is gone again. A restore of a backup that already holds the erasure applies
 * nothing (and leaves alone a person who came back later); a forged ledger line is refused.
 */
const key = randomBytes(32).toString('base64url');
let t: TestDb;
let work: string;
let staff: TestUser;

beforeAll(async () => {
  t = await createTestDb();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-ledger-test-'));
  staff = await createUser(t.db, { role: 'staff' });
});
afterAll(async () => {
  await t?.destroy();
  fs.rmSync(work, { recursive: true, force: true });
});

async function sourceOf(db: DB) {
  if (t.backend !== 'postgres') return { db, backend: t.backend };
  const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(db);
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${rows[0]!.name}`;
  return { db, backend: t.backend, databaseUrl: url.href };
}

async function freshTarget(): Promise<{ target: RestoreTarget; open: () => DB; drop: () => Promise<void> }> {
  if (t.backend === 'postgres') {
    const database = (await createTestDatabaseUrl())!;
    return { target: { backend: 'postgres', databaseUrl: database.url }, open: () => createDb({ databaseUrl: database.url, poolSize: 2 }).db, drop: database.drop };
  }
  const dataDir = fs.mkdtempSync(path.join(work, 'target-'));
  return { target: { backend: 'pglite', dataDir }, open: () => createDb({ dataDir }).db, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
}

async function restoreAndLook(file: string, ledgerFiles: string[]) {
  const target = await freshTarget();
  try {
    const result = await restoreBackup(file, { key, target: target.target, ledgerFiles });
    const db = target.open();
    try {
      const look = async (email: string) => ({
        accounts: (await db.selectFrom('users').select('id').where(sql`lower(email)`, '=', email).execute()).length,
        requestsWithAddress: (await db.selectFrom('requests').select('id').where('email', '=', email).execute()).length,
        subscriptions: (await db.selectFrom('subprocessor_subscriptions').select('id').where('email', '=', email).execute()).length,
        proofRecords: (await db.selectFrom('requests').select('id').where('email_hash', '=', emailProofHash(email)).execute()).length,
      });
      return { result, look, db, close: () => db.destroy() };
    } catch (error) {
      await db.destroy();
      throw error;
    }
  } finally {
    // The target is dropped by the caller through close(); a failed restore drops it here.
    cleanups.push(target.drop);
  }
}
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const drop of cleanups) await drop().catch(() => {});
});

describe(`the erasure ledger (${process.env.DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  it('a restore of a backup taken before an erasure erases the person again', async () => {
    const email = `ledger.${randomBytes(4).toString('hex')}@example.org`;
    const person = await createUser(t.db, { role: 'subject', email });
    await t.db.insertInto('subprocessor_subscriptions').values({ email, confirm_token_hash: null, confirmed_at: new Date() }).execute();
    const { request, verifyToken } = await fileRequest(t.db, { type: 'erasure', email, name: 'Lee Dger', details: 'Erase me' });
    await confirmVerification(t.db, verifyToken!, { rules });
    // An account holder's erasure confirmed only by the link is below its level (issue 21.3): staff check identity first.
    const verified = await t.db.selectFrom('requests').selectAll().where('id', '=', request.id).executeTakeFirstOrThrow();
    await recordIdentityCheck(t.db, { requestId: request.id, version: requestVersion(verified), method: 'known_details', note: 'Matched the account details', documentIds: [] }, { id: staff.id, ip: null });
    await transitionRequest(t.db, { requestId: request.id, action: 'start', actor: { kind: 'staff', id: staff.id } }, { rules });

    // The backup, taken while the person is still there.
    const before = await createBackup(await sourceOf(t.db), { outDir: path.join(work, 'out'), key, keep: 14 });

    const started = await t.db.selectFrom('requests').selectAll().where('id', '=', request.id).executeTakeFirstOrThrow();
    await eraseSubject(t.db, { requestId: request.id, version: requestVersion(started), answer: 'Erased.' }, { id: staff.id, ip: null }, { rules, organisation: DEMO_ORGANISATION });
    expect(await t.db.selectFrom('users').select('id').where('id', '=', person.id).executeTakeFirst()).toBeUndefined();
    // The scrub job (no worker here: its mail is taken as delivered) writes the ledger file beside the backups.
    await t.db.updateTable('mail_outbox').set({ status: 'sent', text_body: '', html_body: '' }).where('status', '=', 'queued').execute();
    const job = await t.db.selectFrom('jobs').select('payload').where('kind', '=', ERASURE_SCRUB_JOB).where('dedupe_key', '=', `${ERASURE_SCRUB_JOB}:${request.id}`).executeTakeFirstOrThrow();
    const ledgerFile = ledgerFilePath(path.join(work, 'out'));
    await scrubAfterErasure(t.db, scrubPayload(job.payload), { mailDir: path.join(work, 'mail'), ledgerFile, ledgerKey: key });
    const lines = fs.readFileSync(ledgerFile, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(emailProofHash(email));
    expect(lines[0]).not.toContain(email);
    // A second run of the job adds nothing.
    await scrubAfterErasure(t.db, scrubPayload(job.payload), { mailDir: path.join(work, 'mail'), ledgerFile, ledgerKey: key });
    expect(fs.readFileSync(ledgerFile, 'utf8').trim().split('\n')).toHaveLength(1);

    // Without the ledger the old backup brings the person back: that is what the ledger is for.
    const plain = await restoreAndLook(before.file, []);
    expect(await plain.look(email)).toMatchObject({ accounts: 1, requestsWithAddress: 1, subscriptions: 1 });
    await plain.close();

    // With it, the person is gone again, and the erasure request is completed as it was.
    const replayed = await restoreAndLook(before.file, [ledgerFile]);
    expect(replayed.result.erasures).toEqual({ replayed: [request.reference], refused: [] });
    expect(await replayed.look(email)).toEqual({ accounts: 0, requestsWithAddress: 0, subscriptions: 0, proofRecords: 1 });
    const restoredRequest = await replayed.db.selectFrom('requests').selectAll().where('reference', '=', request.reference).executeTakeFirstOrThrow();
    expect(restoredRequest).toMatchObject({ state: 'completed', outcome: 'fulfilled', name: '', details: null });
    expect(await replayed.db.selectFrom('audit_events').select('id').where('action', '=', 'erasure.replayed').execute()).toHaveLength(1);
    expect(await replayed.db.selectFrom('erasure_ledger').select('replayed_at').where('reference', '=', request.reference).executeTakeFirstOrThrow()).toMatchObject({
      replayed_at: expect.any(Date),
    });
    await replayed.close();

    // A backup taken after the erasure already holds it: nothing is applied, and a person who
    // signed up again with the same address afterwards is left alone.
    await createUser(t.db, { role: 'subject', email });
    const after = await createBackup(await sourceOf(t.db), { outDir: path.join(work, 'out'), key, keep: 14 });
    const later = await restoreAndLook(after.file, [ledgerFile]);
    expect(later.result.erasures.replayed).toEqual([]);
    expect((await later.look(email)).accounts).toBe(1);
    await later.close();

    // A forged or altered line is refused and applies nothing.
    const forged = path.join(work, 'forged.jsonl');
    fs.writeFileSync(forged, `${lines[0]!.replace(/"accountDeleted":true/, '"accountDeleted":false')}\nnot json\n`);
    const refused = await restoreAndLook(before.file, [forged]);
    expect(refused.result.erasures.replayed).toEqual([]);
    expect(refused.result.erasures.refused.map((r) => [r.line, r.reason])).toEqual([
      [1, 'HMAC does not match (altered, or written under another BACKUP_KEY)'],
      [2, 'not JSON'],
    ]);
    expect((await refused.look(email)).accounts).toBe(1);
    await refused.close();
  }, 120_000);
});
