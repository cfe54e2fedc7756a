import { randomUUID } from 'node:crypto';
import type { ParsedMail } from 'mailparser';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueJob, runDueJobs } from '../../app/models/jobs.server';
import { REQUEST_SEARCH_TEXT } from '../../app/models/requests/staff.server';
import { requestInformation, transitionRequest } from '../../app/models/requests/transitions.server';
import { confirmVerification } from '../../app/models/requests/verification.server';
import { loadRegistry } from '../../app/models/subprocessors/registry.server';
import { createLogger } from '../../app/utils/logger.server';
import { fileRequest, rules } from '../support/requests';
import { startSmtpServer, type TestSmtp } from '../support/smtp';
import { createSessionCookie, createUser, type TestUser } from '../support/users';
import { startTestPortal, type TestPortal } from '../support/portal';

/**
 * Issue 18 item 14, the staff workflow: search by name, part of an address or an identifier
 * (trigram index), staff emails on assignment and on a subject's reply, bulk reassignment,
 * the queue as CSV, failed background jobs for admins, and objection times in the portal's zone.
 * Everything goes through the real server; mail through a real SMTP conversation.
 */

let smtp: TestSmtp;
let portal: TestPortal;
let staffA: TestUser;
let staffB: TestUser;
let admin: TestUser;
let cookieA: string;
let cookieB: string;
let adminCookie: string;
const TZ = 'Europe/Berlin';

beforeAll(async () => {
  smtp = await startSmtpServer();
  portal = await startTestPortal({ SMTP_URL: smtp.url, PORTAL_TIMEZONE: TZ, SUBPROCESSOR_DEMO: 'on' });
  staffA = await createUser(portal.db, { role: 'staff' });
  staffB = await createUser(portal.db, { role: 'staff' });
  admin = await createUser(portal.db, { role: 'admin' });
  cookieA = await createSessionCookie(portal.db, staffA);
  cookieB = await createSessionCookie(portal.db, staffB);
  adminCookie = await createSessionCookie(portal.db, admin);
});
afterAll(async () => {
  await portal?.stop();
  await smtp?.close();
});

const current = (id: string) => portal.db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
async function verified(overrides: Parameters<typeof fileRequest>[1] = {}) {
  const { request, verifyToken } = await fileRequest(portal.db, overrides);
  const result = await confirmVerification(portal.db, verifyToken!, { rules });
  if (result.status !== 'verified') throw new Error(`not confirmed: ${result.status}`);
  return { request: await current(request.id), statusToken: result.statusToken };
}
const get = (path: string, cookie = cookieA) => fetch(portal.url + path, { redirect: 'manual', headers: cookie ? { Cookie: cookie } : {} });
const page = async (path: string, cookie = cookieA) => (await get(path, cookie)).text();
const postForm = (path: string, fields: Record<string, string>, cookie = cookieA) =>
  fetch(portal.url + path, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...(cookie ? { Cookie: cookie } : {}), 'Content-Type': 'application/x-www-form-urlencoded', Origin: portal.url },
    body: new URLSearchParams(fields),
  });
const outboxTo = (email: string) =>
  portal.db.selectFrom('mail_outbox').select(['subject']).where('to_address', '=', email).orderBy('id').execute();
