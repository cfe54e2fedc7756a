import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestVersion } from '../../app/models/requests/staff.server';
import { confirmVerification } from '../../app/models/requests/verification.server';
import { startTestPortal, type TestPortal } from '../support/portal';
import { fileRequest, rules } from '../support/requests';
import { createSessionCookie, createUser, type TestUser } from '../support/users';

/**
 * Issue 21.3: a request below its identity level cannot be started, whatever is posted. The
 * attack: a request for an account holder's address confirmed only by the email link (someone
 * who reads that mailbox) is started by a crafted staff POST, through the erasure page, or
 * raised by a session that is not the address's own account. The real server in production mode.
 */
let portal: TestPortal;
let staff: TestUser;
let staffCookie: string;
let owner: TestUser;

beforeAll(async () => {
  portal = await startTestPortal({ NODE_ENV: 'production', LOG_LEVEL: 'silent' });
  staff = await createUser(portal.db, { role: 'staff' });
  staffCookie = await createSessionCookie(portal.db, staff, 'production');
});
afterAll(async () => {
  await portal?.stop();
});

const current = (id: string) => portal.db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

function post(path: string, fields: Record<string, string>, cookie = staffCookie) {
  return fetch(portal.url + path, {
    method: 'POST',
    redirect: 'manual',
    headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', Origin: portal.url },
    body: new URLSearchParams(fields),
  });
}

/** An account holder's access request confirmed only by the email link: below `account`. */
async function belowLevel(type: 'access' | 'erasure' = 'access') {
  owner = await createUser(portal.db, { role: 'subject' });
  const { request, verifyToken } = await fileRequest(portal.db, { type, email: owner.email });
  expect((await confirmVerification(portal.db, verifyToken!, { rules })).status).toBe('verified');
  return current(request.id);
}

describe('a request below its identity level cannot be started', () => {
  it('refuses the staff form’s start, with the current version, and leaves the request open', async () => {
    const r = await belowLevel();
    const res = await post(`/staff/requests/${r.id}`, { intent: 'start', version: requestVersion(r) });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('cannot be started');
    expect((await current(r.id)).state).toBe('open');
    expect(await portal.db.selectFrom('audit_events').select('id').where('action', '=', 'request.start').where('target_id', '=', r.id).execute()).toEqual([]);
    // The page says so to staff.
    const page = await (await fetch(`${portal.url}/staff/requests/${r.id}`, { headers: { Cookie: staffCookie } })).text();
    expect(page).toContain('Below its level: the request cannot be started.');
  });

  it('refuses the erasure page, which starts and erases in one step', async () => {
    const r = await belowLevel('erasure');
    const res = await post(`/staff/requests/${r.id}/erase`, { version: requestVersion(r), answer: 'Erased.' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await current(r.id)).toMatchObject({ state: 'open', personal_data_deleted_at: null });
    expect(await portal.db.selectFrom('users').select('id').where('id', '=', owner.id).executeTakeFirst()).toBeDefined();
  });

  it('a crafted confirm-identity POST without the owner’s session does not raise the level', async () => {
    const r = await belowLevel();
    // Signed in as someone else, on the account route: not their request (404).
    const stranger = await createUser(portal.db, { role: 'subject' });
    const strangerCookie = await createSessionCookie(portal.db, stranger, 'production');
    expect((await post(`/account/requests/${r.id}`, { intent: 'confirm-identity' }, strangerCookie)).status).toBe(404);
    expect((await current(r.id)).verification_level).toBe('email');
    // A staff session cannot raise it either: the level belongs to the address's own account.
    expect((await post(`/account/requests/${r.id}`, { intent: 'confirm-identity' })).status).toBe(404);
    expect((await post(`/staff/requests/${r.id}`, { intent: 'start', version: requestVersion(await current(r.id)) })).status).toBe(409);
  });

  it('a manual check needs staff, is audited, and then start goes through', async () => {
    const r = await belowLevel();
    const ownerCookie = await createSessionCookie(portal.db, owner, 'production');
    expect((await post(`/staff/requests/${r.id}/identity`, { version: requestVersion(r), method: 'known_details', note: 'Matched', checked: 'yes' }, ownerCookie)).status).toBe(403);
    const incomplete = await post(`/staff/requests/${r.id}/identity`, { version: requestVersion(r), method: 'known_details', note: 'Matched account details' });
    expect(incomplete.status).toBe(400);
    expect(await incomplete.text()).toContain('Matched account details');
    const done = await post(`/staff/requests/${r.id}/identity`, { version: requestVersion(r), method: 'known_details', note: 'Matched account details', checked: 'yes' });
    expect(done.status).toBe(302);
    const audit = await portal.db.selectFrom('audit_events').select(['actor_id', 'details']).where('action', '=', 'request.identity_checked').where('target_id', '=', r.id).executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ actor_id: staff.id, details: { method: 'known_details' } });
    expect((await post(`/staff/requests/${r.id}`, { intent: 'start', version: requestVersion(await current(r.id)) })).status).toBe(302);
    expect((await current(r.id)).state).toBe('in_progress');
  });
});
