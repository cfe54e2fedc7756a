import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toLocalInput } from '../../app/models/breaches/rules';
import { decryptAttachment } from '../../app/models/requests/attachments.server';
import { addMonthsClamped, computeDueDate, localDate, nextWorkingDay } from '../../app/models/requests/deadlines';
import { formatDeadline } from '../../app/utils/i18n';
import { requestVersion } from '../../app/models/requests/staff.server';
import { seedInboxItem } from '../support/inbox';
import { startTestPortal, type TestPortal } from '../support/portal';
import { startSmtpServer, type TestSmtp } from '../support/smtp';
import { createSessionCookie, createUser, uniqueEmail } from '../support/users';

/**
 * Issue 21 part 1 through the real server (PGlite, or PostgreSQL with DATABASE_URL) and real
 * SMTP: staff log a request received by letter, phone or email at /staff/requests/new; the
 * clock runs from the receipt given; an odd receipt needs a reason and is audited; duplicates
 * are found as on the form; a subject by post gets printable letters in their language (the
 * German one checked by the Nu HTML checker); the original is stored encrypted.
 */
const run = promisify(execFile);
const VNU = path.join('node_modules', 'vnu-jar', 'build', 'dist', 'vnu.jar');
const TZ = 'Europe/Berlin';
const ORG = {
  ORG_NAME: 'Beispiel Datenwerk GmbH',
  ORG_ADDRESS: 'Musterweg 5, 80331 München, Deutschland',
  ORG_PRIVACY_EMAIL: 'datenschutz@datenwerk.example',
  ORG_DPO_NAME: 'Dr. Petra Prüf',
  ORG_DPO_EMAIL: 'dsb@datenwerk.example',
  AUTHORITY_NAME: 'Bayerisches Landesamt für Datenschutzaufsicht',
  AUTHORITY_ADDRESS: 'Promenade 18, 91522 Ansbach',
  AUTHORITY_URL: 'https://www.lda.bayern.de/',
};
const DAY = 86_400_000;

let portal: TestPortal;
let smtp: TestSmtp;
let staffCookie = '';
let subjectCookie = '';

beforeAll(async () => {
  smtp = await startSmtpServer();
  portal = await startTestPortal({ SMTP_URL: smtp.url, PORTAL_TIMEZONE: TZ, ...ORG });
  staffCookie = await createSessionCookie(portal.db, await createUser(portal.db, { role: 'staff' }));
  subjectCookie = await createSessionCookie(portal.db, await createUser(portal.db, { role: 'subject' }));
}, 60_000);
afterAll(async () => {
  await portal?.stop();
  await smtp?.close();
});

const get = (p: string, cookie = staffCookie) => fetch(`${portal.url}${p}`, { redirect: 'manual', headers: { Cookie: cookie } });

/** The form as a browser sends it: multipart, with the original as a file when given. */
function logRequest(fields: Record<string, string>, file?: { name: string; bytes: Buffer; type?: string }, cookie = staffCookie) {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  if (file) body.append('original', new Blob([new Uint8Array(file.bytes)], { type: file.type ?? 'application/octet-stream' }), file.name);
  return fetch(`${portal.url}/staff/requests/new`, { method: 'POST', redirect: 'manual', headers: { Cookie: cookie, Origin: portal.url }, body });
}

const ago = (days: number) => toLocalInput(new Date(Date.now() - days * DAY), TZ);
const idFrom = (res: Response) => /\/staff\/requests\/(\d+)\?done=(\w+)/.exec(res.headers.get('location') ?? '')!;
const request = (id: string) => portal.db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const audits = (action: string, targetId: string) =>
  portal.db.selectFrom('audit_events').selectAll().where('action', '=', action).where('target_id', '=', targetId).execute();

const POSTAL = { channel: 'letter', name: 'Erika Mustermann', postalAddress: 'Erika Mustermann\nHauptstraße 1\n10115 Berlin', lang: 'de', type_access: 'yes' };

