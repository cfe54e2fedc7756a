import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, createSessionCookie } from '../support/users';
import { startTestPortal, type TestPortal } from '../support/portal';

let portal: TestPortal;
beforeAll(async () => {
  portal = await startTestPortal();
});
afterAll(async () => {
  await portal?.stop();
});

describe('the staff console home', () => {
  it('sends the signed-out to sign in and refuses subjects', async () => {
    const out = await fetch(`${portal.url}/staff`, { redirect: 'manual' });
    expect(out.status).toBe(302);
    expect(out.headers.get('location')).toBe('/login?redirectTo=%2Fstaff');
    const subject = await createUser(portal.db, { role: 'subject' });
    const res = await fetch(`${portal.url}/staff`, { headers: { Cookie: await createSessionCookie(portal.db, subject) } });
    expect(res.status).toBe(403);
  });

  it('links staff to their tools, and administrators to staff accounts too', async () => {
    const staff = await createUser(portal.db, { role: 'staff' });
    const staffPage = await (await fetch(`${portal.url}/staff`, { headers: { Cookie: await createSessionCookie(portal.db, staff) } })).text();
    expect(staffPage).toContain('href="/staff/subprocessors"');
    expect(staffPage).toContain('href="/staff/objections"');
    expect(staffPage).not.toContain('href="/staff/users"');
    const admin = await createUser(portal.db, { role: 'admin' });
    const adminPage = await (await fetch(`${portal.url}/staff`, { headers: { Cookie: await createSessionCookie(portal.db, admin) } })).text();
    expect(adminPage).toContain('href="/staff/users"');
  });
});
