import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRequestById } from '../../app/models/requests/requests.server';
import { startTestPortal, type TestPortal } from '../support/portal';
import { fileRequest } from '../support/requests';
import { createSessionCookie, createUser } from '../support/users';

let portal: TestPortal;
beforeAll(async () => {
  portal = await startTestPortal();
});
afterAll(async () => {
  await portal?.stop();
});

async function formKey(cookie?: string) {
  const html = await (await fetch(`${portal.url}/requests/new`, { headers: cookie ? { Cookie: cookie } : {} })).text();
  return { html, key: /name="submissionId" value="([^"]+)"/.exec(html)![1]! };
}

function post(path: string, body: string, cookie?: string, extra: Record<string, string> = {}) {
  return fetch(`${portal.url}${path}`, {
    method: 'POST',
    body,
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(cookie ? { Cookie: cookie } : {}), ...extra },
  });
}

const intake = (fields: Record<string, string>) =>
  new URLSearchParams({ type: 'portability', name: 'Signed In', requesterRole: 'self', confirm: 'yes', website: '', ...fields }).toString();

describe('a signed-in subject', () => {
  it('finds their email filled in, is verified at once, and follows the request from the account', async () => {
    const user = await createUser(portal.db);
    const cookie = await createSessionCookie(portal.db, user);
    const { html, key } = await formKey(cookie);
    expect(html).toContain(`value="${user.email}"`);
    const res = await post('/requests/new', intake({ email: user.email, submissionId: key }), cookie);
    expect(res.status).toBe(302);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/account\/requests\/\d+$/);
    const id = location.split('/').pop()!;
    const row = await getRequestById(portal.db, id);
    expect(row).toMatchObject({ state: 'open', user_id: user.id });
    expect(row!.due_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    const list = await (await fetch(`${portal.url}/account/requests`, { headers: { Cookie: cookie } })).text();
    expect(list).toContain(row!.reference);
    const page = await (await fetch(`${portal.url}${location}`, { headers: { Cookie: cookie } })).text();
    expect(page).toContain(row!.reference);
    expect(page).toContain('Withdraw request');

    // Filing the same again links to the first.
    const again = await post('/requests/new', intake({ email: user.email, submissionId: (await formKey(cookie)).key }), cookie);
    expect(again.headers.get('location')).toBe(`${location}?duplicate=1`);

    const withdrawn = await post(location, 'intent=withdraw', cookie);
    expect(withdrawn.status).toBe(302);
    expect((await getRequestById(portal.db, id))!.state).toBe('withdrawn');
  });

  it('cannot see or act on another account’s request, nor one filed without an account', async () => {
    const owner = await createUser(portal.db);
    const other = await createUser(portal.db);
    const ownerCookie = await createSessionCookie(portal.db, owner);
    const otherCookie = await createSessionCookie(portal.db, other);
    const res = await post('/requests/new', intake({ email: owner.email, submissionId: (await formKey(ownerCookie)).key }), ownerCookie);
    const location = res.headers.get('location')!;
    expect((await fetch(`${portal.url}${location}`, { headers: { Cookie: otherCookie } })).status).toBe(404);
    expect((await post(location, 'intent=withdraw', otherCookie)).status).toBe(404);
    const anonymous = await fileRequest(portal.db);
    expect((await fetch(`${portal.url}/account/requests/${anonymous.request.id}`, { headers: { Cookie: otherCookie } })).status).toBe(404);
    const signedOut = await fetch(`${portal.url}${location}`, { redirect: 'manual' });
    expect(signedOut.status).toBe(302);
    expect(signedOut.headers.get('location')).toMatch(/^\/login\?redirectTo=/);
  });

  it('with another email than the account’s, still has to verify it', async () => {
    const user = await createUser(portal.db);
    const cookie = await createSessionCookie(portal.db, user);
    const res = await post('/requests/new', intake({ email: 'someone.else@example.org', submissionId: (await formKey(cookie)).key }), cookie);
    expect(res.headers.get('location')).toBe('/requests/sent');
    const row = await portal.db.selectFrom('requests').selectAll().where('email_key', '=', 'someone.else@example.org').executeTakeFirstOrThrow();
    expect(row.state).toBe('unverified');
  });
});

describe('rate limits', () => {
  it('limits intake per email address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await post(
        '/requests/new',
        intake({ type: 'access', email: 'limited@example.org', submissionId: (await formKey()).key }),
        undefined,
        { 'X-Forwarded-For': `10.9.0.${i + 1}` },
      );
      statuses.push(res.status);
    }
    expect(statuses).toEqual([302, 302, 302, 302, 302, 429]);
  });

  it('limits intake per client address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      const res = await post('/requests/new', intake({ email: `addr${i}@example.org`, submissionId: (await formKey()).key }), undefined, {
        'X-Forwarded-For': '10.8.0.1',
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 20).every((s) => s === 302)).toBe(true);
    expect(statuses[20]).toBe(429);
  });

  it('limits "email me a new link"', async () => {
    const { verifyToken } = await fileRequest(portal.db, {}, new Date('2026-01-01T10:00:00Z'));
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(`/verify/${verifyToken}`, 'intent=resend', undefined, { 'X-Forwarded-For': `10.7.0.${i + 1}` })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});
