import { parse as parseCsv } from 'csv-parse/sync';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reduceToProofRecord } from '../../app/models/requests/proof.server';
import { createRequest } from '../../app/models/requests/requests.server';
import { requestVersion } from '../../app/models/requests/staff.server';
import { issueToken } from '../../app/models/requests/tokens.server';
import { confirmVerification } from '../../app/models/requests/verification.server';
import { outboxText } from '../support/mailbox';
import { fileRequest, intakeInput, rules } from '../support/requests';
import { startTestPortal, type TestPortal } from '../support/portal';
import { createSessionCookie, createUser, type TestUser } from '../support/users';

/**
 * The staff request page and what completing a request gives the subject (issue 18, items 3,
 * 6, 7, 8, 9, 11 and the request-page parts of 14), over HTTP against the real server.
 */
let portal: TestPortal;
let staff: TestUser;
let staffCookie: string;

beforeAll(async () => {
  portal = await startTestPortal({ SUBPROCESSOR_DEMO: 'on' });
  staff = await createUser(portal.db, { role: 'staff' });
  staffCookie = await createSessionCookie(portal.db, staff);
});
afterAll(async () => {
  await portal?.stop();
});

const current = (id: string) => portal.db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

function postForm(path: string, fields: Record<string, string>, cookie = staffCookie) {
  return fetch(portal.url + path, {
    method: 'POST',
    redirect: 'manual',
    headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', Origin: portal.url },
    body: new URLSearchParams(fields),
  });
}

/** React's text-joining comments removed, so a line reads as it shows. */
const plain = (page: string) => page.replaceAll('<!-- -->', '');
const staffPage = async (id: string) => plain(await (await fetch(`${portal.url}/staff/requests/${id}`, { headers: { Cookie: staffCookie } })).text());

async function verified(overrides: Parameters<typeof fileRequest>[1] = {}) {
  const { request, verifyToken } = await fileRequest(portal.db, overrides);
  const done = await confirmVerification(portal.db, verifyToken!, { rules });
  if (done.status !== 'verified') throw new Error('not verified');
  return current(request.id);
}

async function started(overrides: Parameters<typeof fileRequest>[1] = {}) {
  const r = await verified(overrides);
  expect((await postForm(`/staff/requests/${r.id}`, { intent: 'start', version: requestVersion(r) })).status).toBe(302);
  return current(r.id);
}

async function complete(id: string, fields: Record<string, string>) {
  return postForm(`/staff/requests/${id}`, { intent: 'complete', version: requestVersion(await current(id)), ...fields });
}

/** The subject's ZIP through their status link. */
async function downloadZip(id: string) {
  const token = await issueToken(portal.db, id, 'status');
  const res = await fetch(`${portal.url}/status/s/${token}/package`);
  expect(res.status).toBe(200);
  return { token, zip: unzipSync(new Uint8Array(await res.arrayBuffer())) };
}

async function pdfText(bytes: Uint8Array): Promise<string> {
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await getDocument({ data: new Uint8Array(bytes), useSystemFonts: false, isEvalSupported: false }).promise;
  const parts: string[] = [];
  for (let i = 1; i <= doc.numPages; i++) {
    const content = await (await doc.getPage(i)).getTextContent();
    parts.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
  }
  await doc.destroy();
  return parts.join('\n').replace(/\s+/g, ' ');
}

/** Escaped as React writes text into HTML. */
const html = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');

