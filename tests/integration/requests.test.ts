import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequest, getRequestById, getRequestForSubject, getSubjectTimeline, listRequestsForUser } from '../../app/models/requests/requests.server';
import { confirmVerification, getVerificationView, resendLink, resolveStatusLink } from '../../app/models/requests/verification.server';
import { IllegalTransitionError } from '../../app/models/requests/lifecycle';
import {
  extendDeadline,
  requestInformation,
  transitionRequest,
  withdrawRequest,
} from '../../app/models/requests/transitions.server';
import {
  expireUnverifiedRequest,
  purgeUnverifiedPersonalData,
} from '../../app/models/requests/requests.server';
import { createTestDb, type TestDb } from '../support/db';
import { createUser } from '../support/users';
import { fileRequest, intakeInput, rules } from '../support/requests';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.destroy();
});

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('intake', () => {
  it('creates an unverified request with a reference, a timeline event, a hashed token and an expiry job', async () => {
    const now = new Date('2026-03-02T10:00:00Z');
    const { request, verifyToken } = await fileRequest(t.db, { details: '<b>verbatim</b>\r\nline two' }, now);
    expect(request.reference).toMatch(/^DSR-2026-\d{6}$/);
    expect(request.state).toBe('unverified');
    expect(request.received_at).toBeNull();
    expect(request.due_date).toBeNull();
    expect(request.details).toBe('<b>verbatim</b>\r\nline two');
    expect(verifyToken).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits
    const tokens = await t.db.selectFrom('request_tokens').selectAll().where('request_id', '=', request.id).execute();
    expect(tokens).toHaveLength(1);
    expect(tokens[0]!.token_hash).toBe(sha256(verifyToken!));
    expect(JSON.stringify(tokens)).not.toContain(verifyToken);
    expect(tokens[0]!.expires_at!.toISOString()).toBe('2026-03-09T10:00:00.000Z');
    const jobs = await t.db.selectFrom('jobs').selectAll().where('dedupe_key', '=', `request.expire:${request.id}`).execute();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.run_at.toISOString()).toBe('2026-03-09T10:00:00.000Z');
    const timeline = await getSubjectTimeline(t.db, request.id);
    expect(timeline.map((e) => e.kind)).toEqual(['submitted']);
  });

  it('numbers references in sequence with the local year', async () => {
    const a = await fileRequest(t.db, {}, new Date('2026-12-31T23:30:00Z')); // still 2026 in London
    const b = await fileRequest(t.db, {}, new Date('2027-01-01T00:30:00Z'));
    expect(a.request.reference.slice(0, 9)).toBe('DSR-2026-');
    expect(b.request.reference.slice(0, 9)).toBe('DSR-2027-');
    expect(Number(b.request.reference.slice(9))).toBe(Number(a.request.reference.slice(9)) + 1);
  });

  it('a retried submission (same form key) creates one request, even when both arrive at once', async () => {
    const input = intakeInput();
    const [first, second] = await Promise.all([
      createRequest(t.db, input, { rules }),
      createRequest(t.db, input, { rules }),
    ]);
    const outcomes = [first.outcome, second.outcome].sort();
    expect(outcomes).toEqual(['created', 'replayed']);
    const third = await createRequest(t.db, input, { rules });
    expect(third.outcome).toBe('replayed');
    const created = first.outcome === 'created' ? first : second;
    if (created.outcome !== 'created') throw new Error('unreachable');
    expect(third).toEqual({ outcome: 'replayed', reference: created.request.reference });
    const rows = await t.db.selectFrom('requests').select('id').where('email_key', '=', input.email.toLowerCase()).execute();
    expect(rows).toHaveLength(1);
  });

  it('links a second active request of the same type for the same email to the first', async () => {
    const first = await fileRequest(t.db, { email: 'Dup@Example.test', type: 'erasure' });
    const again = await createRequest(t.db, intakeInput({ email: 'dup@example.TEST', type: 'erasure' }), { rules });
    expect(again.outcome).toBe('duplicate');
    if (again.outcome !== 'duplicate') throw new Error('unreachable');
    expect(again.request.id).toBe(first.request.id);
    expect(again.verifyToken).toMatch(/^[A-Za-z0-9_-]{43}$/); // still unverified: a fresh verification link
    const timeline = await getSubjectTimeline(t.db, first.request.id);
    expect(timeline.map((e) => e.kind)).toEqual(['submitted', 'duplicate_submission']);
    // A different type is a different request.
    const other = await createRequest(t.db, intakeInput({ email: 'dup@example.test', type: 'access' }), { rules });
    expect(other.outcome).toBe('created');
    // Once verified, a duplicate gets a status link, and the clock does not restart.
    const verified = await confirmVerification(t.db, first.verifyToken!, { rules, now: new Date('2026-03-02T10:00:00Z') });
    expect(verified.status).toBe('verified');
    const later = await createRequest(t.db, intakeInput({ email: 'dup@example.test', type: 'erasure' }), {
      rules,
      now: new Date('2026-03-20T10:00:00Z'),
    });
    expect(later.outcome).toBe('duplicate');
    if (later.outcome !== 'duplicate') throw new Error('unreachable');
    expect(later.statusToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await resolveStatusLink(t.db, later.statusToken!))?.id).toBe(first.request.id);
    const row = await getRequestById(t.db, first.request.id);
    expect(row!.due_date).toBe('2026-04-02');
    // Once closed, the same request again is a new one with its own clock.
    await withdrawRequest(t.db, { requestId: first.request.id }, { rules });
    const fresh = await createRequest(t.db, intakeInput({ email: 'dup@example.test', type: 'erasure' }), { rules });
    expect(fresh.outcome).toBe('created');
  });

  it('a signed-in subject filing with their account email is verified at once and the clock starts', async () => {
    const now = new Date('2026-01-31T12:00:00Z');
    const user = await createUser(t.db);
    const result = await createRequest(t.db, { ...intakeInput({ email: user.email.toUpperCase() }), userId: user.id }, { rules, now });
    expect(result.outcome).toBe('created');
    if (result.outcome !== 'created') throw new Error('unreachable');
    expect(result.verifyToken).toBeUndefined();
    expect(result.request.state).toBe('open');
    expect(result.request.received_at!.toISOString()).toBe(now.toISOString());
    expect(result.request.due_date).toBe('2026-03-02');
    expect((await listRequestsForUser(t.db, user.id)).map((r) => r.id)).toEqual([result.request.id]);
    expect(await getRequestForSubject(t.db, { id: result.request.id, userId: user.id })).toBeDefined();
    expect(await getRequestForSubject(t.db, { id: result.request.id, userId: (await createUser(t.db)).id })).toBeUndefined();
    expect(await getRequestForSubject(t.db, { id: 'not-a-number', userId: user.id })).toBeUndefined();
    const jobs = await t.db.selectFrom('jobs').select('id').where('dedupe_key', '=', `request.expire:${result.request.id}`).execute();
    expect(jobs).toHaveLength(0);
  });
});

