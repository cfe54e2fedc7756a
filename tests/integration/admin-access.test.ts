import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrPromoteAdmin, setStaffRole } from '../../app/models/accounts/accounts.server';
import { SETUP_LINK_FILE } from '../../app/models/accounts/first-admin.server';
import { verifyPassword } from '../../app/utils/password.server';
import { linkIn, waitForMail } from '../support/mailbox';
import { startTestPortal, type TestPortal } from '../support/portal';
import { createSessionCookie, createUser, sessionCookieFrom, signInOverHttp, uniqueEmail, uniquePassword } from '../support/users';

/**
 * Who becomes staff or administrator, and how, on a running portal (issue 18 item 2, issue 24
 * item 2): the one-time setup link a portal without an administrator gives at start, the
 * administrators' emailed invitations, and the rule that a role goes only to a confirmed address.
 */
let portal: TestPortal;
beforeAll(async () => {
  portal = await startTestPortal();
});
afterAll(async () => {
  await portal?.stop();
});

const post = (pathname: string, fields: Record<string, string>, cookie?: string) =>
  fetch(`${portal.url}${pathname}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(cookie ? { Cookie: cookie } : {}) },
    body: new URLSearchParams(fields),
  });

const userRow = (email: string) => portal.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();

describe('the first administrator on a running portal', () => {
  // First in this file: the portal started with no administrator.
  it('a portal started without an administrator leaves a one-time setup link in a 0600 file (no terminal); it makes one administrator, once', async () => {
    const file = path.join(portal.dataDir, SETUP_LINK_FILE);
    expect(fs.existsSync(file)).toBe(true);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const link = /https?:\/\/\S+(\/setup\/[A-Za-z0-9_-]{43})\b/.exec(fs.readFileSync(file, 'utf8'))?.[1];
    expect(link).toBeDefined();
    // Only the token's hash is stored.
    const token = link!.slice('/setup/'.length);
    expect(JSON.stringify(await portal.db.selectFrom('admin_setup_links').selectAll().execute())).not.toContain(token);

    expect((await fetch(`${portal.url}${link}`)).status).toBe(200);
    // Bad input keeps the address and answers 400, the link still works.
    const email = uniqueEmail('first-admin');
    const weak = await post(link!, { email, password: 'short' });
    expect(weak.status).toBe(400);
    expect(await weak.text()).toContain(email);

    const password = uniquePassword();
    const made = await post(link!, { email, password });
    expect(made.status).toBe(302);
    expect(made.headers.get('location')).toBe('/staff');
    const cookie = sessionCookieFrom(made)!;
    expect((await fetch(`${portal.url}/staff/users`, { headers: { Cookie: cookie } })).status).toBe(200);
    expect(await userRow(email)).toMatchObject({ role: 'admin', email_verified_at: expect.any(Date) });
    expect(fs.existsSync(file)).toBe(false);

    // Spent: the page and a second use answer 410, and nobody else becomes administrator.
    expect((await fetch(`${portal.url}${link}`)).status).toBe(410);
    const again = await post(link!, { email: uniqueEmail('second-admin'), password: uniquePassword() });
    expect(again.status).toBe(410);
    expect(await portal.db.selectFrom('users').select('email').where('role', '=', 'admin').execute()).toEqual([{ email }]);
    expect((await fetch(`${portal.url}/setup/${'A'.repeat(43)}`)).status).toBe(410);
  });
});

describe('an administrator invites staff by email', () => {
  it('the invitee chooses a password and is signed in with the role; the link works once, and a revoked one never', async () => {
    const admin = await createUser(portal.db, { role: 'admin' });
    const cookie = await createSessionCookie(portal.db, admin);
    const invitee = uniqueEmail('invitee');
    const invited = await post('/staff/users', { intent: 'invite', inviteEmail: invitee, role: 'staff' }, cookie);
    expect(invited.status).toBe(302);
    expect(await (await fetch(`${portal.url}/staff/users`, { headers: { Cookie: cookie } })).text()).toContain(invitee);

    const mail = await waitForMail(portal.dataDir, invitee, 'You are invited');
    const link = linkIn(mail, '/invitation/');
    expect((await fetch(`${portal.url}${link}`)).status).toBe(200);
    const accepted = await post(link, { newPassword: uniquePassword() });
    expect(accepted.status).toBe(302);
    expect(accepted.headers.get('location')).toBe('/staff');
    expect((await fetch(`${portal.url}/staff`, { headers: { Cookie: sessionCookieFrom(accepted)! } })).status).toBe(200);
    expect(await userRow(invitee)).toMatchObject({ role: 'staff', email_verified_at: expect.any(Date) });
    expect((await post(link, { newPassword: uniquePassword() })).status).toBe(410);

    // A revoked invitation's link no longer works.
    const other = uniqueEmail('revoked-invitee');
    await post('/staff/users', { intent: 'invite', inviteEmail: other, role: 'admin' }, cookie);
    const otherLink = linkIn(await waitForMail(portal.dataDir, other, 'You are invited'), '/invitation/');
    const open = await portal.db.selectFrom('staff_invitations').select('id').where('email', '=', other).executeTakeFirstOrThrow();
    expect((await post('/staff/users', { intent: 'revoke-invitation', invitationId: open.id }, cookie)).status).toBe(302);
    expect((await fetch(`${portal.url}${otherLink}`)).status).toBe(410);
    expect((await post(otherLink, { newPassword: uniquePassword() })).status).toBe(410);
    expect(await portal.db.selectFrom('users').select('id').where('email', '=', other).execute()).toEqual([]);

    // Invitations are for administrators only.
    const staff = await createUser(portal.db, { role: 'staff' });
    expect(
      (await post('/staff/users', { intent: 'invite', inviteEmail: uniqueEmail('x'), role: 'admin' }, await createSessionCookie(portal.db, staff))).status,
    ).toBe(403);
  });
});

describe('the staff role needs a confirmed address (issue 24, item 2)', () => {
  it('granting staff to an unconfirmed account is refused with a 400 that says why, and /staff/users marks unconfirmed accounts', async () => {
    const admin = await createUser(portal.db, { role: 'admin' });
    const cookie = await createSessionCookie(portal.db, admin);
    const squatter = await createUser(portal.db, { emailVerified: false });
    const refused = await post('/staff/users', { intent: 'grant', email: squatter.email }, cookie);
    expect(refused.status).toBe(400);
    const page = await refused.text();
    expect(page).toContain('has not confirmed its email address');
    expect(page).toContain(squatter.email);
    expect((await userRow(squatter.email)).role).toBe('subject');
    expect(await setStaffRole(portal.db, { actorId: admin.id, email: squatter.email, staff: true, ip: null })).toBe('unconfirmed');

    // A staff account from before this rule, never confirmed, is shown as such.
    const legacy = await createUser(portal.db, { role: 'staff', emailVerified: false });
    const list = (await (await fetch(`${portal.url}/staff/users`, { headers: { Cookie: cookie } })).text()).replaceAll('<!-- -->', '');
    const rowOf = (email: string) => {
      const start = list.indexOf(`<td data-label="Email">${email}</td>`);
      expect(start, email).toBeGreaterThan(-1);
      return list.slice(start, list.indexOf('</tr>', start));
    };
    expect(rowOf(legacy.email)).toContain('Not confirmed');
    const adminRow = rowOf(admin.email);
    expect(adminRow).toContain('Confirmed');
    expect(adminRow).not.toContain('Not confirmed');
  });

  it('create-admin on an unconfirmed account replaces its password with the operator’s and ends every session', async () => {
    const squatter = await createUser(portal.db, { emailVerified: false });
    const squatterCookie = await signInOverHttp(portal.url, squatter);
    expect((await fetch(`${portal.url}/account`, { headers: { Cookie: squatterCookie }, redirect: 'manual' })).status).toBe(200);

    const operatorPassword = uniquePassword();
    await expect(createOrPromoteAdmin(portal.db, { email: squatter.email })).rejects.toThrow(/a password is needed/);
    expect(await createOrPromoteAdmin(portal.db, { email: squatter.email, password: operatorPassword })).toBe('reclaimed');

    const row = await userRow(squatter.email);
    expect(row).toMatchObject({ role: 'admin', email_verified_at: expect.any(Date) });
    expect(await verifyPassword(row.password_hash, operatorPassword)).toBe(true);
    expect(await verifyPassword(row.password_hash, squatter.password)).toBe(false);
    expect(await portal.db.selectFrom('sessions').select('id').where('user_id', '=', row.id).execute()).toEqual([]);
    expect((await fetch(`${portal.url}/account`, { headers: { Cookie: squatterCookie }, redirect: 'manual' })).status).toBe(302);
    const event = await portal.db
      .selectFrom('audit_events')
      .select(['action', 'details'])
      .where('target_id', '=', row.id)
      .where('action', '=', 'role.admin_granted')
      .executeTakeFirstOrThrow();
    expect(event.details).toMatchObject({ via: 'create-admin', passwordReplaced: true, revoked: 1 });
  });
});
