import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRequestById } from '../../app/models/requests/requests.server';
import { startTestPortal, type TestPortal } from '../support/portal';
import { createSessionCookie, createUser, uniqueEmail } from '../support/users';

/** The findings of the hostile review (issue 9), each as the attack that used to work. */
let portal: TestPortal;
beforeAll(async () => {
  portal = await startTestPortal();
});
afterAll(async () => {
  await portal?.stop();
});

function post(path: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${portal.url}${path}`, {
    method: 'POST',
    body,
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
  });
}

async function fileOverHttp(fields: Record<string, string>, cookie?: string) {
  const html = await (await fetch(`${portal.url}/requests/new`, { headers: cookie ? { Cookie: cookie } : {} })).text();
  const submissionId = /name="submissionId" value="([^"]+)"/.exec(html)![1]!;
  const body = new URLSearchParams({ type: 'access', name: 'Someone', requesterRole: 'self', confirm: 'yes', website: '', submissionId, ...fields });
  return post('/requests/new', body.toString(), cookie ? { Cookie: cookie } : {});
}

async function requestByEmail(email: string) {
  return portal.db.selectFrom('requests').selectAll().where('email_key', '=', email.toLowerCase()).orderBy('id').execute();
}

describe('finding 1: a request belongs to an account only through its confirmed email', () => {
  it('a signed-in user filing with someone else’s address gets an ordinary emailed-link request', async () => {
    const attacker = await createUser(portal.db);
    const cookie = await createSessionCookie(portal.db, attacker);
    const victim = uniqueEmail('victim');
    const res = await fileOverHttp({ email: victim }, cookie);
    expect(res.headers.get('location')).toBe('/requests/sent');
    const [row] = await requestByEmail(victim);
    expect(row).toMatchObject({ state: 'unverified', user_id: null });
    expect((await fetch(`${portal.url}/account/requests/${row!.id}`, { headers: { Cookie: cookie } })).status).toBe(404);
    expect(await (await fetch(`${portal.url}/account/requests`, { headers: { Cookie: cookie } })).text()).not.toContain(row!.reference);
  });

  it('an unconfirmed account’s own address is not yet proof', async () => {
    const user = await createUser(portal.db, { emailVerified: false });
    const res = await fileOverHttp({ email: user.email }, await createSessionCookie(portal.db, user));
    expect(res.headers.get('location')).toBe('/requests/sent');
    expect((await requestByEmail(user.email))[0]).toMatchObject({ state: 'unverified', user_id: null });
  });

  it('a duplicate filed by someone else is not linked to them, nor shown to them', async () => {
    const owner = await createUser(portal.db);
    const ownerCookie = await createSessionCookie(portal.db, owner);
    const first = await fileOverHttp({ email: owner.email.toUpperCase(), type: 'erasure' }, ownerCookie);
    expect(first.headers.get('location')).toMatch(/^\/account\/requests\/\d+$/);
    const id = first.headers.get('location')!.split('/').pop()!;
    expect((await getRequestById(portal.db, id))!.user_id).toBe(owner.id);

    const other = await createUser(portal.db);
    const again = await fileOverHttp({ email: owner.email, type: 'erasure' }, await createSessionCookie(portal.db, other));
    expect(again.headers.get('location')).toBe('/requests/sent');
    expect((await getRequestById(portal.db, id))!.user_id).toBe(owner.id);
    const events = await portal.db.selectFrom('request_events').select('actor').where('request_id', '=', id).execute();
    expect(JSON.stringify(events)).not.toContain(other.id);
  });
});

describe('finding 2: no open redirect after sign-in', () => {
  const hostile = ['/\t/evil.example', '/\n/evil.example', '/\r\nSet-Cookie: x=1', '/%09/evil.example', '/%0d%0a/evil.example', '/\\evil.example', '//evil.example', 'https://evil.example', '/\u0085/x', '/\u20ac'];

  it.each(hostile)('POST /login with redirectTo %j stays on the site and never fails', async (redirectTo) => {
    const user = await createUser(portal.db);
    const res = await post('/login', new URLSearchParams({ email: user.email, password: user.password, redirectTo }).toString());
    expect(res.status).toBe(302);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/[^/\\]/);
    expect(new URL(location, portal.url).origin).toBe(portal.url);
  });

  it('GET /login carries only a safe redirectTo into its form', async () => {
    const res = await fetch(`${portal.url}/login?redirectTo=${encodeURIComponent('/\t/evil.example')}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('name="redirectTo" value="/account"');
  });
});