describe('verification', () => {
  it('opening the link changes nothing; confirming starts the clock, once', async () => {
    const { request, verifyToken } = await fileRequest(t.db, { name: 'Grace Hopper' }, new Date('2026-03-27T12:00:00Z'));
    const view = await getVerificationView(t.db, verifyToken!, new Date('2026-03-28T12:00:00Z'));
    expect(view).toMatchObject({ status: 'valid', request: { reference: request.reference, name: 'Grace Hopper' } });
    expect((await getRequestById(t.db, request.id))!.state).toBe('unverified');

    const now = new Date('2026-03-31T23:30:00Z'); // 00:30 BST on 1 April
    const [a, b] = await Promise.all([
      confirmVerification(t.db, verifyToken!, { rules, now }),
      confirmVerification(t.db, verifyToken!, { rules, now }),
    ]);
    expect([a.status, b.status].sort()).toEqual(['used', 'verified']);
    const verified = a.status === 'verified' ? a : b;
    if (verified.status !== 'verified') throw new Error('unreachable');
    expect(verified.request.state).toBe('open');
    expect(verified.request.due_date).toBe('2026-05-01');
    expect((await resolveStatusLink(t.db, verified.statusToken))?.id).toBe(request.id);
    expect(await getVerificationView(t.db, verifyToken!, now)).toMatchObject({ status: 'used' });
    const timeline = await getSubjectTimeline(t.db, request.id);
    expect(timeline.map((e) => [e.kind, e.to_state])).toEqual([
      ['submitted', 'unverified'],
      ['verify', 'open'],
    ]);
  });

  it('refuses an expired, unknown or malformed link', async () => {
    const { verifyToken } = await fileRequest(t.db, {}, new Date('2026-03-01T10:00:00Z'));
    const late = new Date('2026-03-08T10:00:01Z');
    expect(await confirmVerification(t.db, verifyToken!, { rules, now: late })).toEqual({ status: 'expired' });
    expect(await getVerificationView(t.db, verifyToken!, late)).toMatchObject({ status: 'expired' });
    expect(await confirmVerification(t.db, 'A'.repeat(43), { rules })).toEqual({ status: 'unknown' });
    expect(await confirmVerification(t.db, "' or 1=1 --", { rules })).toEqual({ status: 'unknown' });
    expect(await resolveStatusLink(t.db, verifyToken!)).toBeUndefined(); // a verify token is not a status token
  });

  it('a new link: verification while unverified, status once verified, nothing once closed', async () => {
    const { request, verifyToken } = await fileRequest(t.db, {}, new Date('2026-03-01T10:00:00Z'));
    const resent = await resendLink(t.db, verifyToken!, { rules, now: new Date('2026-03-05T10:00:00Z') });
    expect(resent.sent).toBe('verify');
    if (resent.sent !== 'verify') throw new Error('unreachable');
    const confirmed = await confirmVerification(t.db, resent.token, { rules, now: new Date('2026-03-05T11:00:00Z') });
    expect(confirmed.status).toBe('verified');
    // The older link died with the first confirmation.
    expect(await confirmVerification(t.db, verifyToken!, { rules })).toEqual({ status: 'used' });
    const status = await resendLink(t.db, verifyToken!, { rules });
    expect(status.sent).toBe('status');
    if (status.sent !== 'status') throw new Error('unreachable');
    expect((await resolveStatusLink(t.db, status.token))?.id).toBe(request.id);
    await withdrawRequest(t.db, { requestId: request.id }, { rules });
    expect(await resendLink(t.db, verifyToken!, { rules })).toEqual({ sent: null });
  });
});

