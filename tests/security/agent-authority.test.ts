import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../db/schema';
import { requestVersion } from '../../app/models/requests/staff.server';
import { confirmVerification } from '../../app/models/requests/verification.server';
import { linkIn, waitForMail } from '../support/mailbox';
import { startTestPortal, type TestPortal } from '../support/portal';
import { fileRequest, rules, SAMPLE_FILES } from '../support/requests';
import { createSessionCookie, createUser, signInOverHttp, uniqueEmail, type TestUser } from '../support/users';

/**
 * Issue 24.1: a representative's request reaches the subject's data only once the subject
 * confirmed it (their own link, or signed in) or staff recorded the check of the agent's
 * authority. The attack: an agent files access (or erasure) for someone else's address with any
 * PNG as "authorisation" and confirms only their own address. Before the fix staff completing
 * the access request handed the agent the victim's account, sessions, sign-in history with IP
 * addresses and the victim's other requests; the erasure erased the victim. The real server in
 * production mode, over HTTP.
 */
let portal: TestPortal;
let staff: TestUser;
let staffCookie: string;
let victim: TestUser;
let victimRequestRef: string;
const SECRET = `victim-secret-${Date.now()}`;

beforeAll(async () => {
  portal = await startTestPortal({ NODE_ENV: 'production', LOG_LEVEL: 'silent' });
  staff = await createUser(portal.db, { role: 'staff' });
  staffCookie = await createSessionCookie(portal.db, staff, 'production');
  // The victim: an account with sessions and sign-ins, and a request of their own with free text.
  victim = await createUser(portal.db, { role: 'subject', email: uniqueEmail('victim') });
  await signInOverHttp(portal.url, victim);
  await signInOverHttp(portal.url, victim);
  const own = await fileRequest(portal.db, { type: 'rectification', email: victim.email, name: 'Vic Tim', details: SECRET });
  await confirmVerification(portal.db, own.verifyToken!, { rules });
  victimRequestRef = own.request.reference;
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

/** The agent's side of the attack, over HTTP: the public form with a PNG, then the agent's own link. */
async function agentFiles(type: 'access' | 'erasure', agentEmail: string) {
  const html = await (await fetch(`${portal.url}/requests/new`)).text();
  const submissionId = /name="submissionId" value="([^"]+)"/.exec(html)![1]!;
  const form = new FormData();
  const fields: Record<string, string> = {
    type,
    email: agentEmail,
    name: 'Mallory Agent',
    requesterRole: 'representative',
    subjectName: 'Vic Tim',
    subjectEmail: victim.email,
    agentRelationship: 'lawyer',
    confirm: 'yes',
    website: '',
    submissionId,
  };
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  form.set('authorisation', new Blob([new Uint8Array(SAMPLE_FILES.png)], { type: 'image/png' }), 'anything.png');
  const filed = await fetch(`${portal.url}/requests/new`, { method: 'POST', redirect: 'manual', body: form, headers: { Origin: portal.url } });
  expect(filed.status).toBe(302);
  const request = await portal.db.selectFrom('requests').selectAll().where('email', '=', agentEmail).where('type', '=', type).orderBy('id', 'desc').executeTakeFirstOrThrow();
  const receipt = await waitForMail(portal.dataDir, agentEmail, request.reference);
  const confirmed = await post(linkIn(receipt, '/verify/'), { intent: 'confirm' }, '');
  expect(confirmed.status).toBe(302);
  const statusPath = confirmed.headers.get('location')!;
  expect(statusPath).toMatch(/^\/status\/s\//);
  // Issue 21.3: the subject has an account, so the request needs their account-level confirmation
  // (or staff's check of the authority) before it can even be started.
  const start = await post(`/staff/requests/${request.id}`, { intent: 'start', version: requestVersion(await current(request.id)) });
  expect(start.status).toBe(409);
  expect(await start.text()).toContain('cannot be started');
  return { request: await current(request.id), statusPath };
}

async function startNow(requestId: string) {
  expect((await post(`/staff/requests/${requestId}`, { intent: 'start', version: requestVersion(await current(requestId)) })).status).toBe(302);
}

/** Staff complete an access request as done; the agent downloads the ZIP and reads data.json. */
async function completeAndDownload(requestId: string, statusPath: string) {
  const done = await post(`/staff/requests/${requestId}`, { intent: 'complete', version: requestVersion(await current(requestId)), outcome: 'fulfilled', answer: 'Here it is.' });
  expect(done.status).toBe(302);
  const zip = await fetch(`${portal.url}${statusPath}/package`);
  expect(zip.status).toBe(200);
  const files = unzipSync(new Uint8Array(await zip.arrayBuffer()));
  return { text: strFromU8(files['data.json']!), data: JSON.parse(strFromU8(files['data.json']!)) as Record<string, any> };
}

describe("a representative's request without the subject's confirmation", () => {
  it('cannot be started (issue 21.3), so no package reaches the agent: nothing of the victim', async () => {
    const { request, statusPath } = await agentFiles('access', uniqueEmail('mallory'));
    // Staff see whom the request is about and that the subject has not confirmed.
    const page = await (await fetch(`${portal.url}/staff/requests/${request.id}`, { headers: { Cookie: staffCookie } })).text();
    expect(page).toContain(victim.email);
    expect(page).toContain('Not confirmed, and no authority check recorded');
    // Staff cannot add files about the victim either.
    const upload = new FormData();
    upload.append('files', new Blob(['order_id,amount\n1,2\n']), 'orders.csv');
    const refused = await fetch(`${portal.url}/staff/requests/${request.id}/package`, { method: 'POST', redirect: 'manual', headers: { Cookie: staffCookie, Origin: portal.url }, body: upload });
    expect(refused.status).toBe(409);

    // Issue 21.3 goes further: the request cannot be started, so no package can be built at all.
    expect((await current(String(request.id))).state).toBe('open');
    const done = await post(`/staff/requests/${request.id}`, { intent: 'complete', version: requestVersion(await current(String(request.id))), outcome: 'fulfilled', answer: 'Here it is.' });
    expect(done.status).toBe(409);
    expect(await portal.db.selectFrom('access_packages').select('id').where('request_id', '=', String(request.id)).execute()).toEqual([]);
    void statusPath;
    void SECRET;
    void victimRequestRef;
  });

  it('refuses the erasure with a clear message and erases nobody', async () => {
    const { request } = await agentFiles('erasure', uniqueEmail('mallory'));
    const preview = await (await fetch(`${portal.url}/staff/requests/${request.id}/erase`, { headers: { Cookie: staffCookie } })).text();
    expect(preview).toContain('Not yet: the subject has not confirmed');
    const res = await post(`/staff/requests/${request.id}/erase`, { version: requestVersion(request), answer: 'Erased.' });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('has not confirmed it, and no check of the representative&#x27;s authority is recorded. Nothing was erased.');
    expect(await portal.db.selectFrom('users').select('id').where('id', '=', victim.id).executeTakeFirst()).toBeDefined();
    expect((await current(request.id)).state).toBe('open');
    await expect(signInOverHttp(portal.url, victim)).resolves.toBeTruthy();
  });
});

describe("with the subject's own confirmation, or staff's record of the authority check", () => {
  it('the subject confirms by the link sent to their address (a POST); then the package holds their data', async () => {
    const { request, statusPath } = await agentFiles('access', uniqueEmail('agent'));
    const asked = await waitForMail(portal.dataDir, victim.email, request.reference);
    expect(asked.text).toContain('Mallory Agent made this request on your behalf');
    const link = linkIn(asked, '/verify/');
    // Opening the link changes nothing (mail scanners); the page asks.
    const shown = await (await fetch(`${portal.url}${link}`)).text();
    expect(shown).toContain('Confirm that someone may act for you');
    expect((await current(String(request.id))).subject_confirmed_at).toBeNull();
    const confirmed = await post(link, { intent: 'confirm' }, '');
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('Thank you: you confirmed');
    expect((await current(String(request.id))).subject_confirmed_via).toBe('email');
    expect((await post(link, { intent: 'confirm' }, '')).status).toBe(409);
    // The agent's status page says so, in the request's language.
    expect(await (await fetch(`${portal.url}${statusPath}`)).text()).toContain('The person this request is about confirmed that you act for them.');

    const page = await (await fetch(`${portal.url}/staff/requests/${request.id}`, { headers: { Cookie: staffCookie } })).text();
    expect(page).toContain('Confirmed by the subject');
    // The link proves the address; the account holder's access needs them signed in (issue 21.3).
    expect((await post(`/staff/requests/${request.id}`, { intent: 'start', version: requestVersion(await current(String(request.id))) })).status).toBe(409);
    const cookie = await createSessionCookie(portal.db, { id: victim.id, role: victim.role as Role }, 'production');
    expect(await (await fetch(`${portal.url}/account/requests`, { headers: { Cookie: cookie } })).text()).toContain(request.reference);
    expect((await post('/account/requests', { intent: 'confirm-for-me', requestId: String(request.id) }, cookie)).status).toBe(302);
    expect((await current(String(request.id))).subject_confirmed_via).toBe('account');
    await startNow(String(request.id));
    const { data, text } = await completeAndDownload(String(request.id), statusPath);
    expect(data.account.email).toBe(victim.email);
    expect(data.account.signInHistory.length).toBeGreaterThan(0);
    expect(text).toContain(SECRET);
  });

  it('the subject signed in to their own account confirms from the account page', async () => {
    const { request } = await agentFiles('access', uniqueEmail('agent'));
    const cookie = await createSessionCookie(portal.db, { id: victim.id, role: victim.role as Role }, 'production');
    const list = await (await fetch(`${portal.url}/account/requests`, { headers: { Cookie: cookie } })).text();
    expect(list).toContain(request.reference);
    // Another account cannot confirm it.
    const other = await createUser(portal.db);
    const otherCookie = await createSessionCookie(portal.db, { id: other.id, role: 'subject' }, 'production');
    expect((await post('/account/requests', { intent: 'confirm-for-me', requestId: String(request.id) }, otherCookie)).status).toBe(404);
    expect((await current(String(request.id))).subject_confirmed_at).toBeNull();
    const res = await post('/account/requests', { intent: 'confirm-for-me', requestId: String(request.id) }, cookie);
    expect(res.status).toBe(302);
    expect((await current(String(request.id))).subject_confirmed_via).toBe('account');
  });

  it('staff record the authority check naming the document (audited); then the erasure goes ahead', async () => {
    const target = await createUser(portal.db, { role: 'subject', email: uniqueEmail('target') });
    const saved = victim;
    victim = target;
    try {
      const { request } = await agentFiles('erasure', uniqueEmail('agent'));
      const page = await fetch(`${portal.url}/staff/requests/${request.id}/authority`, { headers: { Cookie: staffCookie } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('anything.png');
      // The document must be named, and the check confirmed.
      const incomplete = await post(`/staff/requests/${request.id}/authority`, { intent: 'attest', version: requestVersion(request), documentKind: 'power_of_attorney', document: '' });
      expect(incomplete.status).toBe(400);
      const attested = await post(`/staff/requests/${request.id}/authority`, {
        intent: 'attest',
        version: requestVersion(request),
        documentKind: 'power_of_attorney',
        document: 'Power of attorney of 3 March 2026 signed by the subject (anything.png)',
        checked: 'yes',
      });
      expect(attested.status).toBe(302);
      const audit = await portal.db.selectFrom('audit_events').select(['actor_id', 'details']).where('action', '=', 'request.authority_attested').where('target_id', '=', String(request.id)).executeTakeFirstOrThrow();
      expect(audit).toMatchObject({ actor_id: staff.id, details: { documentKind: 'power_of_attorney' } });
      const erased = await post(`/staff/requests/${request.id}/erase`, { version: requestVersion(await current(String(request.id))), answer: 'Erased.' });
      expect(erased.status).toBe(302);
      expect(await portal.db.selectFrom('users').select('id').where('id', '=', target.id).executeTakeFirst()).toBeUndefined();
      // The proof record keeps who checked which kind of document, not the description.
      const proof = await current(String(request.id));
      expect(proof).toMatchObject({ authority_checked_by: staff.id, authority_document_kind: 'power_of_attorney', authority_document: null });
    } finally {
      victim = saved;
    }
  });
});
