import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOutboxMail } from '../../app/models/mail.server';
import { confirmVerification } from '../../app/models/requests/verification.server';
import { actOnRequest, listQueue, queueFilterSchema, StaleFormError, requestVersion } from '../../app/models/requests/staff.server';
import { DEMO_ORGANISATION } from '../../app/utils/env.server';
import { fileRequest, rules } from '../support/requests';
import { createSessionCookie, createUser, type TestUser } from '../support/users';
import { startTestPortal, type TestPortal } from '../support/portal';

let portal: TestPortal;
let staff: TestUser;
let staffCookie: string;
beforeAll(async () => {
  portal = await startTestPortal();
  staff = await createUser(portal.db, { role: 'staff' });
  staffCookie = await createSessionCookie(portal.db, staff);
});
afterAll(async () => {
  await portal?.stop();
});

const options = (now?: Date) => ({ rules, organisation: DEMO_ORGANISATION, now });

/** A verified request, received at `receivedAt`. */
async function verifiedRequest(receivedAt: Date, overrides: Parameters<typeof fileRequest>[1] = {}) {
  const { request, verifyToken } = await fileRequest(portal.db, overrides, receivedAt);
  const result = await confirmVerification(portal.db, verifyToken!, { rules, now: receivedAt });
  if (result.status !== 'verified') throw new Error(`not confirmed: ${result.status}`);
  return current(request.id);
}
const current = (id: string) => portal.db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const actor = () => ({ id: staff.id, ip: '127.0.0.1' });
const postForm = (path: string, fields: Record<string, string>, cookie = staffCookie) =>
  fetch(portal.url + path, {
    method: 'POST',
    redirect: 'manual',
    headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', Origin: portal.url },
    body: new URLSearchParams(fields),
  });
/** Every mail to `email`: queued ones opened from the outbox, delivered ones (bodies cleared there) from their .eml files. */
async function mailsTo(email: string) {
  await new Promise((r) => setTimeout(r, 300));
  const queued = await portal.db
    .selectFrom('mail_outbox')
    .select(['subject', 'text_body', 'html_body', 'headers'])
    .where('to_address', '=', email)
    .orderBy('id')
    .execute();
  const texts = queued.filter((m) => m.text_body).map((m) => ({ subject: m.subject, text_body: openOutboxMail(m).text }));
  const dir = path.join(portal.dataDir, 'mail');
  for (const file of fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml')) : []) {
    const parsed = await simpleParser(fs.readFileSync(path.join(dir, file)));
    const to = Array.isArray(parsed.to) ? parsed.to[0]?.text : parsed.to?.text;
    if (to === email) texts.push({ subject: parsed.subject ?? '', text_body: parsed.text ?? '' });
  }
  return texts;
}