describe('expiry and deletion of unverified requests', () => {
  it('expires after 7 days and deletes the personal data after 30', async () => {
    const created = new Date('2026-02-01T09:00:00Z');
    const { request, verifyToken } = await fileRequest(t.db, { name: 'Purge Me', details: 'secret detail' }, created);
    const expiredAt = new Date('2026-02-08T09:00:00Z');
    expect(await expireUnverifiedRequest(t.db, request.id, { rules, now: expiredAt })).toBe(true);
    expect(await expireUnverifiedRequest(t.db, request.id, { rules, now: expiredAt })).toBe(false);
    expect((await getRequestById(t.db, request.id))!.state).toBe('expired');
    expect(await confirmVerification(t.db, verifyToken!, { rules, now: expiredAt })).toEqual({ status: 'expired' });
    const purge = await t.db.selectFrom('jobs').selectAll().where('dedupe_key', '=', `request.purge-personal-data:${request.id}`).executeTakeFirstOrThrow();
    expect(purge.run_at.toISOString()).toBe('2026-03-03T09:00:00.000Z');

    expect(await purgeUnverifiedPersonalData(t.db, request.id)).toBe(true);
    const row = await getRequestById(t.db, request.id);
    expect(row).toMatchObject({ name: '', email: '', email_key: null, details: null, state: 'expired' });
    expect(row!.personal_data_deleted_at).toBeInstanceOf(Date);
    const dump = JSON.stringify(await t.db.selectFrom('request_events').selectAll().where('request_id', '=', request.id).execute());
    expect(dump).not.toContain('Purge Me');
    expect(await t.db.selectFrom('request_tokens').select('id').where('request_id', '=', request.id).execute()).toEqual([]);
  });

  it('does not expire a verified request', async () => {
    const { request, verifyToken } = await fileRequest(t.db);
    await confirmVerification(t.db, verifyToken!, { rules });
    expect(await expireUnverifiedRequest(t.db, request.id, { rules, now: new Date(Date.now() + 8 * 86_400_000) })).toBe(false);
    expect(await purgeUnverifiedPersonalData(t.db, request.id)).toBe(false);
    expect((await getRequestById(t.db, request.id))!.state).toBe('open');
  });
});

