import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changePassword, setStaffRole, signIn, signOutEverywhere, signUp } from '../../app/models/accounts/accounts.server';
import { listAuditEvents, recordAudit } from '../../app/models/audit.server';
import { deleteStaleThrottleRows, THROTTLE_LIMITS } from '../../app/models/accounts/login-throttle.server';
import { createSession, deleteExpiredSessions, findActiveSession, SESSION_POLICY } from '../../app/models/accounts/sessions.server';
import { EmailTakenError, getUserById, insertUser } from '../../app/models/accounts/users.server';
import { hash } from '@node-rs/argon2';
import { needsRehash, verifyPassword } from '../../app/utils/password.server';
import { hashSessionToken } from '../../app/utils/session-token.server';
import { createTestDb, type TestDb } from '../support/db';
import { createUser, uniqueEmail, uniquePassword } from '../support/users';

const LINKS = { publicUrl: 'https://privacy.example.org' };
let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.destroy();
});

describe('accounts on a real database', () => {
  it('stores an argon2id hash at the chosen parameters, never the password', async () => {
    const password = uniquePassword();
    const user = await createUser(t.db, { password });
    const row = await getUserById(t.db, user.id);
    expect(row!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(row!.password_hash).not.toContain(password);
    expect(needsRehash(row!.password_hash)).toBe(false);
  });

  it('keeps emails unique whatever their case', async () => {
    const email = uniqueEmail('Mixed');
    await insertUser(t.db, { email, password: uniquePassword() });
    await expect(insertUser(t.db, { email: email.toLowerCase(), password: uniquePassword() })).rejects.toBeInstanceOf(
      EmailTakenError,
    );
  });

  it('rehashes a hash with older parameters at the next successful sign-in', async () => {
    const user = await createUser(t.db);
    const weak = await hash(user.password, { algorithm: 2, memoryCost: 8192, timeCost: 1, parallelism: 1 });
    await t.db.updateTable('users').set({ password_hash: weak }).where('id', '=', user.id).execute();
    expect(needsRehash(weak)).toBe(true);
    const failed = await signIn(t.db, { email: user.email, password: 'wrong password here', ip: null });
    expect(failed.ok).toBe(false);
    expect((await getUserById(t.db, user.id))!.password_hash).toBe(weak);
    const result = await signIn(t.db, { email: user.email, password: user.password, ip: '203.0.113.9' });
    expect(result.ok).toBe(true);
    const stored = (await getUserById(t.db, user.id))!.password_hash;
    expect(stored).toMatch(/m=19456,t=2,p=1/);
    expect(await verifyPassword(stored, user.password)).toBe(true);
    const events = await listAuditEvents(t.db, { actorId: user.id });
    expect(events.map((e) => e.action)).toEqual(
      expect.arrayContaining(['auth.sign_in_failed', 'account.password_rehashed', 'auth.sign_in']),
    );
  });

  it('stores only the SHA-256 of the session token, and a new token at every sign-in', async () => {
    const user = await createUser(t.db);
    const a = await signIn(t.db, { email: user.email, password: user.password, ip: null });
    const b = await signIn(t.db, { email: user.email, password: user.password, ip: null });
    if (!a.ok || !b.ok) throw new Error('sign-in failed');
    expect(a.token).not.toBe(b.token);
    expect(a.token).toMatch(/^pps_[\w-]{43}$/);
    const rows = await t.db.selectFrom('sessions').select('token_hash').where('user_id', '=', user.id).execute();
    expect(rows.map((r) => r.token_hash).sort()).toEqual([hashSessionToken(a.token), hashSessionToken(b.token)].sort());
  });

  it('ends a session after its idle timeout and after its absolute lifetime, sooner for staff', async () => {
    const subject = await createUser(t.db);
    const start = new Date('2030-01-01T09:00:00Z');
    const s1 = await createSession(t.db, subject, start);
    const idle = SESSION_POLICY.subject.idleSeconds * 1000;
    // Activity slides the idle window...
    const nearlyIdle = new Date(start.getTime() + idle - 1000);
    expect(await findActiveSession(t.db, s1.token, nearlyIdle)).not.toBeNull();
    expect(await findActiveSession(t.db, s1.token, new Date(nearlyIdle.getTime() + idle - 1000))).not.toBeNull();
    // ...but never past the absolute lifetime.
    let now = nearlyIdle;
    while (now.getTime() < start.getTime() + SESSION_POLICY.subject.absoluteSeconds * 1000 - idle / 2) {
      now = new Date(now.getTime() + idle / 2);
      expect(await findActiveSession(t.db, s1.token, now)).not.toBeNull();
    }
    const afterAbsolute = new Date(start.getTime() + SESSION_POLICY.subject.absoluteSeconds * 1000 + 1);
    expect(await findActiveSession(t.db, s1.token, afterAbsolute)).toBeNull();

    const s2 = await createSession(t.db, subject, start);
    expect(await findActiveSession(t.db, s2.token, new Date(start.getTime() + idle + 1))).toBeNull();

    expect(SESSION_POLICY.staff.idleSeconds).toBeLessThan(SESSION_POLICY.subject.idleSeconds);
    expect(SESSION_POLICY.staff.absoluteSeconds).toBeLessThan(SESSION_POLICY.subject.absoluteSeconds);
    const staff = await createUser(t.db, { role: 'staff' });
    const s3 = await createSession(t.db, staff, start);
    expect(await findActiveSession(t.db, s3.token, new Date(start.getTime() + SESSION_POLICY.staff.idleSeconds * 1000 + 1))).toBeNull();
  });

  it('housekeeping removes expired sessions and forgotten throttle rows, and nothing else', async () => {
    const user = await createUser(t.db);
    const old = await createSession(t.db, user, new Date('2020-01-01T00:00:00Z'));
    const fresh = await createSession(t.db, user);
    expect(await deleteExpiredSessions(t.db)).toBeGreaterThanOrEqual(1);
    const left = await t.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute();
    expect(left.map((r) => r.id)).toEqual([fresh.sessionId]);
    expect(left.map((r) => r.id)).not.toContain(old.sessionId);

    const hourAgo = new Date(Date.now() - (THROTTLE_LIMITS.forgetAfterSeconds + 60) * 1000);
    await t.db
      .insertInto('login_throttle')
      .values([
        { key: 'ip:stale', failures: 3, last_failure_at: hourAgo },
        { key: 'ip:locked', failures: 200, last_failure_at: hourAgo, blocked_until: new Date(Date.now() + 60_000) },
        { key: 'ip:recent', failures: 3, last_failure_at: new Date() },
      ])
      .execute();
    expect(await deleteStaleThrottleRows(t.db)).toBe(1);
    const keys = await t.db.selectFrom('login_throttle').select('key').where('key', 'in', ['ip:stale', 'ip:locked', 'ip:recent']).execute();
    expect(keys.map((k) => k.key).sort()).toEqual(['ip:locked', 'ip:recent']);
  });

  it('revokes every session on password change and on sign out everywhere', async () => {
    const user = await createUser(t.db);
    const a = await createSession(t.db, user);
    const next = uniquePassword();
    const changed = await changePassword(t.db, { userId: user.id, currentPassword: user.password, newPassword: next, ip: null }, LINKS);
    const told = await t.db.selectFrom('mail_outbox').select('subject').where('to_address', '=', user.email).execute();
    expect(told.map((m) => m.subject)).toContain('Your password was changed');
    expect(changed.ok).toBe(true);
    expect(await findActiveSession(t.db, a.token)).toBeNull();
    if (!changed.ok) return;
    expect(await findActiveSession(t.db, changed.token)).not.toBeNull();
    await signOutEverywhere(t.db, { userId: user.id, ip: null });
    expect(await findActiveSession(t.db, changed.token)).toBeNull();
    const wrong = await changePassword(t.db, { userId: user.id, currentPassword: user.password, newPassword: uniquePassword(), ip: null }, LINKS);
    expect(wrong.ok).toBe(false);
  });

  it('throttles per account: free failures, then delay, then lockout, then the right password fails too', async () => {
    const user = await createUser(t.db);
    const limits = THROTTLE_LIMITS.account;
    for (let i = 0; i < limits.freeFailures; i++) {
      expect((await signIn(t.db, { email: user.email, password: `wrong ${i} password`, ip: null })).ok).toBe(false);
    }
    // Still within the free failures: the right password works and clears the account's count.
    expect((await signIn(t.db, { email: user.email, password: user.password, ip: null })).ok).toBe(true);
    expect(await t.db.selectFrom('login_throttle').selectAll().where('key', '=', `account:${user.email}`).executeTakeFirst()).toBeUndefined();
    for (let i = 0; i <= limits.freeFailures; i++) {
      await signIn(t.db, { email: user.email.toUpperCase(), password: `wrong ${i} password`, ip: null });
    }
    expect((await signIn(t.db, { email: user.email, password: user.password, ip: null })).ok).toBe(false);
    const events = await listAuditEvents(t.db, { actorId: user.id, action: 'auth.sign_in_failed', limit: 1 });
    expect(events[0]!.details).toMatchObject({ reason: 'throttled' });
  });

  it('throttles per client address across accounts, unknown ones included', async () => {
    const ip = '198.51.100.7';
    await t.db
      .insertInto('login_throttle')
      .values({ key: `ip:${ip}`, failures: THROTTLE_LIMITS.ip.lockoutAfter, blocked_until: new Date(Date.now() + 60_000) })
      .execute();
    const user = await createUser(t.db);
    expect((await signIn(t.db, { email: user.email, password: user.password, ip })).ok).toBe(false);
    expect((await signIn(t.db, { email: user.email, password: user.password, ip: '198.51.100.8' })).ok).toBe(true);
  });

  it('records sign-up, sign-in and failures in the audit trail without the password or raw email', async () => {
    const password = uniquePassword();
    const email = uniqueEmail('audited');
    await signUp(t.db, { email, password, ip: '192.0.2.1' }, LINKS);
    const created = { user: await signIn(t.db, { email, password, ip: '192.0.2.1' }).then((r) => (r.ok ? r.user : { id: '' })) };
    await signIn(t.db, { email: uniqueEmail('ghost'), password, ip: '192.0.2.1' });
    const rows = await t.db.selectFrom('audit_events').selectAll().execute();
    const text = JSON.stringify(rows);
    expect(text).not.toContain(password);
    expect(text).not.toContain('ghost-');
    const mine = rows.filter((r) => r.actor_id === created.user.id).map((r) => r.action);
    expect(mine).toEqual(expect.arrayContaining(['account.created', 'auth.sign_in']));
    // Signing up again with the same address changes nothing and tells the owner.
    await signUp(t.db, { email: email.toUpperCase(), password: uniquePassword(), ip: '192.0.2.1' }, LINKS);
    expect((await signIn(t.db, { email, password, ip: '192.0.2.2' })).ok).toBe(true);
    const mails = await t.db.selectFrom('mail_outbox').select('subject').where('to_address', '=', email).execute();
    expect(mails.map((m) => m.subject)).toEqual(['Confirm your email address', 'Someone tried to create an account with your address']);
    await recordAudit(t.db, { actorId: null, action: 'test.event', details: { n: 1 } });
    expect((await listAuditEvents(t.db, { action: 'test.event' }))[0]).toMatchObject({ actor_id: null, details: { n: 1 } });
  });

  it('grants and revokes the staff role, ending the sessions of the user concerned', async () => {
    const admin = await createUser(t.db, { role: 'admin' });
    const user = await createUser(t.db);
    const s = await createSession(t.db, user);
    expect(await setStaffRole(t.db, { actorId: admin.id, email: user.email.toUpperCase(), staff: true, ip: null })).toBe('changed');
    expect((await getUserById(t.db, user.id))!.role).toBe('staff');
    expect(await findActiveSession(t.db, s.token)).toBeNull();
    expect(await setStaffRole(t.db, { actorId: admin.id, email: user.email, staff: true, ip: null })).toBe('unchanged');
    expect(await setStaffRole(t.db, { actorId: admin.id, email: user.email, staff: false, ip: null })).toBe('changed');
    expect(await setStaffRole(t.db, { actorId: admin.id, email: admin.email, staff: false, ip: null })).toBe('is-admin');
    expect(await setStaffRole(t.db, { actorId: admin.id, email: uniqueEmail('none'), staff: true, ip: null })).toBe('not-found');
    const actions = (await listAuditEvents(t.db, { actorId: admin.id })).map((e) => [e.action, e.target_id]);
    expect(actions).toEqual([
      ['role.staff_revoked', user.id],
      ['role.staff_granted', user.id],
    ]);
  });
});