describe('logging a request received elsewhere', () => {
  it('refuses anyone who is not staff', async () => {
    const anonymous = await get('/staff/requests/new', '');
    expect([302, 303]).toContain(anonymous.status);
    const subject = await get('/staff/requests/new', subjectCookie);
    expect([302, 303, 403, 404]).toContain(subject.status);
    const post = await logRequest({ ...POSTAL, receivedAt: ago(0), note: 'x' }, undefined, subjectCookie);
    expect(post.status).not.toBe(303);
    expect(await portal.db.selectFrom('requests').select('id').where('name', '=', POSTAL.name).execute()).toHaveLength(0);
  });

  it('prefills the form from the inbox contract and carries the inbox item through to the audit', async () => {
    const page = await (await get('/staff/requests/new?channel=email&received_at=2026-03-02T09:30:00Z&email=inbox%40example.org&name=Ina%20Box&note=Please%20erase&inbox=42')).text();
    expect(page).toContain('value="inbox@example.org"');
    expect(page).toContain('value="Ina Box"');
    expect(page).toContain('Please erase');
    expect(page).toContain('value="2026-03-02T10:30"'); // 09:30 UTC is 10:30 in Berlin
    expect(page).toMatch(/<input type="hidden" name="inbox" value="42"\/?>/);
    expect(page).toMatch(/value="email"[^>]*checked|checked[^>]*value="email"/);
    const res = await logRequest({ channel: 'email', receivedAt: ago(0), email: uniqueEmail('inbox'), name: 'Ina Box', note: 'Please erase', type_erasure: 'yes', inbox: '42', lang: 'en' });
    expect(res.status).toBe(302);
    const [, id] = idFrom(res);
    expect((await audits('request.logged', id!))[0]!.details).toMatchObject({ channel: 'email', inboxItemId: '42', byPost: false });
  });

  it('an email from the privacy mailbox becomes a request dated at its Date, with its .eml attached, and is taken once', async () => {
    const itemId = await seedInboxItem(portal.db, portal.config.secrets.exportKey, 'Please erase everything you hold about me.');
    const item = await portal.db.selectFrom('inbox_items').selectAll().where('id', '=', itemId).executeTakeFirstOrThrow();
    const sentAt = new Date(item.sent_at ?? item.received_at);
    const convert = await fetch(`${portal.url}/staff/inbox/${itemId}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: staffCookie, Origin: portal.url, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ intent: 'convert' }),
    });
    expect(convert.status).toBe(302);
    const prefill = convert.headers.get('location')!;
    expect(new URL(prefill, portal.url).searchParams.get('inbox')).toBe(itemId);
    const form = await (await get(prefill)).text();
    const receivedAt = /name="receivedAt"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="receivedAt"/.exec(form)!.slice(1).find(Boolean)!;
    const fields = { channel: 'email', receivedAt, email: 'seed@sender.test', name: 'Seed Sender', note: 'From the privacy mailbox.', type_erasure: 'yes', inbox: itemId, lang: 'en', receiptReason: 'The email arrived on the date shown.' };
    const res = await logRequest(fields);
    expect(res.status).toBe(302);
    const [, id] = idFrom(res);
    const made = await request(id!);
    // The clock runs from the message's Date (to the minute the form shows).
    expect(Math.abs(new Date(made.received_at!).getTime() - sentAt.getTime())).toBeLessThan(60_000);
    const attachments = await portal.db.selectFrom('request_attachments').select(['filename', 'content_type']).where('request_id', '=', id!).execute();
    expect(attachments).toContainEqual({ filename: 'message.eml', content_type: 'message/rfc822' });
    expect((await portal.db.selectFrom('inbox_items').select(['state', 'request_id']).where('id', '=', itemId).executeTakeFirstOrThrow())).toEqual({ state: 'converted', request_id: made.id });
    // The same item again: refused, and nothing more is made.
    const again = await logRequest({ ...fields, email: 'seed2@sender.test' });
    expect(again.status).toBe(400);
    expect(await portal.db.selectFrom('requests').select('id').where('email', '=', 'seed2@sender.test').execute()).toHaveLength(0);
  });

  it('a phone request with an email: open at once, due a month from receipt, the subject mailed the status link', async () => {
    const email = uniqueEmail('phone');
    const res = await logRequest({ channel: 'phone', receivedAt: ago(1), email, name: 'Paul Phone', lang: 'fr', type_access: 'yes', type_portability: 'yes', note: 'Called: wants a copy of his data.' });
    expect(res.status).toBe(302);
    const rows = await portal.db.selectFrom('requests').selectAll().where('email', '=', email).orderBy('id').execute();
    expect(rows.map((r) => r.type)).toEqual(['access', 'portability']);
    for (const r of rows) {
      expect(r).toMatchObject({ state: 'open', channel: 'phone', details: 'Called: wants a copy of his data.', lang: 'fr', postal_address: null });
      expect(r.due_date).toBe(computeDueDate({ receivedAt: r.received_at! }, { timeZone: TZ, holidays: [] }));
    }
    const deadline = Date.now() + 30_000;
    while (smtp.messages.filter((m) => m.text?.includes(rows[0]!.reference) || m.text?.includes(rows[1]!.reference)).length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    const mails = smtp.messages.filter((m) => m.to && 'text' in m.to && m.to.text === email);
    expect(mails).toHaveLength(2);
    expect(mails[0]!.text).toMatch(/\/status\/s\/[A-Za-z0-9_-]{20,}/);
    expect(mails[0]!.text).toContain('par téléphone');
    expect(mails[0]!.text).toContain(formatDeadline('fr', rows[0]!.due_date!));
  });

  it('a letter received 10 days ago: the reason rule, the audit, and a due date counted from that day', async () => {
    const receivedAt = ago(10);
    const refused = await logRequest({ ...POSTAL, receivedAt, note: 'Letter asking for a copy of all data.' });
    expect(refused.status).toBe(400);
    const page = await refused.text();
    expect(page).toContain('needs a reason');
    expect(page).toContain('Hauptstraße 1'); // what was typed is kept
    expect(page).toContain('Letter asking for a copy of all data.');
    const res = await logRequest({ ...POSTAL, receivedAt, receiptReason: 'Letter lay in the post room over the holidays.', note: 'Letter asking for a copy of all data.' });
    expect(res.status).toBe(302);
    const [, id, done] = idFrom(res);
    expect(done).toBe('logged');
    const r = await request(id!);
    const receivedDay = localDate(new Date(Date.now() - 10 * DAY), TZ);
    expect(localDate(r.received_at!, TZ)).toBe(receivedDay);
    // Counted by hand: one month from the day of receipt, then the next working day.
    expect(r.due_date).toBe(nextWorkingDay(addMonthsClamped(receivedDay, 1), []));
    expect(r).toMatchObject({ email: '', email_key: null, state: 'open', channel: 'letter', receipt_reason: 'Letter lay in the post room over the holidays.' });
    const dated = await audits('request.receipt_dated', id!);
    expect(dated).toHaveLength(1);
    expect(dated[0]!.details).toMatchObject({ reason: 'Letter lay in the post room over the holidays.' });
    // A receipt in the future needs a reason too; one of yesterday does not.
    const future = await logRequest({ ...POSTAL, name: 'Fritz Future', receivedAt: toLocalInput(new Date(Date.now() + 2 * DAY), TZ), note: 'x' });
    expect(future.status).toBe(400);
    expect(await future.text()).toContain('needs a reason');
    expect(await audits('request.receipt_dated', idFrom(await logRequest({ ...POSTAL, name: 'Yve Yesterday', receivedAt: ago(1), note: 'x' }))[1]!)).toHaveLength(0);
  });

  it('refuses a request with neither email nor postal address, no right, or no words', async () => {
    const res = await logRequest({ channel: 'phone', receivedAt: ago(0), name: 'No Where' });
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toContain('Give an email address or a postal address.');
    expect(page).toContain('Choose the right or rights asked for.');
    expect(page).toContain('Attach the request as received, or write down its words.');
  });

  it('finds duplicates as on the form: same address and right, still active, no new clock', async () => {
    const email = uniqueEmail('dup');
    const first = idFrom(await logRequest({ channel: 'email', receivedAt: ago(0), email, name: 'Dora Dup', type_erasure: 'yes', note: 'Erase me.', lang: 'en' }));
    const again = await logRequest({ channel: 'phone', receivedAt: ago(0), email: email.toUpperCase(), name: 'Dora Dup', type_erasure: 'yes', note: 'Erase me, again.', lang: 'en' });
    const [, sameId, done] = idFrom(again);
    expect(sameId).toBe(first[1]);
    expect(done).toBe('duplicate');
    expect(await portal.db.selectFrom('requests').select('id').where('email_key', '=', email.toLowerCase()).execute()).toHaveLength(1);
    const events = await portal.db.selectFrom('request_events').select('kind').where('request_id', '=', sameId!).execute();
    expect(events.map((e) => e.kind)).toContain('duplicate_submission');
    expect(await audits('request.logged_duplicate', sameId!)).toHaveLength(1);
    // By post: the same name and address, however spaced, is the same person.
    const post = idFrom(await logRequest({ ...POSTAL, name: 'Dieter Doppel', postalAddress: 'Gasse 2, 50667 Köln', receivedAt: ago(0), note: 'x' }));
    const post2 = idFrom(await logRequest({ ...POSTAL, name: 'dieter  doppel', postalAddress: 'Gasse 2\n50667 Köln', receivedAt: ago(0), note: 'x' }));
    expect(post2[1]).toBe(post[1]);
    expect(post2[2]).toBe('duplicate');
  });

  it('stores the original email (.eml) and a scan encrypted, and refuses other files', async () => {
    const marker = `Betreff-Marker-${Date.now()}`;
    const eml = Buffer.from(
      `From: Max <max@example.org>\r\nTo: datenschutz@datenwerk.example\r\nSubject: Auskunft\r\nDate: Mon, 2 Mar 2026 09:00:00 +0100\r\nMessage-ID: <1@example.org>\r\n\r\nIch bitte um Auskunft. ${marker}\r\n`,
    );
    const res = await logRequest({ channel: 'email', receivedAt: ago(0), email: uniqueEmail('eml'), name: 'Max Mail', type_access: 'yes', lang: 'de' }, { name: 'request.eml', bytes: eml, type: 'message/rfc822' });
    expect(res.status).toBe(302);
    const [, id] = idFrom(res);
    const stored = await portal.db.selectFrom('request_attachments').selectAll().where('request_id', '=', id!).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ content_type: 'message/rfc822', filename: 'request.eml', size: eml.length });
    expect(stored.ciphertext.includes(marker)).toBe(false);
    expect(decryptAttachment(stored, portal.config.secrets.exportKey, id!).equals(eml)).toBe(true);
    const download = await get(`/staff/requests/${id}/attachments/${stored.id}`);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(eml)).toBe(true);

    const pdf = Buffer.from(`%PDF-1.4\n1 0 obj <<>> endobj\n% ${marker}-scan\ntrailer <<>>\n%%EOF\n`);
    const scanned = idFrom(await logRequest({ ...POSTAL, name: 'Sabine Scan', receivedAt: ago(0) }, { name: 'scan.pdf', bytes: pdf }));
    const scan = await portal.db.selectFrom('request_attachments').selectAll().where('request_id', '=', scanned[1]!).executeTakeFirstOrThrow();
    expect(scan.content_type).toBe('application/pdf');

    const text = await logRequest({ ...POSTAL, name: 'Theo Text', receivedAt: ago(0) }, { name: 'notes.txt', bytes: Buffer.from('just some words') });
    expect(text.status).toBe(400);
    expect(await text.text()).toContain('is not an email (.eml, .msg), a PDF, PNG or JPEG file');

    // On disk: neither the email's words nor the scan's are in the database files or the WAL.
    const haystacks = await databaseFiles();
    const found = Object.entries(haystacks).filter(([, bytes]) => bytes.includes(marker)).map(([f]) => f);
    expect(found).toEqual([]);
    // The search can fail: the subject's name, stored in clear, is in the same files.
    expect(Object.values(haystacks).some((bytes) => bytes.includes('Sabine Scan'))).toBe(true);
  });
});

describe('letters to a subject by post', () => {
  it('the acknowledgement in the subject’s language, with reference, due date, DPO and authority; German passes the Nu checker', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-vnu-letters-'));
    const expected = { en: 'Your data protection request', de: 'Ihr Datenschutzantrag', fr: 'Votre demande relative à vos données' };
    for (const lang of ['en', 'de', 'fr'] as const) {
      const [, id] = idFrom(await logRequest({ ...POSTAL, name: `Letter ${lang}`, lang, receivedAt: ago(0), note: 'Asked at the counter.', channel: 'in_person' }));
      const r = await request(id!);
      const res = await get(`/staff/requests/${id}/letter`);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain(`lang="${lang}"`);
      expect(html).toContain(`${expected[lang]} ${r.reference}`);
      expect(html).toContain(formatDeadline(lang, r.due_date!));
      expect(html).toContain('Dr. Petra Prüf');
      expect(html).toContain('Bayerisches Landesamt für Datenschutzaufsicht');
      expect(html).toContain('Hauptstraße 1');
      expect(html).toContain('class="letter"');
      const css = /href="(\/build\/_assets\/app-[^"]+\.css)"/.exec(html)?.[1];
      expect(css && (await (await get(css)).text())).toContain('@page');
      fs.writeFileSync(path.join(dir, `letter-${lang}.html`), html);
      expect((await audits('request.letter_viewed', id!)).length).toBe(1);
    }
    const { stdout, stderr } = await run('java', ['-jar', VNU, '--errors-only', '--format', 'gnu', path.join(dir, 'letter-de.html')]).catch(
      (error: { stdout: string; stderr: string }) => error,
    );
    expect(`${stdout}${stderr}`.trim()).toBe('');
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('every later notice is a letter on the timeline, no mail goes to an empty address, and the queue says by post', async () => {
    const [, id] = idFrom(await logRequest({ ...POSTAL, name: 'Lena Later', receivedAt: ago(0), note: 'Letter.' }));
    // A subject by post has no address to prove: staff check who they are before starting (issue 21.3, `manual`).
    const { recordIdentityCheck } = await import('../../app/models/requests/identity.server');
    const checker = await createUser(portal.db, { role: 'staff' });
    const logged = await portal.db.selectFrom('requests').selectAll().where('id', '=', id!).executeTakeFirstOrThrow();
    await recordIdentityCheck(portal.db, { requestId: id!, version: requestVersion(logged), method: 'letter_known_address', note: 'Matches the address on file.', documentIds: [] }, { id: checker.id, ip: null });
    const page = await (await get(`/staff/requests/${id}`)).text();
    const version = /name="version" value="([^"]+)"/.exec(page)![1]!;
    const started = await fetch(`${portal.url}/staff/requests/${id}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: staffCookie, Origin: portal.url, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ intent: 'start', version }),
    });
    expect(started.status).toBe(302);
    const after = await (await get(`/staff/requests/${id}`)).text();
    const links = [...after.matchAll(/href="(\/staff\/requests\/\d+\/letter\?event=\d+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
    expect(links).toHaveLength(2); // the acknowledgement and the start
    const startLetter = await (await get(links[1]!)).text();
    expect(startLetter).toContain('Wir bearbeiten Ihren Antrag');
    expect(startLetter).toContain('Lena Later');
    const r = await request(id!);
    expect(startLetter).toContain(formatDeadline('de', r.due_date!));
    expect(await portal.db.selectFrom('mail_outbox').select('id').where('to_address', '=', '').execute()).toEqual([]);
    const queue = await (await get('/staff/requests?state=all')).text();
    const row = queue.slice(queue.indexOf(r.reference));
    expect(row.slice(0, row.indexOf('</tr>'))).toContain('By post');
    // A request with an email has no letter.
    const emailed = await portal.db.selectFrom('requests').select('id').where('email', '!=', '').where('channel', '=', 'phone').executeTakeFirstOrThrow();
    expect((await get(`/staff/requests/${emailed.id}/letter`)).status).toBe(404);
  });

  it('an erasure for a subject by post: the answer is a letter, no mail goes to an empty address, and the scrub waits for none', async () => {
    const { type_access: _access, ...postal } = POSTAL;
    const [, id] = idFrom(await logRequest({ ...postal, type_erasure: 'yes', name: 'Ernst Erase', receivedAt: ago(0), note: 'Bitte löschen Sie alles.' }));
    const { recordIdentityCheck } = await import('../../app/models/requests/identity.server');
    const checker = await createUser(portal.db, { role: 'staff' });
    await recordIdentityCheck(portal.db, { requestId: id!, version: requestVersion(await request(id!)), method: 'letter_known_address', note: 'Matches the address on file.', documentIds: [] }, { id: checker.id, ip: null });
    const erased = await fetch(`${portal.url}/staff/requests/${id}/erase`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: staffCookie, Origin: portal.url, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ version: requestVersion(await request(id!)), answer: 'Wir haben Ihre Daten gelöscht.' }),
    });
    expect(erased.status, await erased.clone().text()).toBe(302);
    const r = await request(id!);
    expect(r).toMatchObject({ state: 'completed', outcome: 'fulfilled' });
    expect(r.personal_data_deleted_at).not.toBeNull();
    expect(await portal.db.selectFrom('mail_outbox').select(['id', 'subject']).where('to_address', '=', '').execute()).toEqual([]);
    const scrub = await portal.db.selectFrom('jobs').select('payload').where('kind', '=', 'erasure.scrub').where(sql<string>`payload->>'reference'`, '=', r.reference).executeTakeFirstOrThrow();
    expect((scrub.payload as { outboxIds: string[] }).outboxIds).toEqual([]);
    // The answer reaches the subject as the last letter on the timeline.
    const page = await (await get(`/staff/requests/${id}`)).text();
    const links = [...page.matchAll(/href="(\/staff\/requests\/\d+\/letter\?event=\d+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
    expect(links.length).toBeGreaterThanOrEqual(2);
    const last = await (await get(links.at(-1)!)).text();
    expect(last).toContain(r.reference);
  });
});