describe('transitions on the database', () => {
  async function openRequest(receivedAt: Date) {
    const { request, verifyToken } = await fileRequest(t.db, {}, receivedAt);
    const confirmed = await confirmVerification(t.db, verifyToken!, { rules, now: receivedAt });
    if (confirmed.status !== 'verified') throw new Error('not verified');
    return confirmed.request;
  }

  it('withdraws an open request once; a second withdrawal is illegal', async () => {
    const request = await openRequest(new Date('2026-03-02T10:00:00Z'));
    const withdrawn = await withdrawRequest(t.db, { requestId: request.id }, { rules });
    expect(withdrawn.state).toBe('withdrawn');
    expect(withdrawn.closed_at).toBeInstanceOf(Date);
    await expect(withdrawRequest(t.db, { requestId: request.id }, { rules })).rejects.toThrow(IllegalTransitionError);
    const purge = await t.db.selectFrom('jobs').select('dedupe_key').where('dedupe_key', '=', `request.purge-attachments:${request.id}`).execute();
    expect(purge).toHaveLength(1);
  });

  it('refuses to withdraw an unverified request and staff actions by the subject', async () => {
    const { request } = await fileRequest(t.db);
    await expect(withdrawRequest(t.db, { requestId: request.id }, { rules })).rejects.toThrow(IllegalTransitionError);
    const open = await openRequest(new Date());
    await expect(
      transitionRequest(t.db, { requestId: open.id, action: 'complete', actor: { kind: 'subject' } }, { rules }),
    ).rejects.toThrow(IllegalTransitionError);
    expect((await getRequestById(t.db, open.id))!.state).toBe('open');
  });

  it('pauses while awaiting the subject and resumes with the days left', async () => {
    const request = await openRequest(new Date('2026-03-02T10:00:00Z'));
    expect(request.due_date).toBe('2026-04-02');
    await transitionRequest(t.db, { requestId: request.id, action: 'start', actor: { kind: 'staff', id: 'staff-1' } }, { rules });
    const waiting = await requestInformation(
      t.db,
      { requestId: request.id, staffId: 'staff-1', question: 'Please send proof of address.' },
      { rules, now: new Date('2026-03-10T15:00:00Z') },
    );
    expect(waiting.state).toBe('awaiting_subject');
    const resumed = await transitionRequest(
      t.db,
      { requestId: request.id, action: 'resume', actor: { kind: 'staff', id: 'staff-1' } },
      { rules, now: new Date('2026-03-20T09:00:00Z') },
    );
    expect(resumed.paused_days).toBe(10);
    expect(resumed.due_date).toBe('2026-04-13');
    const timeline = await getSubjectTimeline(t.db, request.id);
    expect(timeline.at(-2)!.note).toContain('Please send proof of address.');
  });

  it('extends once, with a reason, before the deadline passes', async () => {
    const request = await openRequest(new Date('2026-01-31T10:00:00Z'));
    const options = { rules, now: new Date('2026-02-20T10:00:00Z') };
    const extended = await extendDeadline(t.db, { requestId: request.id, staffId: 's', months: 2, reason: 'Complex' }, options);
    expect(extended).toMatchObject({ due_date: '2026-04-30', extension_months: 2, extension_reason: 'Complex' });
    await expect(
      extendDeadline(t.db, { requestId: request.id, staffId: 's', months: 1, reason: 'Again' }, options),
    ).rejects.toThrow(/already been extended/);
    const late = await openRequest(new Date('2026-01-05T10:00:00Z'));
    await expect(
      extendDeadline(t.db, { requestId: late.id, staffId: 's', months: 1, reason: 'Late' }, { rules, now: new Date('2026-02-06T10:00:00Z') }),
    ).rejects.toThrow(/passed/);
    const timeline = await getSubjectTimeline(t.db, request.id);
    expect(timeline.at(-1)).toMatchObject({ kind: 'extended', note: expect.stringContaining('Reason: Complex') });
  });
});