describe('item 3: staff see everything the subject gave', () => {
  it('shows scope, period, identifiers, other names, format, country and details on the staff request page', async () => {
    const r = await verified({
      type: 'access',
      name: 'Fiona Fields',
      scope: 'My order history and the loyalty programme',
      periodFrom: '2024-03-01',
      periodTo: '2025-06-30',
      accountIdentifier: 'CUST-99812',
      aliases: 'fiona.old@example.test\nFiona Maiden',
      preferredFormat: 'csv',
      country: 'AT',
      details: 'Include the call recordings.',
    });
    const page = await staffPage(r.id);
    for (const text of [
      'My order history and the loyalty programme',
      '1 March 2024 to 30 June 2025',
      'CUST-99812',
      'fiona.old@example.test',
      'Fiona Maiden',
      'CSV',
      'Austria (AT)',
      'Include the call recordings.',
    ]) {
      expect(page, text).toContain(html(text));
    }
  });

  it('adds summary.pdf beside the ZIP when the subject asked for PDF, and the subject can download it on its own', async () => {
    const r = await started({ type: 'access', name: 'Paula Pdf', preferredFormat: 'pdf', scope: 'Newsletter' });
    expect((await complete(r.id, { outcome: 'fulfilled', answer: 'Your data, as a PDF too.' })).status).toBe(302);
    const { token, zip } = await downloadZip(r.id);
    expect(Object.keys(zip).sort()).toEqual(['data.json', 'summary.html', 'summary.pdf']);
    const pdf = zip['summary.pdf']!;
    expect(strFromU8(pdf.subarray(0, 5))).toBe('%PDF-');
    const text = await pdfText(pdf);
    expect(text).toContain(r.reference);
    expect(text).toContain('Your data, as a PDF too.');
    expect(text).toContain('Art. 15');

    const status = await (await fetch(`${portal.url}/status/s/${token}`)).text();
    expect(status).toContain(`/status/s/${token}/package?file=summary.pdf`);
    const alone = await fetch(`${portal.url}/status/s/${token}/package?file=summary.pdf`);
    expect(alone.status).toBe(200);
    expect(alone.headers.get('content-type')).toBe('application/pdf');
    expect(alone.headers.get('content-disposition')).toContain('.pdf');
    expect(Buffer.from(await alone.arrayBuffer()).equals(Buffer.from(pdf))).toBe(true);
    // Only the two format files exist on their own; anything else is a 404, not a 500.
    expect((await fetch(`${portal.url}/status/s/${token}/package?file=../data.json`)).status).toBe(404);
  });

  it('adds data.csv with every data.json value when the subject asked for CSV, neutralising spreadsheet formulas', async () => {
    const r = await started({ type: 'portability', name: '=HYPERLINK("http://evil.test")', preferredFormat: 'csv' });
    expect((await complete(r.id, { outcome: 'fulfilled', answer: 'Your data as CSV.' })).status).toBe(302);
    const { zip } = await downloadZip(r.id);
    expect(Object.keys(zip).sort()).toEqual(['data.csv', 'data.json', 'summary.html']);
    const rows: string[][] = parseCsv(strFromU8(zip['data.csv']!), { bom: true });
    expect(rows[0]).toEqual(['section', 'field', 'value']);
    const value = (section: string, field: string) => rows.find((row) => row[0] === section && row[1] === field)?.[2];
    expect(value('request', 'reference')).toBe(r.reference);
    expect(value('request', 'type')).toBe('portability');
    expect(value('requests', '1.name')).toBe(`'=HYPERLINK("http://evil.test")`);
    // data.json keeps the value exactly.
    expect(JSON.parse(strFromU8(zip['data.json']!)).requests[0].name).toBe('=HYPERLINK("http://evil.test")');
  });

  it('adds nothing beside data.json and summary.html for JSON or no choice', async () => {
    const r = await started({ type: 'access', preferredFormat: 'json' });
    expect((await complete(r.id, { outcome: 'fulfilled', answer: 'Here.' })).status).toBe(302);
    const { token, zip } = await downloadZip(r.id);
    expect(Object.keys(zip).sort()).toEqual(['data.json', 'summary.html']);
    // Asking for a format file the package does not have leads back to the request page, uncounted.
    const none = await fetch(`${portal.url}/status/s/${token}/package?file=summary.pdf`, { redirect: 'manual' });
    expect(none.status).toBe(302);
    expect(none.headers.get('location')).toBe(`/status/s/${token}`);
    expect((await portal.db.selectFrom('access_packages').select('downloads').where('request_id', '=', r.id).executeTakeFirstOrThrow()).downloads).toBe(1);
  });
});

