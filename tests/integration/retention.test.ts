import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../../app/models/accounts/sessions.server';
import { consumeRateLimit } from '../../app/models/rate-limits.server';
import { emailProofHash, RETENTION_DEFAULTS, runRetention } from '../../app/models/retention.server';
import { storeAttachment } from '../../app/models/requests/attachments.server';
import { verifyAuditChain } from '../../app/models/audit.server';
import { createTestDb, type TestDb } from '../support/db';
import { fileRequest, SAMPLE_FILES } from '../support/requests';
import { createUser } from '../support/users';

const DAY = 86_400_000;
const policy = { ...RETENTION_DEFAULTS };
let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.destroy();
});

const later = (start: Date, days: number) => new Date(start.getTime() + days * DAY);

describe('retention, with the clock moved forward', () => {
  it('deletes expired sign-ins, rate-limit windows and request links only once they are past', async () => {
    const start = new Date();
    const user = await createUser(t.db);
    await createSession(t.db, { id: user.id, role: user.role }, start);
    await consumeRateLimit(t.db, { bucket: 'retention-test', key: 'k', limit: 5, windowSeconds: 3600, now: start });
    const { request } = await fileRequest(t.db, {}, start);
    const tokens = () => t.db.selectFrom('request_tokens').select('id').where('request_id', '=', request.id).execute();
    expect((await tokens()).length).toBeGreaterThan(0);

    const early = await runRetention(t.db, policy, start);
    expect(early).toMatchObject({ expiredSessions: 0, expiredRateLimitWindows: 0, expiredRequestTokens: 0 });

    const counts = await runRetention(t.db, policy, later(start, 60));
    expect(counts.expiredSessions).toBeGreaterThanOrEqual(1);
    expect(counts.expiredRateLimitWindows).toBeGreaterThanOrEqual(1);
    expect(counts.expiredRequestTokens).toBeGreaterThanOrEqual(1);
    expect(await tokens()).toEqual([]);
    expect(await t.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute()).toEqual([]);
  });

  it('deletes subscriptions never confirmed after 7 days, and keeps confirmed ones', async () => {
    const start = new Date();
    await t.db
      .insertInto('subprocessor_subscriptions')
      .values([
        { email: 'unconfirmed@example.test', confirm_token_hash: 'a'.repeat(64), confirm_expires_at: later(start, 1), created_at: start },
        { email: 'confirmed@example.test', confirm_token_hash: null, confirmed_at: start, created_at: start },
      ])
      .execute();
    expect((await runRetention(t.db, policy, later(start, 6))).unconfirmedSubscriptions).toBe(0);
    expect((await runRetention(t.db, policy, later(start, 8))).unconfirmedSubscriptions).toBe(1);
    const left = await t.db.selectFrom('subprocessor_subscriptions').select('email').execute();
    expect(left.map((r) => r.email)).toEqual(['confirmed@example.test']);
  });

  it('anonymises a closed request after 3 years, keeping the proof record', async () => {
    const start = new Date();
    const { request } = await fileRequest(t.db, { details: 'My customer number is 12345', name: 'Grace Hopper' }, start);
    const event = await t.db.selectFrom('request_events').select('id').where('request_id', '=', request.id).executeTakeFirstOrThrow();
    await storeAttachment(t.db, { requestId: request.id, eventId: String(event.id), filename: 'id.pdf', bytes: SAMPLE_FILES.pdf, contentType: 'application/pdf' }, 'k'.repeat(32));
    await t.db.updateTable('requests').set({ state: 'completed', received_at: start, closed_at: start }).where('id', '=', request.id).execute();
    const before = await t.db.selectFrom('requests').selectAll().where('id', '=', request.id).executeTakeFirstOrThrow();

    expect((await runRetention(t.db, policy, later(start, 1094))).anonymisedRequests).toBe(0);
    const counts = await runRetention(t.db, policy, later(start, 1096));
    expect(counts.anonymisedRequests).toBe(1);
    const after = await t.db.selectFrom('requests').selectAll().where('id', '=', request.id).executeTakeFirstOrThrow();
    expect(after).toMatchObject({ email: '', name: '', details: null, account_identifier: null, email_key: null, user_id: null });
    expect(after.email_hash).toBe(emailProofHash(before.email));
    // The proof record: id, reference, type, dates and outcome.
    expect(after).toMatchObject({ id: before.id, reference: before.reference, type: before.type, state: 'completed' });
    expect(after.closed_at).toEqual(before.closed_at);
    expect(after.personal_data_deleted_at).toBeInstanceOf(Date);
    expect(await t.db.selectFrom('request_attachments').select('id').where('request_id', '=', request.id).execute()).toEqual([]);
    const notes = await t.db.selectFrom('request_events').select(['note', 'kind']).where('request_id', '=', request.id).execute();
    expect(notes.filter((n) => n.kind !== 'anonymised').every((n) => n.note === null)).toBe(true);
    expect(JSON.stringify(await t.db.selectFrom('requests').selectAll().where('id', '=', request.id).execute())).not.toContain('Grace Hopper');
    // A second run finds nothing more to do.
    expect((await runRetention(t.db, policy, later(start, 1100))).anonymisedRequests).toBe(0);
  });

  it('deletes sent mail rows after 30 days, never queued ones', async () => {
    const start = new Date();
    await t.db
      .insertInto('mail_outbox')
      .values([
        { to_address: 'old@example.test', subject: 's', text_body: '', html_body: '', headers: '{}', status: 'sent' },
        { to_address: 'waiting@example.test', subject: 's', text_body: 't', html_body: 'h', headers: '{}', status: 'queued' },
      ])
      .execute();
    expect((await runRetention(t.db, policy, later(start, 29))).oldOutboxMail).toBe(0);
    expect((await runRetention(t.db, policy, later(start, 31))).oldOutboxMail).toBe(1);
    const left = await t.db.selectFrom('mail_outbox').select('to_address').execute();
    expect(left.map((r) => r.to_address)).toContain('waiting@example.test');
    expect(left.map((r) => r.to_address)).not.toContain('old@example.test');
  });

  it('applies the outbox period to the mail files written without SMTP (DATA_DIR/mail), by the time in their name', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-mail-retention-'));
    try {
      const start = new Date();
      const stamp = (d: Date) => d.toISOString().replace(/[:.]/g, '-');
      fs.writeFileSync(path.join(dir, `${stamp(start)}-00000001.eml`), 'To: a@example.test\n\nold');
      fs.writeFileSync(path.join(dir, `${stamp(later(start, 20))}-00000002.eml`), 'To: b@example.test\n\nnewer');
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'not mail');
      expect((await runRetention(t.db, policy, later(start, 29), { mailDir: dir })).oldMailFiles).toBe(0);
      expect((await runRetention(t.db, policy, later(start, 31), { mailDir: dir })).oldMailFiles).toBe(1);
      expect(fs.readdirSync(dir).sort()).toEqual([`${stamp(later(start, 20))}-00000002.eml`, 'notes.txt']);
      // Without a mail folder (SMTP configured) there is nothing to do.
      expect((await runRetention(t.db, policy, later(start, 31), { mailDir: path.join(dir, 'absent') })).oldMailFiles).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("deletes an access package's bytes once its days are over, keeping the record that it was delivered", async () => {
    const start = new Date();
    const { request } = await fileRequest(t.db, { type: 'access' }, start);
    await t.db
      .insertInto('access_packages')
      .values({ request_id: request.id, filename: 'p.zip', size: 3, sha256: 'x', iv: Buffer.alloc(12), auth_tag: Buffer.alloc(16), ciphertext: Buffer.from('zip'), expires_at: later(start, 7) })
      .execute();
    const bytes = () => t.db.selectFrom('access_packages').select(['ciphertext', 'deleted_at']).where('request_id', '=', request.id).executeTakeFirstOrThrow();
    expect((await runRetention(t.db, policy, later(start, 6))).lapsedAccessPackages).toBe(0);
    expect((await bytes()).ciphertext).not.toBeNull();
    expect((await runRetention(t.db, policy, later(start, 8))).lapsedAccessPackages).toBe(1);
    expect(await bytes()).toMatchObject({ ciphertext: null });
    expect((await bytes()).deleted_at).not.toBeNull();
  });

  it('records every run in the audit trail with its counts', async () => {
    const runs = await t.db.selectFrom('audit_events').selectAll().where('action', '=', 'retention.run').orderBy('id').execute();
    expect(runs.length).toBeGreaterThanOrEqual(9);
    expect(runs.some((r) => (r.details as Record<string, number>).anonymisedRequests === 1)).toBe(true);
    expect(runs.every((r) => typeof (r.details as Record<string, number>).expiredSessions === 'number')).toBe(true);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });
});
