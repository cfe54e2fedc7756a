import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRequestById } from '../../app/models/requests/requests.server';
import { requestInformation, transitionRequest, withdrawRequest } from '../../app/models/requests/transitions.server';
import { confirmVerification, resolveStatusLink } from '../../app/models/requests/verification.server';
import { STATUS_LINK_DAYS_AFTER_CLOSE } from '../../app/models/requests/tokens.server';
import { openOutboxMail, queueMail } from '../../app/models/mail.server';
import { fileRequest, rules } from '../support/requests';
import { startTestPortal, type TestPortal } from '../support/portal';
import { linkIn, waitForMail } from '../support/mailbox';
import { createSessionCookie, createUser, signInOverHttp, uniqueEmail } from '../support/users';

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
    const events = await portal.db.selectFrom('request_events').select(['actor', 'actor_id']).where('request_id', '=', id).execute();
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

/** A raw request with any method (fetch refuses TRACE and CONNECT); resolves with the status. */
function rawStatus(base: string, method: string, path: string): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, method, path, agent: false });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('connect', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('finding 3: bad input is a 4xx, never a 5xx', () => {
  it.each(['TRACE', 'PROPFIND', 'MKCOL', 'CONNECT', 'OPTIONS'])('%s on a page is refused or answered, never failed', async (method) => {
    for (const path of ['/', '/login', '/subprocessors']) {
      const status = await rawStatus(portal.url, method, path);
      expect(status).toBe(method === 'OPTIONS' ? 204 : 405);
    }
  });

  it.each(['TRACK', 'FOO'])('%s, a method Node’s parser does not know, is a 400 from Node itself', async (method) => {
    expect(await rawStatus(portal.url, method, '/')).toBe(400);
  });

  const bodies: Array<[string, string, string]> = [
    ['text/plain', 'text/plain', 'email=a@example.org'],
    ['JSON', 'application/json', '{"email":"a@example.org"}'],
    ['broken multipart', 'multipart/form-data; boundary=XX', '--XX\r\nContent-Disposition: form-data; name="email"\r\n\r\na@ex'],
    ['multipart without a boundary', 'multipart/form-data', '--XX\r\n\r\n'],
  ];
  it.each(bodies)('the subprocessor forms answer %s with a 4xx', async (_name, type, body) => {
    const change = await portal.db.selectFrom('subprocessor_changes').select('id').executeTakeFirst();
    const paths = ['/subprocessors/subscribe', '/subprocessors/subscribe/confirm', `/subprocessors/changes/${change?.id ?? '1'}`];
    for (const path of paths) {
      const res = await post(path, body, { 'Content-Type': type });
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
    }
  });

  it('a truncated multipart reply is a 400', async () => {
    const { request, verifyToken } = await fileRequest(portal.db);
    const confirm = await post(`/verify/${verifyToken}`, 'intent=confirm');
    const path = confirm.headers.get('location')!;
    await transitionRequest(portal.db, { requestId: request.id, action: 'start', actor: { kind: 'staff', id: 's' } }, { rules });
    await requestInformation(portal.db, { requestId: request.id, staffId: 's', question: 'Proof, please.' }, { rules });
    const truncated = '--B\r\nContent-Disposition: form-data; name="message"\r\n\r\nHere\r\n--B\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 trunc';
    const res = await post(`${path}/reply`, truncated, { 'Content-Type': 'multipart/form-data; boundary=B' });
    expect(res.status).toBe(400);
    expect((await getRequestById(portal.db, request.id))!.state).toBe('awaiting_subject');
  });
});

/** A page's HTML with what legitimately differs between two answers taken out: nonces, the email typed. */
function comparable(html: string, email: string) {
  return html.replaceAll(email, 'EMAIL').replace(/nonce="[^"]*"/g, 'nonce=""').replace(/"version":"[^"]*"/g, '');
}

describe('finding 5: sign-up does not tell who has an account', () => {
  it('answers a new and a registered address identically; the owner is emailed instead', async () => {
    const owner = await createUser(portal.db);
    const fresh = uniqueEmail('fresh');
    const known = await post('/signup', new URLSearchParams({ email: owner.email, password: `another passphrase ${Date.now()}` }).toString());
    const unknown = await post('/signup', new URLSearchParams({ email: fresh, password: `another passphrase ${Date.now()}` }).toString());
    expect(known.status).toBe(unknown.status);
    expect(known.headers.getSetCookie()).toEqual(unknown.headers.getSetCookie());
    expect(comparable(await known.text(), owner.email)).toBe(comparable(await unknown.text(), fresh));
    const notice = await waitForMail(portal.dataDir, owner.email, 'Someone tried to create an account');
    expect(notice.text).toContain('/forgot-password');
    await waitForMail(portal.dataDir, fresh, 'Confirm your email address');
  });
});

describe('finding 7: password reset by email', () => {
  it('answers known and unknown addresses identically and mails only the account', async () => {
    const user = await createUser(portal.db);
    const ghost = uniqueEmail('ghost');
    const known = await post('/forgot-password', `email=${encodeURIComponent(user.email)}`, { 'X-Forwarded-For': '198.51.100.1' });
    const unknown = await post('/forgot-password', `email=${encodeURIComponent(ghost)}`, { 'X-Forwarded-For': '198.51.100.1' });
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    expect(comparable(await known.text(), user.email)).toBe(comparable(await unknown.text(), ghost));
    await waitForMail(portal.dataDir, user.email, 'Reset your password');
    const toGhost = await portal.db.selectFrom('mail_outbox').select('id').where('to_address', '=', ghost).execute();
    expect(toGhost).toHaveLength(0);
  });

  it('resets once with a hashed, short-lived link, ends every session and tells the owner', async () => {
    const user = await createUser(portal.db);
    const before = await signInOverHttp(portal.url, user);
    await post('/forgot-password', `email=${encodeURIComponent(user.email)}`, { 'X-Forwarded-For': '198.51.100.2' });
    const link = linkIn(await waitForMail(portal.dataDir, user.email, 'Reset your password'), '/reset-password/');
    const token = link.split('/').pop()!;
    const rows = await portal.db.selectFrom('password_reset_tokens').selectAll().where('user_id', '=', user.id).execute();
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(rows[0]!.expires_at.getTime() - rows[0]!.created_at.getTime()).toBeLessThanOrEqual(3600_000);

    const page = await fetch(`${portal.url}${link}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await page.text()).toContain('Choose a new password');
    const weak = await post(link, 'newPassword=qwerty123456');
    expect(weak.status).toBe(400);

    const password = `a brand new passphrase ${Date.now()}`;
    const done = await post(link, `newPassword=${encodeURIComponent(password)}`);
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/login?reset=1');
    expect((await fetch(`${portal.url}/account`, { headers: { Cookie: before }, redirect: 'manual' })).status).toBe(302);
    await signInOverHttp(portal.url, { email: user.email, password });
    await expect(signInOverHttp(portal.url, user)).rejects.toThrow();
    expect((await post(link, `newPassword=${encodeURIComponent(`${password} again`)}`)).status).toBe(410);
    expect((await fetch(`${portal.url}${link}`)).status).toBe(410);
    await waitForMail(portal.dataDir, user.email, 'Your password was changed');
  });

  it('expires after an hour', async () => {
    const user = await createUser(portal.db);
    const { requestPasswordReset } = await import('../../app/models/accounts/password-reset.server');
    await requestPasswordReset(portal.db, portal.config, { email: user.email, ip: '198.51.100.3' }, new Date(Date.now() - 61 * 60_000));
    const link = linkIn(await waitForMail(portal.dataDir, user.email, 'Reset your password'), '/reset-password/');
    expect((await fetch(`${portal.url}${link}`)).status).toBe(410);
  });

  it('is rate-limited per address typed and per client, in the database', async () => {
    const email = uniqueEmail('flood');
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await post('/forgot-password', `email=${encodeURIComponent(email)}`, { 'X-Forwarded-For': `198.51.100.${10 + i}` })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    const perClient = [];
    for (let i = 0; i < 11; i++) {
      perClient.push((await post('/forgot-password', `email=${encodeURIComponent(uniqueEmail('c'))}`, { 'X-Forwarded-For': '198.51.100.99' })).status);
    }
    expect(perClient.slice(0, 10).every((s) => s === 200)).toBe(true);
    expect(perClient[10]).toBe(429);
  });

  it('the sign-in page links to it', async () => {
    expect(await (await fetch(`${portal.url}/login`)).text()).toContain('href="/forgot-password"');
  });
});

describe('finding 4: no working link in the database', () => {
  it('queued mail is sealed in the outbox; only delivery opens it', async () => {
    const { request } = await fileRequest(portal.db);
    const row = await portal.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', request.email).executeTakeFirstOrThrow();
    for (const stored of [row.text_body, row.html_body, JSON.stringify(row.headers)]) {
      if (stored === '') continue; // already delivered and cleared
      expect(stored).toContain('pp-sealed-1:');
      expect(stored).not.toContain('/verify/');
    }
    const delivered = await waitForMail(portal.dataDir, request.email, 'Confirm your request');
    expect(delivered.text).toMatch(/\/verify\/[A-Za-z0-9_-]{43}/);
  });

  it('opens a sealed body with the key, and refuses a tampered one', async () => {
    // Read inside the queueing transaction, so the worker cannot have delivered it and cleared the body.
    const link = `${portal.config.publicUrl}/verify/${'x'.repeat(43)}`;
    const row = await portal.db.transaction().execute(async (trx) => {
      const id = await queueMail(trx, { to: uniqueEmail(), subject: 'Confirm your request', text: `Open ${link}`, html: `<a href="${link}">Open</a>` });
      return trx.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    });
    for (const stored of [row.text_body, row.html_body, JSON.stringify(row.headers)]) {
      expect(stored).toContain('pp-sealed-1:');
      expect(stored).not.toContain('/verify/');
    }
    expect(openOutboxMail(row).text).toContain(link);
    expect(openOutboxMail(row).html).toContain(link);
    const flipped = row.text_body.slice(0, -4) + (row.text_body.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(() => openOutboxMail({ ...row, text_body: flipped })).toThrow();
  });

  it(`a status link works while the request is open and ${STATUS_LINK_DAYS_AFTER_CLOSE} days after it closes, then not`, async () => {
    const { verifyToken } = await fileRequest(portal.db);
    const confirmed = await confirmVerification(portal.db, verifyToken!, { rules });
    if (confirmed.status !== 'verified') throw new Error('not verified');
    const token = confirmed.statusToken;
    const far = new Date(Date.now() + 400 * 86_400_000);
    expect(await resolveStatusLink(portal.db, token, far)).toBeDefined();
    const closedAt = new Date();
    await withdrawRequest(portal.db, { requestId: confirmed.request.id }, { rules, now: closedAt });
    const day = 86_400_000;
    expect(await resolveStatusLink(portal.db, token, new Date(closedAt.getTime() + (STATUS_LINK_DAYS_AFTER_CLOSE - 1) * day))).toBeDefined();
    expect(await resolveStatusLink(portal.db, token, new Date(closedAt.getTime() + (STATUS_LINK_DAYS_AFTER_CLOSE + 1) * day))).toBeUndefined();
    await portal.db.updateTable('requests').set({ closed_at: new Date(Date.now() - (STATUS_LINK_DAYS_AFTER_CLOSE + 1) * day) }).where('id', '=', confirmed.request.id).execute();
    const page = await fetch(`${portal.url}/status/s/${token}`);
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('href="/status"');
  });

  it('"lost your link" emails a fresh one, with the same answer whether or not the address has requests', async () => {
    const { request, verifyToken } = await fileRequest(portal.db);
    await confirmVerification(portal.db, verifyToken!, { rules });
    const ghost = uniqueEmail('nobody');
    const known = await post('/status', `email=${encodeURIComponent(request.email)}`, { 'X-Forwarded-For': '198.51.100.50' });
    const unknown = await post('/status', `email=${encodeURIComponent(ghost)}`, { 'X-Forwarded-For': '198.51.100.50' });
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    expect(comparable(await known.text(), request.email)).toBe(comparable(await unknown.text(), ghost));
    const mail = await waitForMail(portal.dataDir, request.email, 'Your request');
    const link = linkIn(mail, '/status/s/');
    expect((await fetch(`${portal.url}${link}`)).status).toBe(200);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post('/status', `email=${encodeURIComponent(request.email)}`, { 'X-Forwarded-For': `198.51.100.${60 + i}` })).status);
    expect(statuses).toEqual([200, 200, 429]);
  });
});