describe('items 6, 7 and 8: a completed request and its package', () => {
  let access: Awaited<ReturnType<typeof current>>;
  let zip: Record<string, Uint8Array>;

  beforeAll(async () => {
    access = await started({ type: 'access', name: 'Clara Closed' });
    expect((await complete(access.id, { outcome: 'fulfilled', answer: 'All done.' })).status).toBe(302);
    ({ zip } = await downloadZip(access.id));
  });

  it('item 6: the closed request shows when it closed, the days it took and that it was on time, and no countdown', async () => {
    const page = await staffPage(access.id);
    expect(page).toMatch(/Closed \w+day \d{1,2} \w+ \d{4}, 0 days after receipt/);
    expect(page).toContain('On time');
    expect(page).toContain('Answered on time: the deadline was');
    expect(page).not.toMatch(/\d+ days? left|Due today|Overdue by/);
    const queue = plain(await (await fetch(`${portal.url}/staff/requests?state=completed`, { headers: { Cookie: staffCookie } })).text());
    const row = queue.slice(queue.indexOf(access.reference));
    const rowEnd = row.indexOf('</tr>');
    expect(row.slice(0, rowEnd)).toContain('On time');
    expect(row.slice(0, rowEnd)).not.toMatch(/days? left/);
  });

  it('item 7: data.json records the closing state of the request it answers', async () => {
    const data = JSON.parse(strFromU8(zip['data.json']!));
    const row = await current(access.id);
    expect(data.request).toMatchObject({ reference: access.reference, state: 'completed', closedAt: row.closed_at!.toISOString(), outcome: 'fulfilled' });
    const self = data.requests.find((x: { reference: string }) => x.reference === access.reference);
    expect(self).toMatchObject({ state: 'completed', closedAt: row.closed_at!.toISOString(), outcome: 'fulfilled' });
  });

  it('item 8: the summary cites Art. 15 on an access request and Art. 20 on a portability one (reflow: tests/e2e/request-page.test.ts)', async () => {
    const summary = strFromU8(zip['summary.html']!);
    expect(summary).toContain(`This package answers your request ${access.reference} for access to your personal data under Art. 15 GDPR.`);
    expect(summary).not.toContain('Art. 20 GDPR');

    const portability = await started({ type: 'portability' });
    expect((await complete(portability.id, { outcome: 'fulfilled', answer: 'Here.' })).status).toBe(302);
    const other = strFromU8((await downloadZip(portability.id)).zip['summary.html']!);
    expect(other).toContain('Art. 20 GDPR (data portability)');
    expect(other).not.toContain('access to your personal data under Art. 15');
  });
});

describe('item 9: access answered in part', () => {
  it('refuses "partly" without saying what was withheld, keeping what was typed', async () => {
    const r = await started({ type: 'access' });
    const res = await complete(r.id, { outcome: 'partial', answer: 'Most of it is attached.', withheldReason: '' });
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).toContain('Say what was withheld and whose rights it protects');
    expect(body).toContain('Most of it is attached.');
    expect((await current(r.id)).state).toBe('in_progress');
  });

  it('records the Art. 15(4) reason and shows it to the subject on the status page, in the email and in the package', async () => {
    const r = await started({ type: 'access', name: 'Wanda Withheld' });
    const reason = 'CCTV stills that show other customers.';
    expect((await complete(r.id, { outcome: 'partial', answer: 'Most of your data is attached.', withheldReason: reason })).status).toBe(302);
    expect(await current(r.id)).toMatchObject({ state: 'completed', outcome: 'partial', withheld_reason: reason });

    const { token, zip } = await downloadZip(r.id);
    const status = await (await fetch(`${portal.url}/status/s/${token}`)).text();
    expect(status).toContain('Partly done: some data was withheld.');
    expect(status).toContain('Art. 15(4) GDPR');
    expect(status).toContain(html(reason));

    const mails = await portal.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', r.email).orderBy('id').execute();
    const mail = await outboxText(portal.dataDir, mails.at(-1)!);
    expect(mail).toContain('Art. 15(4) GDPR');
    expect(mail).toContain(reason);

    expect(JSON.parse(strFromU8(zip['data.json']!)).request).toMatchObject({ outcome: 'partial', withheldReason: reason });
    expect(strFromU8(zip['summary.html']!)).toContain('Data we withheld (Art. 15(4))');

    const staffView = await staffPage(r.id);
    expect(staffView).toContain('Withheld (Art. 15(4))');
    expect(staffView).toContain(html(reason));

    // Staff's free text goes with the rest when the request is reduced to its proof record.
    await portal.db.transaction().execute((trx) => reduceToProofRecord(trx, r.id, { now: new Date(), note: 'Retention' }));
    expect(await current(r.id)).toMatchObject({ outcome: 'partial', withheld_reason: null });
  });

  it('shows the reason in the subject\'s language', async () => {
    const r = await started({ type: 'access', lang: 'de' } as Parameters<typeof fileRequest>[1]);
    expect((await complete(r.id, { outcome: 'partial', answer: 'Anbei.', withheldReason: 'Daten Dritter.' })).status).toBe(302);
    const token = await issueToken(portal.db, r.id, 'status');
    const status = await (await fetch(`${portal.url}/status/s/${token}?lng=de`)).text();
    expect(status).toContain('Teilweise');
    expect(status).toContain('Art. 15 Abs. 4 DSGVO');
  });
});

