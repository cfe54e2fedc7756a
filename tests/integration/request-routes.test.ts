import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRequestById } from '../../app/models/requests/requests.server';
import { requestInformation, transitionRequest } from '../../app/models/requests/transitions.server';
import { startTestPortal, type TestPortal } from '../support/portal';
import { fileRequest, rules, SAMPLE_FILES } from '../support/requests';

let portal: TestPortal;
beforeAll(async () => {
  portal = await startTestPortal();
});
afterAll(async () => {
  await portal?.stop();
});

const post = (path: string, body: string | FormData, headers: Record<string, string> = {}) =>
  fetch(`${portal.url}${path}`, {
    method: 'POST',
    body,
    redirect: 'manual',
    headers: typeof body === 'string' ? { 'Content-Type': 'application/x-www-form-urlencoded', ...headers } : headers,
  });

async function formKey() {
  const html = await (await fetch(`${portal.url}/requests/new`)).text();
  return /name="submissionId" value="([^"]+)"/.exec(html)![1]!;
}

function intakeBody(overrides: Record<string, string> = {}) {
  return new URLSearchParams({
    type: 'access',
    email: `route.${Math.random().toString(36).slice(2)}@example.test`,
    name: 'Route Tester',
    accountIdentifier: '',
    details: '',
    requesterRole: 'self',
    confirm: 'yes',
    website: '',
    ...overrides,
  }).toString();
}

async function countByEmail(email: string) {
  const rows = await portal.db.selectFrom('requests').select('id').where('email_key', '=', email.toLowerCase()).execute();
  return rows.length;
}