describe('the staff request queue', () => {
  it('hides unverified requests and lists the rest by due date, oldest first, a page at a time', async () => {
    const unverified = await fileRequest(portal.db, { name: 'Never Confirmed' });
    const later = await verifiedRequest(new Date('2026-10-20T10:00:00Z'));
    const earlier = await verifiedRequest(new Date('2026-10-01T10:00:00Z'));
    const page = await listQueue(portal.db, queueFilterSchema.parse({}), { staffId: staff.id, timeZone: rules.timeZone });
    const ids = page.rows.map((r) => r.id);
    expect(ids).not.toContain(unverified.request.id);
    expect(ids.indexOf(earlier.id)).toBeLessThan(ids.indexOf(later.id));

    const res = await fetch(`${portal.url}/staff/requests`, { headers: { Cookie: staffCookie } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(earlier.reference);
    expect(html).not.toContain(unverified.request.reference);
    expect(html).toMatch(/Overdue by \d+ days?/);

    const byReference = await (await fetch(`${portal.url}/staff/requests?q=${later.reference}`, { headers: { Cookie: staffCookie } })).text();
    expect(byReference).toContain(later.reference);
    expect(byReference).not.toContain(earlier.reference);
  });

  it('pages with a keyset cursor that neither skips nor repeats', async () => {
    for (let i = 0; i < 55; i++) await verifiedRequest(new Date(Date.UTC(2026, 8, 1 + (i % 28), 9)), { type: 'portability' });
    const filter = queueFilterSchema.parse({ type: 'portability' });
    const first = await listQueue(portal.db, filter, { staffId: staff.id, timeZone: rules.timeZone });
    expect(first.rows).toHaveLength(50);
    const second = await listQueue(portal.db, { ...filter, after: first.next! }, { staffId: staff.id, timeZone: rules.timeZone });
    expect(second.rows).toHaveLength(5);
    const all = [...first.rows, ...second.rows];
    expect(new Set(all.map((r) => r.id)).size).toBe(55);
    const keys = all.map((r) => `${r.dueDate}_${r.id.padStart(12, '0')}`);
    expect([...keys].sort()).toEqual(keys);
  });

  it('sends the signed-out to sign in and refuses subjects on every staff request route', async () => {
    const r = await verifiedRequest(new Date());
    const subject = await createUser(portal.db, { role: 'subject' });
    const subjectCookie = await createSessionCookie(portal.db, subject);
    for (const path of ['/staff/requests', `/staff/requests/${r.id}`]) {
      const out = await fetch(portal.url + path, { redirect: 'manual' });
      expect(out.status, path).toBe(302);
      expect(out.headers.get('location')).toContain('/login?redirectTo=');
      expect((await fetch(portal.url + path, { headers: { Cookie: subjectCookie } })).status, path).toBe(403);
    }
    expect((await postForm(`/staff/requests/${r.id}`, { intent: 'start', version: requestVersion(r) }, subjectCookie)).status).toBe(403);
    expect((await current(r.id)).state).toBe('open');
    expect((await fetch(`${portal.url}/staff/requests/99999999`, { headers: { Cookie: staffCookie } })).status).toBe(404);
    expect((await fetch(`${portal.url}/staff/requests/not-a-number`, { headers: { Cookie: staffCookie } })).status).toBe(404);
  });
});

describe('acting on a request', () => {
  it('starts, asks, resumes, extends and completes over HTTP, each audited and the subject emailed', async () => {
    const r = await verifiedRequest(new Date(), { type: 'rectification', details: 'My surname is misspelt' });
    const page = await (await fetch(`${portal.url}/staff/requests/${r.id}`, { headers: { Cookie: staffCookie } })).text();
    expect(page).toContain('My surname is misspelt');
    expect(page).toContain('Start work');

    let res = await postForm(`/staff/requests/${r.id}`, { intent: 'start', version: requestVersion(r) });
    expect(res.status).toBe(302);
    let now = await current(r.id);
    expect(now.state).toBe('in_progress');

    res = await postForm(`/staff/requests/${r.id}`, { intent: 'request_information', version: requestVersion(now), question: '' });
    expect(res.status).toBe(400);
    res = await postForm(`/staff/requests/${r.id}`, { intent: 'request_information', version: requestVersion(now), question: 'Which account?' });
    expect(res.status).toBe(302);
    now = await current(r.id);
    expect(now.state).toBe('awaiting_subject');
    expect(now.paused_at).not.toBeNull();

    await postForm(`/staff/requests/${r.id}`, { intent: 'resume', version: requestVersion(now) });
    now = await current(r.id);
    expect(now.state).toBe('in_progress');

    res = await postForm(`/staff/requests/${r.id}`, { intent: 'extend', version: requestVersion(now), months: '2', extensionReason: 'Many systems to search' });
    expect(res.status).toBe(302);
    now = await current(r.id);
    expect(now.extension_months).toBe(2);

    res = await postForm(`/staff/requests/${r.id}`, { intent: 'complete', version: requestVersion(now), outcome: 'rectified', answer: 'Corrected in CRM and billing.' });
    expect(res.status).toBe(302);
    now = await current(r.id);
    expect(now.state).toBe('completed');
    expect(now.outcome).toBe('rectified');

    const mails = await mailsTo(r.email);
    const text = mails.map((m) => m.text_body ?? '').join('\n');
    expect(text).toContain('Which account?');
    expect(text).toContain('Many systems to search');
    expect(text).toContain('Corrected in CRM and billing.');
    const audit = await portal.db.selectFrom('audit_events').select('action').where('target_id', '=', r.id).execute();
    const actions = audit.map((a) => a.action);
    for (const a of ['request.view', 'request.start', 'request.request_information', 'request.resume', 'request.extend', 'request.complete']) {
      expect(actions).toContain(a);
    }
  });

  it('refuses a stale form instead of acting twice', async () => {
    const r = await verifiedRequest(new Date());
    const version = requestVersion(r);
    expect((await postForm(`/staff/requests/${r.id}`, { intent: 'start', version })).status).toBe(302);
    const res = await postForm(`/staff/requests/${r.id}`, { intent: 'deny', version, refusalGround: 'unfounded_or_excessive', denialReason: 'Manifestly unfounded' });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('changed since you opened the page');
    expect((await current(r.id)).state).toBe('in_progress');
    await expect(
      actOnRequest(portal.db, { requestId: r.id, action: { intent: 'start', version } }, actor(), options()),
    ).rejects.toBeInstanceOf(StaleFormError);
  });

  it('denies with the Art. 12(4) notice naming the supervisory authority, folding a running pause into the record', async () => {
    const received = new Date('2026-06-01T09:00:00Z');
    let r = await verifiedRequest(received);
    await actOnRequest(portal.db, { requestId: r.id, action: { intent: 'start', version: requestVersion(r) } }, actor(), options(received));
    r = await current(r.id);
    await actOnRequest(
      portal.db,
      { requestId: r.id, action: { intent: 'request_information', version: requestVersion(r), question: 'Proof of identity?' } },
      actor(),
      options(new Date('2026-06-05T09:00:00Z')),
    );
    r = await current(r.id);
    await actOnRequest(
      portal.db,
      { requestId: r.id, action: { intent: 'deny', version: requestVersion(r), refusalGround: 'identity_not_established', denialReason: 'Identity could not be established' } },
      actor(),
      options(new Date('2026-06-15T09:00:00Z')),
    );
    r = await current(r.id);
    expect(r.state).toBe('denied');
    expect(r.paused_at).toBeNull();
    expect(r.paused_days).toBe(10);
    // The due date it is judged against holds the pause: 1 July + 10 days = Saturday 11 July -> Monday 13 July.
    expect(r.due_date).toBe('2026-07-13');
    expect(r.refusal_ground).toBe('identity_not_established');
    const text = (await mailsTo(r.email)).map((m) => m.text_body ?? '').join('\n');
    expect(text).toContain('Identity could not be established');
    expect(text).toContain(DEMO_ORGANISATION.authority.name);
    expect(text).toContain('judicial remedy');
  });

  it('allows the extension while paused past the original date, judging it against the date including the pause', async () => {
    const received = new Date('2026-03-02T09:00:00Z'); // due Thursday 2 April 2026
    let r = await verifiedRequest(received);
    expect(r.due_date).toBe('2026-04-02');
    await actOnRequest(portal.db, { requestId: r.id, action: { intent: 'start', version: requestVersion(r) } }, actor(), options(received));
    r = await current(r.id);
    await actOnRequest(
      portal.db,
      { requestId: r.id, action: { intent: 'request_information', version: requestVersion(r), question: 'Which period?' } },
      actor(),
      options(new Date('2026-03-20T09:00:00Z')),
    );
    r = await current(r.id);
    // 10 April: past 2 April, but 21 days of pause so far put the deadline at 23 April.
    await actOnRequest(
      portal.db,
      { requestId: r.id, action: { intent: 'extend', version: requestVersion(r), months: 1, extensionReason: 'Archive search' } },
      actor(),
      options(new Date('2026-04-10T09:00:00Z')),
    );
    r = await current(r.id);
    expect(r.extension_months).toBe(1);
    await actOnRequest(
      portal.db,
      { requestId: r.id, action: { intent: 'resume', version: requestVersion(r) } },
      actor(),
      options(new Date('2026-04-10T10:00:00Z')),
    );
    r = await current(r.id);
    expect(r.state).toBe('in_progress');
    expect(r.paused_days).toBe(21);
    // Two months from 2 March is 2 May (a Saturday), plus 21 days: 23 May 2026, a Saturday -> Monday 25 May.
    expect(r.due_date).toBe('2026-05-25');
    const text = (await mailsTo(r.email)).map((m) => m.text_body ?? '').join('\n');
    expect(text).toContain('Monday 25 May 2026');
  });

  it('keeps internal notes from the subject and assigns to staff only', async () => {
    const r = await verifiedRequest(new Date());
    await actOnRequest(portal.db, { requestId: r.id, action: { intent: 'note', note: 'Called legal' } }, actor(), options());
    const note = await portal.db.selectFrom('request_events').selectAll().where('request_id', '=', r.id).where('kind', '=', 'note').executeTakeFirstOrThrow();
    expect(note.visible_to_subject).toBe(false);
    const subject = await createUser(portal.db, { role: 'subject' });
    await expect(
      actOnRequest(portal.db, { requestId: r.id, action: { intent: 'assign', assignee: subject.id } }, actor(), options()),
    ).rejects.toThrow('member of staff');
    await actOnRequest(portal.db, { requestId: r.id, action: { intent: 'assign', assignee: staff.id } }, actor(), options());
    expect((await current(r.id)).assigned_to).toBe(staff.id);
    const mine = await listQueue(portal.db, queueFilterSchema.parse({ assignee: 'me' }), { staffId: staff.id, timeZone: rules.timeZone });
    expect(mine.rows.map((x) => x.id)).toContain(r.id);
  });

  it('flags an upheld objection on every later request from the same address', async () => {
    const email = `flagged.${Date.now()}@example.test`;
    let r = await verifiedRequest(new Date(), { type: 'objection', email, details: 'Stop the marketing profile' });
    await actOnRequest(portal.db, { requestId: r.id, action: { intent: 'start', version: requestVersion(r) } }, actor(), options());
    r = await current(r.id);
    await actOnRequest(
      portal.db,
      { requestId: r.id, action: { intent: 'complete', version: requestVersion(r), outcome: 'objection_upheld', answer: 'Profiling stopped.' } },
      actor(),
      options(),
    );
    const later = await verifiedRequest(new Date(), { type: 'access', email: email.toUpperCase() });
    const page = await (await fetch(`${portal.url}/staff/requests/${later.id}`, { headers: { Cookie: staffCookie } })).text();
    expect(page).toContain('Objection upheld (Art. 21)');
    expect(page).toContain(r.reference);
    const unrelated = await verifiedRequest(new Date());
    const other = await (await fetch(`${portal.url}/staff/requests/${unrelated.id}`, { headers: { Cookie: staffCookie } })).text();
    expect(other).not.toContain('Standing decisions');

    // The person's own account shows the decision, once the account has proved the address.
    const owner = await createUser(portal.db, { role: 'subject', email });
    const account = await (await fetch(`${portal.url}/account`, { headers: { Cookie: await createSessionCookie(portal.db, owner) } })).text();
    expect(account).toContain('Your objection was upheld');
    expect(account).toContain(r.reference);
  });

  it('shows no decision to an account that has not proved the address', async () => {
    const email = `flagged-unproven.${Date.now()}@example.test`;
    let r = await verifiedRequest(new Date(), { type: 'restriction', email });
    await actOnRequest(portal.db, { requestId: r.id, action: { intent: 'start', version: requestVersion(r) } }, actor(), options());
    r = await current(r.id);
    await actOnRequest(
      portal.db,
      { requestId: r.id, action: { intent: 'complete', version: requestVersion(r), outcome: 'restricted', answer: 'Restricted.' } },
      actor(),
      options(),
    );
    const claimant = await createUser(portal.db, { role: 'subject', email, emailVerified: false });
    const account = await (await fetch(`${portal.url}/account`, { headers: { Cookie: await createSessionCookie(portal.db, claimant) } })).text();
    expect(account).not.toContain('Decisions in force');
    expect(account).not.toContain(r.reference);
  });
});