/** The portal database's table files (TOAST included) and recent WAL, after a checkpoint; PGlite's whole data folder. */
async function databaseFiles(): Promise<Record<string, Buffer>> {
  const haystacks: Record<string, Buffer> = {};
  if (process.env.DATABASE_URL) {
    // The server's own files, read by the server (the test role is a superuser).
    await sql`checkpoint`.execute(portal.db);
    const files = await sql<{ path: string }>`
      select pg_relation_filepath(c.oid) as path from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'r'
      union all
      select pg_relation_filepath(c.reltoastrelid) from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'r' and c.reltoastrelid <> 0`.execute(portal.db);
    const wal = await sql<{ name: string }>`select name from pg_ls_waldir() order by modification desc limit 2`.execute(portal.db);
    for (const file of [...files.rows.map((r) => r.path), ...wal.rows.map((r) => `pg_wal/${r.name}`)]) {
      haystacks[file] = (await sql<{ data: Buffer }>`select pg_read_binary_file(${file}) as data`.execute(portal.db)).rows[0]!.data;
    }
  } else {
    await sql`checkpoint`.execute(portal.db);
    const dir = path.join(portal.dataDir, 'pglite');
    const walk = (d: string): string[] =>
      fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
    for (const file of walk(dir)) haystacks[path.relative(dir, file)] = fs.readFileSync(file);
  }
  return haystacks;
}