describe('the intake form', () => {
  it('renders every field with a label', async () => {
    const res = await fetch(`${portal.url}/requests/new`);
    expect(res.status).toBe(200);
    const html = await res.text();
    for (const label of ['Email address', 'Full name', 'Details', 'What are you asking for?', 'Access (Art. 15)']) {
      expect(html).toContain(label);
    }
  });

  it('files a request and redirects to "check your email"; a retried post creates nothing more', async () => {
    const submissionId = await formKey();
    const body = intakeBody({ email: 'retry@example.test', submissionId });
    const first = await post('/requests/new', body);
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe('/requests/sent');
    const second = await post('/requests/new', body);
    expect(second.headers.get('location')).toBe('/requests/sent');
    expect(await countByEmail('retry@example.test')).toBe(1);
  });

  it('answers invalid input with 400, specific messages and what was typed, escaped', async () => {
    const res = await post(
      '/requests/new',
      intakeBody({ type: 'rectification', email: 'not-an-email', name: '<script>alert(1)</script>', confirm: '', submissionId: await formKey() }),
    );
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('Enter an email address in the form name@example.com');
    expect(html).toContain('Say which data is wrong and what it should be');
    expect(html).toContain('Confirm that you are the data subject or authorised to act for them');
    expect(html).toContain('aria-invalid="true"');
    expect(html).toContain('aria-describedby="field-email-error');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert(1)</script>');
  });

  it('refuses control characters and invalid UTF-8 with a clear error', async () => {
    const submissionId = await formKey();
    const control = await post('/requests/new', intakeBody({ name: 'Bell\u0007', submissionId, email: 'ctl@example.test' }));
    expect(control.status).toBe(400);
    expect(await control.text()).toContain('Remove control characters from this answer');
    const broken = await post('/requests/new', `${intakeBody({ submissionId, email: 'utf@example.test' })}&details=%FF%FE`);
    expect(broken.status).toBe(400);
    expect(await broken.text()).toContain('not valid UTF-8');
    const raw = Buffer.concat([Buffer.from(`${intakeBody({ submissionId })}&details=`), Buffer.from([0xc3, 0x28])]);
    const rawRes = await fetch(`${portal.url}/requests/new`, {
      method: 'POST',
      body: raw,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(rawRes.status).toBe(400);
    expect(await countByEmail('ctl@example.test')).toBe(0);
    expect(await countByEmail('utf@example.test')).toBe(0);
  });

  it('refuses a body over 1 MB', async () => {
    const res = await post('/requests/new', intakeBody({ details: 'x'.repeat(1_100_000), submissionId: await formKey() }));
    expect(res.status).toBe(413);
  });

  it('pretends to accept a bot that fills the honeypot, and stores nothing', async () => {
    const res = await post('/requests/new', intakeBody({ website: 'http://spam.test', email: 'bot@example.test', submissionId: await formKey() }));
    expect(res.headers.get('location')).toBe('/requests/sent');
    expect(await countByEmail('bot@example.test')).toBe(0);
  });
});

describe('verification pages', () => {
  it('GET shows the request and a confirm button without verifying; POST verifies and opens the status page', async () => {
    const { request, verifyToken } = await fileRequest(portal.db, { name: 'Link <Scanner>' });
    const page = await fetch(`${portal.url}/verify/${verifyToken}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    expect(html).toContain(request.reference);
    expect(html).toContain('Link &lt;Scanner&gt;');
    expect(html).toContain('Confirm my request');
    expect((await getRequestById(portal.db, request.id))!.state).toBe('unverified');

    const confirm = await post(`/verify/${verifyToken}`, 'intent=confirm');
    expect(confirm.status).toBe(302);
    const location = confirm.headers.get('location')!;
    expect(location).toMatch(/^\/status\/s\/[A-Za-z0-9_-]{43}$/);
    expect((await getRequestById(portal.db, request.id))!.state).toBe('open');

    const status = await (await fetch(`${portal.url}${location}`)).text();
    expect(status).toContain(request.reference);
    expect(status).toContain('Received');
    expect(status).toMatch(/Due date<\/dt><dd>\w+day \d{1,2} \w+ \d{4}/);

    const again = await fetch(`${portal.url}/verify/${verifyToken}`);
    expect(await again.text()).toContain('This link has already been used');
    const resend = await post(`/verify/${verifyToken}`, 'intent=resend');
    expect(resend.status).toBe(200);
    expect(await resend.text()).toContain('a new link is on its way');
  });

  it('an unknown link is a 404 page; an unknown status link is a 404', async () => {
    expect((await fetch(`${portal.url}/verify/${'B'.repeat(43)}`)).status).toBe(404);
    expect((await fetch(`${portal.url}/status/s/${'B'.repeat(43)}`)).status).toBe(404);
  });
});

describe('status page actions', () => {
  async function verified(name = 'Status Person') {
    const { request, verifyToken } = await fileRequest(portal.db, { name });
    const confirm = await post(`/verify/${verifyToken}`, 'intent=confirm');
    return { request, path: confirm.headers.get('location')! };
  }

  it('withdraws an open request', async () => {
    const { request, path } = await verified();
    const res = await post(path, 'intent=withdraw');
    expect(res.status).toBe(302);
    expect((await getRequestById(portal.db, request.id))!.state).toBe('withdrawn');
    const html = await (await fetch(`${portal.url}${path}`)).text();
    expect(html).toContain('Withdrawn');
    expect(html).not.toContain('Withdraw request');
    const again = await post(path, 'intent=withdraw');
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('This request can no longer be withdrawn.');
    // In the subject's language, like the rest of the page.
    const german = await post(path, 'intent=withdraw', { 'Accept-Language': 'de' });
    expect(german.status).toBe(409);
    expect(await german.text()).toContain('Dieser Antrag kann nicht mehr zurückgezogen werden.');
    const unknown = await post(path, 'intent=explode', { 'Accept-Language': 'fr' });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('Cette action n’est pas disponible sur cette page.');
  });

  it('replies with attachments checked by content, downloads and removes them', async () => {
    const { request, path } = await verified();
    await transitionRequest(portal.db, { requestId: request.id, action: 'start', actor: { kind: 'staff', id: 's' } }, { rules });
    await requestInformation(portal.db, { requestId: request.id, staffId: 's', question: 'Please send proof of authority.' }, { rules });
    const replyPage = await (await fetch(`${portal.url}${path}/reply`)).text();
    expect(replyPage).toContain('Please send proof of authority.');

    const fake = new FormData();
    fake.set('message', 'Here it is');
    fake.append('files', new Blob([Buffer.from('<html>not a pdf</html>')], { type: 'application/pdf' }), 'proof.pdf');
    const refused = await post(`${path}/reply`, fake);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('proof.pdf is not a PDF, PNG or JPEG file');

    const big = new FormData();
    big.set('message', 'Too big');
    big.append('files', new Blob([Buffer.alloc(10 * 1024 * 1024 + 1)]), 'big.pdf');
    expect((await post(`${path}/reply`, big)).status).toBe(413);

    const good = new FormData();
    good.set('message', 'Here is my proof');
    good.append('files', new Blob([SAMPLE_FILES.pdf], { type: 'application/octet-stream' }), 'authority.pdf');
    good.append('files', new Blob([SAMPLE_FILES.png]), 'id.png');
    const ok = await post(`${path}/reply`, good);
    expect(ok.status).toBe(302);
    expect((await getRequestById(portal.db, request.id))!.state).toBe('in_progress');

    const stored = await portal.db.selectFrom('request_attachments').selectAll().where('request_id', '=', request.id).execute();
    expect(stored.map((a) => a.content_type).sort()).toEqual(['application/pdf', 'image/png']);
    expect(Buffer.from(stored[0]!.ciphertext).includes(Buffer.from('%PDF'))).toBe(false);

    const html = await (await fetch(`${portal.url}${path}`)).text();
    expect(html).toContain('Here is my proof');
    const pdf = stored.find((a) => a.filename === 'authority.pdf')!;
    const download = await fetch(`${portal.url}${path}/attachments/${pdf.id}`);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(download.headers.get('content-disposition')).toContain('attachment;');
    expect(Buffer.from(await download.arrayBuffer()).equals(SAMPLE_FILES.pdf)).toBe(true);

    // Another request's link cannot reach this file.
    const other = await verified('Other Person');
    expect((await fetch(`${portal.url}${other.path}/attachments/${pdf.id}`)).status).toBe(404);

    const removed = await post(path, new URLSearchParams({ intent: 'remove-attachment', attachmentId: pdf.id }).toString());
    expect(removed.status).toBe(302);
    expect((await fetch(`${portal.url}${path}/attachments/${pdf.id}`)).status).toBe(404);
    const left = await portal.db.selectFrom('request_attachments').select('filename').where('request_id', '=', request.id).execute();
    expect(left.map((a) => a.filename)).toEqual(['id.png']);
  });
});