const toOf = (m: ParsedMail) => (Array.isArray(m.to) ? m.to[0]?.text : m.to?.text);
async function smtpMail(to: string, subject: string, timeoutMs = 20_000): Promise<ParsedMail> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const found = smtp.messages.find((m) => toOf(m) === to && m.subject === subject);
    if (found) return found;
    if (Date.now() > end) throw new Error(`no mail "${subject}" to ${to}; got: ${smtp.messages.map((m) => `${toOf(m)}: ${m.subject}`).join(' | ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
/** A word no other request in this database holds, so each test's search sees only its own rows. */
const token = () => `zq${randomUUID().replace(/-/g, '').slice(0, 10)}`;

describe('search', () => {
  it('finds names, parts of addresses, identifiers and other names; whole references; escapes LIKE', async () => {
    const tag = token();
    const anna = (await verified({ name: `Anna Schmidt-${tag}`, email: `anna.${tag}@example.org`, accountIdentifier: `CUST-4711-${tag}` })).request;
    const bob = (await verified({ name: `Bob Jones ${tag}`, aliases: `Robert Jonesy\nbobby.${tag}@oldmail.test` })).request;
    const other = (await verified({ name: `Carol ${tag}`, accountIdentifier: `X50Y-${tag}` })).request;
    const found = async (q: string) => {
      const html = await page(`/staff/requests?${new URLSearchParams({ q, state: 'all' })}`);
      return [anna, bob, other].filter((r) => html.includes(r.reference)).map((r) => r.reference);
    };
    expect(await found(`schmidt-${tag}`)).toEqual([anna.reference]);
    expect(await found(`SCHMIDT-${tag.toUpperCase()}`)).toEqual([anna.reference]);
    // Two words, both parts of what the subject gave, in any order.
    expect(await found(`example.org anna.${tag}`)).toEqual([anna.reference]);
    expect(await found(`4711-${tag}`)).toEqual([anna.reference]);
    // Other names and identifiers the subject listed.
    expect(await found(`robert jonesy ${tag}`)).toEqual([bob.reference]);
    expect(await found(`oldmail.test ${tag}`)).toEqual([bob.reference]);
    expect(await found(tag)).toEqual([anna.reference, bob.reference, other.reference]);
    // A whole reference, typed in any case.
    expect(await found(bob.reference.toLowerCase())).toEqual([bob.reference]);
    // `%` is text, not a wildcard: "50%" is not in X50Y.
    expect(await found(`50% ${tag}`)).toEqual([]);
    expect(await found(`X50Y ${tag}`)).toEqual([other.reference]);
    // Too short to use the index: said so, nothing listed.
    const short = await page('/staff/requests?q=ab');
    expect(short).toContain('Type at least 3 characters');
    // An erased request keeps only its reference: not found by what it held.
    await portal.db.updateTable('requests').set({ personal_data_deleted_at: new Date() }).where('id', '=', other.id).execute();
    expect(await found(`X50Y ${tag}`)).toEqual([]);
  });

  it('answers a search from the trigram index on this backend', async () => {
    const plan = await portal.db.transaction().execute(async (trx) => {
      // A handful of rows makes a sequential scan cheaper; forbidding it shows whether the index can answer at all.
      await sql`set local enable_seqscan = off`.execute(trx);
      const { rows } = await sql<{ 'QUERY PLAN': string }>`explain select r.id from requests r where ${REQUEST_SEARCH_TEXT} ilike ${'%schmidt%'}`.execute(trx);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('requests_search_trgm');
  });
});

describe('staff email on assignment and on a reply', () => {
  it('emails the assignee (not the subject’s details), never the one who assigned themselves, nor one who turned it off', async () => {
    const { request } = await verified({ name: 'Private Person', email: `private.${token()}@example.org` });
    const res = await postForm(`/staff/requests/${request.id}`, { intent: 'assign', assignee: staffB.id });
    expect(res.status).toBe(302);
    const mail = await smtpMail(staffB.email, `${request.reference}: assigned to you`);
    expect(mail.text).toContain(`${staffA.email} assigned this request to you`);
    expect(mail.text).toContain(`/staff/requests/${request.id}`);
    expect(mail.text).not.toContain('Private Person');
    expect(mail.text).not.toContain(request.email);

    // Assigning oneself: no mail.
    const mine = (await verified()).request;
    expect((await postForm(`/staff/requests/${mine.id}`, { intent: 'assign', assignee: staffA.id })).status).toBe(302);
    expect((await outboxTo(staffA.email)).map((m) => m.subject)).not.toContain(`${mine.reference}: assigned to you`);

    // B turns these mails off, then on again.
    expect((await postForm('/staff/notifications', { notify: 'off' }, cookieB)).status).toBe(302);
    expect(await page('/staff/notifications', cookieB)).toContain('They are now <strong>off</strong>');
    const quiet = (await verified()).request;
    expect((await postForm(`/staff/requests/${quiet.id}`, { intent: 'assign', assignee: staffB.id })).status).toBe(302);
    expect((await current(quiet.id)).assigned_to).toBe(staffB.id);
    expect((await outboxTo(staffB.email)).map((m) => m.subject)).not.toContain(`${quiet.reference}: assigned to you`);
    expect((await postForm('/staff/notifications', { notify: 'maybe' }, cookieB)).status).toBe(400);
    expect((await postForm('/staff/notifications', { notify: 'on' }, cookieB)).status).toBe(302);
    const audit = await portal.db.selectFrom('audit_events').select(['details']).where('action', '=', 'staff.notifications_changed').where('actor_id', '=', staffB.id).orderBy('id').execute();
    expect(audit.map((a) => a.details)).toEqual([{ on: false }, { on: true }]);
  });

  it('emails the assignee when the subject replies, and the team when nobody is assigned', async () => {
    const { request, statusToken } = await verified();
    await postForm(`/staff/requests/${request.id}`, { intent: 'assign', assignee: staffB.id });
    await transitionRequest(portal.db, { requestId: request.id, action: 'start', actor: { kind: 'staff', id: staffB.id } }, { rules });
    await requestInformation(portal.db, { requestId: request.id, staffId: staffB.id, question: 'Which account?' }, { rules });
    const form = new FormData();
    form.set('message', 'The one ending in 42');
    const replied = await fetch(`${portal.url}/status/s/${statusToken}/reply`, { method: 'POST', body: form, redirect: 'manual', headers: { Origin: portal.url } });
    expect(replied.status).toBe(302);
    const mail = await smtpMail(staffB.email, `${request.reference}: the subject replied`);
    expect(mail.text).toContain('It is assigned to you.');
    expect(mail.text).not.toContain('The one ending in 42');
    expect((await outboxTo(staffA.email)).map((m) => m.subject)).not.toContain(`${request.reference}: the subject replied`);

    const nobody = await verified();
    await transitionRequest(portal.db, { requestId: nobody.request.id, action: 'start', actor: { kind: 'staff', id: staffA.id } }, { rules });
    await requestInformation(portal.db, { requestId: nobody.request.id, staffId: staffA.id, question: 'Proof?' }, { rules });
    const again = new FormData();
    again.set('message', 'Attached');
    expect((await fetch(`${portal.url}/status/s/${nobody.statusToken}/reply`, { method: 'POST', body: again, redirect: 'manual', headers: { Origin: portal.url } })).status).toBe(302);
    for (const who of [staffA, staffB, admin]) {
      const m = await smtpMail(who.email, `${nobody.request.reference}: the subject replied`);
      expect(m.text).toContain('Nobody is assigned to it yet.');
    }
  });
});

describe('bulk reassignment from the queue', () => {
  const bulk = (fields: Record<string, string>, ids: string[], cookie = cookieA) =>
    postForm('/staff/requests?index', { ...fields, ...Object.fromEntries(ids.map((id) => [`select-${id}`, 'on'])) }, cookie);

  it('assigns every selected request in one go, with events, audit, and one mail listing them', async () => {
    const one = (await verified()).request;
    const two = (await verified()).request;
    const res = await bulk({ intent: 'assign', assignTo: staffB.id }, [one.id, two.id]);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`2 requests assigned to ${staffB.email} (they were emailed the list)`);
    for (const r of [one, two]) {
      expect((await current(r.id)).assigned_to).toBe(staffB.id);
      const events = await portal.db.selectFrom('request_events').select(['kind', 'actor_id', 'note']).where('request_id', '=', r.id).where('kind', '=', 'assigned').execute();
      expect(events).toEqual([{ kind: 'assigned', actor_id: staffA.id, note: `Assigned to ${staffB.email} (bulk, from the queue).` }]);
      const audit = await portal.db.selectFrom('audit_events').select(['actor_id', 'details']).where('action', '=', 'request.assign').where('target_id', '=', r.id).execute();
      expect(audit).toEqual([{ actor_id: staffA.id, details: { assignee: staffB.id, bulk: true } }]);
    }
    const mail = await smtpMail(staffB.email, '2 requests assigned to you');
    expect(mail.text).toContain(one.reference);
    expect(mail.text).toContain(two.reference);

    // Again to the same person: nothing changes, nobody is mailed twice.
    const repeat = await bulk({ intent: 'assign', assignTo: staffB.id }, [one.id]);
    expect(await repeat.text()).toContain(`${one.reference} already was`);
    // Unassigning.
    const none = await bulk({ intent: 'assign', assignTo: 'nobody' }, [one.id, two.id]);
    expect(await none.text()).toContain('2 requests now assigned to nobody');
    expect((await current(one.id)).assigned_to).toBeNull();
  });

  it('refuses with a 400 that keeps the choice: no selection, no such staff member, a subject', async () => {
    const r = (await verified()).request;
    const noneSelected = await bulk({ intent: 'assign', assignTo: staffB.id }, []);
    expect(noneSelected.status).toBe(400);
    const html = await noneSelected.text();
    expect(html).toContain('Select at least one request');
    expect(html).toMatch(new RegExp(`<option value="${staffB.id}" selected`));
    expect((await bulk({ intent: 'assign', assignTo: 'not-a-person' }, [r.id])).status).toBe(400);
    const subject = await createUser(portal.db, { role: 'subject' });
    const refused = await bulk({ intent: 'assign', assignTo: subject.id }, [r.id]);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('Assign the requests to a member of staff');
    expect((await current(r.id)).assigned_to).toBeNull();
    // Signed out: to the sign-in page, nothing assigned.
    expect((await bulk({ intent: 'assign', assignTo: staffB.id }, [r.id], '')).status).toBe(302);
    expect((await current(r.id)).assigned_to).toBeNull();
  });
});

describe('CSV export of the filtered queue', () => {
  it('exports every page of the view, formula-safe, and audits the download without the search text', async () => {
    const tag = token();
    const evil = (await verified({ name: `=HYPERLINK("http://evil.test","x") ${tag}`, accountIdentifier: tag })).request;
    for (let i = 0; i < 51; i++) await verified({ accountIdentifier: `${tag}-${i}` });
    const query = new URLSearchParams({ q: tag, state: 'all' });
    // The queue shows one page of 50 ...
    const html = await page(`/staff/requests?${query}`);
    expect(html).toContain(`/staff/requests/export.csv?state=all&amp;q=${tag}`);
    const res = await get(`/staff/requests/export.csv?${query}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="requests-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const lines = (await res.text()).replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    // ... the CSV has all 52, under the header.
    expect(lines).toHaveLength(53);
    expect(lines[0]).toBe('"reference","type","state","received","due_date","days_left","name","email","assigned_to"');
    const row = lines.find((l) => l.startsWith(`"${evil.reference}"`))!;
    expect(row).toContain(`"'=HYPERLINK(""http://evil.test"",""x"") ${tag}"`);
    expect(row).toContain(`"${evil.email}"`);
    const audit = await portal.db.selectFrom('audit_events').select(['actor_id', 'details']).where('action', '=', 'request.queue_exported').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(audit.actor_id).toBe(staffA.id);
    expect(audit.details).toMatchObject({ state: 'all', search: true, rows: 52, truncated: false });
    expect(JSON.stringify(audit.details)).not.toContain(tag);
    // Signed out: sign in first.
    const out = await get(`/staff/requests/export.csv?${query}`, '');
    expect(out.status).toBe(302);
    expect(out.headers.get('location')).toContain('/login');
  });
});