describe('item 11: the staff page after an erasure', () => {
  it('says the request came from a signed-in account, and names Art. 19 recipients as the registry does', async () => {
    const subs = await portal.db.selectFrom('subprocessors').select(['id', 'slug']).where('slug', '=', 'amazon-web-services').execute();
    await portal.db.updateTable('subprocessors').set({ receives_personal_data: false, privacy_contact_email: null }).execute();
    await portal.db.updateTable('subprocessors').set({ receives_personal_data: true, privacy_contact_email: 'privacy@aws.test' }).where('id', '=', subs[0]!.id).execute();

    const subject = await createUser(portal.db, { role: 'subject' });
    const filed = await createRequest(portal.db, { ...intakeInput({ type: 'erasure', email: subject.email, name: 'Sigrid Signedin' }), userId: subject.id }, { rules });
    if (filed.outcome !== 'created') throw new Error(filed.outcome);
    const r = await current(filed.request.id);
    expect(r.state).toBe('open');
    expect(await staffPage(r.id)).toContain(`Signed-in account ${subject.email}`);
    expect((await postForm(`/staff/requests/${r.id}`, { intent: 'start', version: requestVersion(r) })).status).toBe(302);
    expect((await postForm(`/staff/requests/${r.id}/erase`, { version: requestVersion(await current(r.id)), answer: 'Erased.' })).status).toBe(302);

    const page = await staffPage(r.id);
    expect(page).toContain('Personal data erased');
    expect(page).not.toContain('verified by email link');
    expect(page).toContain('filed from a signed-in account');
    expect(page).toMatch(/<li>Amazon Web Services: privacy@aws\.test/);
    expect(page).not.toContain('amazon-web-services:');
  });
});

describe('item 14: the request page for staff', () => {
  it('says "Waiting for the subject" for a request waiting on the subject, never "Waiting for your reply"', async () => {
    const r = await started({ type: 'access', name: 'Willa Waiting' });
    expect((await postForm(`/staff/requests/${r.id}`, { intent: 'request_information', version: requestVersion(r), question: 'Which account?' })).status).toBe(302);
    const page = await staffPage(r.id);
    expect(page).toContain('Waiting for the subject');
    expect(page).not.toContain('Waiting for your reply');
    const queue = plain(await (await fetch(`${portal.url}/staff/requests?state=awaiting_subject`, { headers: { Cookie: staffCookie } })).text());
    expect(queue).toContain(r.reference);
    expect(queue).not.toContain('Waiting for your reply');
  });

  it('keeps every action but the next one behind a disclosure, with Refuse marked as destructive', async () => {
    const r = await started({ type: 'access' });
    const page = await staffPage(r.id);
    const details = [...page.matchAll(/<details class="(action-disclosure[^"]*)"[^>]*>\s*<summary>([^<]*)<\/summary>/g)].map((m) => [m[2], m[1]]);
    expect(details).toEqual([
      ['Ask the subject for information', 'action-disclosure'],
      ['Extend the deadline (Art. 12(3))', 'action-disclosure'],
      ['Refuse the request', 'action-disclosure danger'],
    ]);
    expect(page).not.toMatch(/<details class="action-disclosure[^>]*\sopen/);
    expect(page).toMatch(/<button type="submit" class="danger">Refuse and send<\/button>/);
    // The next step (completing) is in view.
    expect(page).toContain('Complete and send');
  });

  it('opens the disclosure of a form that came back with an error, keeping what was typed', async () => {
    const r = await started({ type: 'access' });
    const res = await postForm(`/staff/requests/${r.id}`, { intent: 'extend', version: requestVersion(r), months: '2', extensionReason: '' });
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toMatch(/<details class="action-disclosure" open=""><summary>Extend the deadline/);
  });

  it('erases a received request without a separate start, recording both steps', async () => {
    const r = await verified({ type: 'erasure', name: 'Otto Open' });
    expect(r.state).toBe('open');
    const page = await staffPage(r.id);
    expect(page).toContain('Erasing starts the request too');
    const res = await postForm(`/staff/requests/${r.id}/erase`, { version: requestVersion(r), answer: 'We erased your data.' });
    expect(res.status).toBe(302);
    const after = await current(r.id);
    expect(after.state).toBe('completed');
    const kinds = (await portal.db.selectFrom('request_events').select('kind').where('request_id', '=', r.id).orderBy('id').execute()).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'start' || k === 'complete')).toEqual(['start', 'complete']);
    // One email to the subject for the whole thing: the answer.
    const subjects = await portal.db.selectFrom('mail_outbox').select('subject').where('to_address', '=', r.email).orderBy('id').execute();
    expect(subjects.filter((m) => /started|begun/i.test(m.subject))).toEqual([]);
  });

  it('still refuses to erase a request waiting on the subject', async () => {
    const r = await started({ type: 'erasure' });
    expect((await postForm(`/staff/requests/${r.id}`, { intent: 'request_information', version: requestVersion(r), question: 'Which account?' })).status).toBe(302);
    const res = await postForm(`/staff/requests/${r.id}/erase`, { version: requestVersion(await current(r.id)), answer: 'Erased.' });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('resume it before erasing');
  });
});