describe('failed background jobs', () => {
  const logger = createLogger({ level: 'silent' });

  it('links the count on /staff to a page of what failed and why, for admins, with retry', async () => {
    await enqueueJob(portal.db, { kind: 'test.failing', maxAttempts: 1 });
    // The portal's own worker has no handler for this kind: only this run takes it.
    expect(await runDueJobs(portal.db, { 'test.failing': async () => Promise.reject(new Error('disk full on /backups')) }, logger)).toBe(1);
    const failed = await portal.db.selectFrom('jobs').selectAll().where('kind', '=', 'test.failing').executeTakeFirstOrThrow();
    expect(failed.state).toBe('failed');

    const home = await page('/staff', adminCookie);
    expect(home).toMatch(/<a [^>]*href="\/staff\/jobs">Failed background jobs: 1<\/a>/);
    expect(await page('/staff', cookieA)).not.toContain('href="/staff/jobs"');
    expect((await get('/staff/jobs', cookieA)).status).toBe(403);

    const list = await page('/staff/jobs', adminCookie);
    expect(list).toContain('test.failing');
    expect(list).toContain('disk full on /backups');
    expect(list).toMatch(/\d{1,2} \w{3} \d{4}, \d{2}:\d{2} CES?T/); // times in the portal's zone (Europe/Berlin)

    const retry = await postForm('/staff/jobs', { jobId: String(failed.id) }, adminCookie);
    expect(retry.status).toBe(302);
    const again = await portal.db.selectFrom('jobs').selectAll().where('id', '=', failed.id).executeTakeFirstOrThrow();
    expect(again).toMatchObject({ state: 'pending', attempts: 0 });
    const audit = await portal.db.selectFrom('audit_events').select(['actor_id', 'details']).where('action', '=', 'job.retried').where('target_id', '=', String(failed.id)).execute();
    expect(audit).toEqual([{ actor_id: admin.id, details: { kind: 'test.failing' } }]);
    expect(await runDueJobs(portal.db, { 'test.failing': async () => {} }, logger)).toBe(1);
    expect(await page('/staff/jobs', adminCookie)).toContain('No background job has failed.');

    // Retrying what is no longer failed, or nothing at all: a clear 4xx.
    const twice = await postForm('/staff/jobs', { jobId: String(failed.id) }, adminCookie);
    expect(twice.status).toBe(409);
    expect(await twice.text()).toContain('This job is no longer failed');
    expect((await postForm('/staff/jobs', { jobId: 'x' }, adminCookie)).status).toBe(400);
    expect((await postForm('/staff/jobs', { jobId: String(failed.id) }, cookieA)).status).toBe(403);
  });
});

describe('objection times', () => {
  it('are shown in the portal’s time zone, like requests', async () => {
    const change = (await loadRegistry(portal.db)).changes[0]!;
    const objection = await portal.db
      .insertInto('subprocessor_objections')
      .values({ change_id: change.id, organisation: 'Late Night GmbH', email: 'dpo@late.example', reason: 'No.', created_at: new Date('2026-06-30T23:30:00Z') })
      .returning('id')
      .executeTakeFirstOrThrow();
    const one = await page(`/staff/objections/${objection.id}`);
    expect(one).toContain("1 Jul 2026, 01:30 CEST"); // Europe/Berlin in summer
    expect(one).not.toContain('23:30');
    const list = await page('/staff/objections');
    expect(list).toMatch(/Late Night GmbH[\s\S]*1 Jul 2026/);
  });
});
