import { unzipSync, strFromU8 } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_PACKAGE } from '../../app/models/policy';
import { checkPackageFile, downloadPackage, purgePackage, PackageFileError, packageForStaff } from '../../app/models/requests/packages.server';
import { PACKAGE_KEYS } from '../../app/models/requests/package-summary.server';
import { requestVersion } from '../../app/models/requests/staff.server';
import { issueToken } from '../../app/models/requests/tokens.server';
import { confirmSignedIn } from '../../app/models/requests/identity.server';
import { confirmVerification } from '../../app/models/requests/verification.server';
import { createSessionCookie, createUser, type TestUser } from '../support/users';
import { fileRequest, rules, SAMPLE_FILES } from '../support/requests';
import { outboxText } from '../support/mailbox';
import { startTestPortal, type TestPortal } from '../support/portal';

/**
 * Access and portability packages end to end over HTTP: staff upload files from other systems
 * (checked by content), complete the request, the subject downloads the ZIP through the status
 * link or their account at most five times within seven days, then the file is deleted.
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

async function inProgress(overrides: Parameters<typeof fileRequest>[1] = {}) {
  const { request, verifyToken } = await fileRequest(portal.db, overrides);
  const verified = await confirmVerification(portal.db, verifyToken!, { rules });
  if (verified.status !== 'verified') throw new Error('not verified');
  await postForm(`/staff/requests/${request.id}`, { intent: 'start', version: requestVersion(await current(request.id)) });
  return current(request.id);
}

function postForm(path: string, fields: Record<string, string>, cookie = staffCookie) {
  return fetch(portal.url + path, {
    method: 'POST',
    redirect: 'manual',
    headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', Origin: portal.url },
    body: new URLSearchParams(fields),
  });
}

function upload(requestId: string, files: Array<{ name: string; bytes: Buffer | string; type?: string }>, cookie = staffCookie) {
  const form = new FormData();
  for (const f of files) form.append('files', new Blob([new Uint8Array(Buffer.from(f.bytes))], { type: f.type ?? 'application/octet-stream' }), f.name);
  return fetch(`${portal.url}/staff/requests/${requestId}/package`, {
    method: 'POST',
    redirect: 'manual',
    headers: { Cookie: cookie, Origin: portal.url },
    body: form,
  });
}

const CSV = 'order_id,date,amount\n1001,2026-01-03,19.90\n1002,2026-02-11,5.00\n';
const JSON_EXPORT = JSON.stringify({ crm: { id: 'C-77', segment: 'retail' } });

async function complete(requestId: string, answer = 'Here is everything we hold about you.') {
  return postForm(`/staff/requests/${requestId}`, {
    intent: 'complete',
    version: requestVersion(await current(requestId)),
    outcome: 'fulfilled',
    answer,
  });
}

describe('files staff add to a package', () => {
  it('accepts CSV, JSON, PDF, PNG and JPEG by content and refuses the rest with a reason', async () => {
    expect(await checkPackageFile('orders.csv', Buffer.from(CSV))).toBe('text/csv');
    expect(await checkPackageFile('crm.json', Buffer.from(JSON_EXPORT))).toBe('application/json');
    expect(await checkPackageFile('letter.pdf', SAMPLE_FILES.pdf)).toBe('application/pdf');
    expect(await checkPackageFile('scan.png', SAMPLE_FILES.png)).toBe('image/png');
    // A PDF renamed .csv is still a PDF; a ZIP named .csv is refused.
    expect(await checkPackageFile('renamed.csv', SAMPLE_FILES.pdf)).toBe('application/pdf');
    await expect(checkPackageFile('archive.csv', Buffer.from('504b0304140000000800', 'hex'))).rejects.toThrow(PackageFileError);
    await expect(checkPackageFile('notes.csv', Buffer.from('just one line of prose'))).rejects.toThrow(/not CSV/);
    await expect(checkPackageFile('broken.json', Buffer.from('{"a": '))).rejects.toThrow(/does not parse/);
    await expect(checkPackageFile('empty.csv', Buffer.alloc(0))).rejects.toThrow(/empty/);
    await expect(checkPackageFile('big.csv', Buffer.alloc(ACCESS_PACKAGE.maxFileBytes + 1, 'a'))).rejects.toThrow(/larger/);
  });

  it('stores uploads encrypted, refuses a bad one over HTTP with the reason, and only for access and portability', async () => {
    const request = await inProgress({ type: 'access' });
    const ok = await upload(request.id, [{ name: 'orders.csv', bytes: CSV, type: 'text/csv' }]);
    expect(ok.status).toBe(302);
    const bad = await upload(request.id, [{ name: 'evil.csv', bytes: Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00', 'latin1') }]);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('evil.csv');
    const rows = await portal.db.selectFrom('package_files').selectAll().where('request_id', '=', request.id).execute();
    expect(rows.map((r) => r.filename)).toEqual(['orders.csv']);
    expect(Buffer.from(rows[0]!.ciphertext).includes(Buffer.from('order_id'))).toBe(false);

    const erasure = await inProgress({ type: 'erasure' });
    expect((await upload(erasure.id, [{ name: 'orders.csv', bytes: CSV }])).status).toBe(409);
  });
});

describe('completing an access request', () => {
  let request: Awaited<ReturnType<typeof current>>;
  let token: string;
  let zip: Record<string, Uint8Array>;

  beforeAll(async () => {
    request = await inProgress({ type: 'access', name: 'Grace Hopper', details: 'Everything, please.' });
    expect((await upload(request.id, [
      { name: 'orders.csv', bytes: CSV, type: 'text/csv' },
      { name: 'crm.json', bytes: JSON_EXPORT, type: 'application/json' },
    ])).status).toBe(302);
    const done = await complete(request.id);
    expect(done.status).toBe(302);
    token = await issueToken(portal.db, request.id, 'status');
  });

  it('builds the package in the completing transaction and emails the subject where to get it', async () => {
    const row = await portal.db.selectFrom('access_packages').selectAll().where('request_id', '=', request.id).executeTakeFirstOrThrow();
    // Stored in sealed chunks (decision 218), never in one piece.
    expect(row.ciphertext).toBeNull();
    expect(row.chunks).toBeGreaterThan(0);
    const chunks = await portal.db.selectFrom('package_chunks').select(['seq', 'ciphertext']).where('package_id', '=', row.id).orderBy('seq').execute();
    expect(chunks.map((c) => c.seq)).toEqual([...Array(row.chunks).keys()]);
    expect(chunks.reduce((n, c) => n + c.ciphertext.length, 0)).toBe(row.size);
    expect(row.downloads).toBe(0);
    expect(new Date(row.expires_at).getTime() - new Date(row.created_at).getTime()).toBe(ACCESS_PACKAGE.downloadDays * 86_400_000);
    // The uploads live on inside the package only.
    expect(await portal.db.selectFrom('package_files').select('id').where('request_id', '=', request.id).execute()).toEqual([]);
    const mails = await portal.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', request.email).orderBy('id').execute();
    const last = await outboxText(portal.dataDir, mails.at(-1)!);
    expect(last).toContain('ready to download');
    expect(last).toContain(`${ACCESS_PACKAGE.maxDownloads} times`);
    expect((await current(request.id)).state).toBe('completed');
  });

  it('gives the subject a ZIP whose data.json parses and matches the data, with every Art. 15(1) item in summary.html', async () => {
    const page = await fetch(`${portal.url}/status/s/${token}`);
    const html = await page.text();
    expect(html).toContain(`/status/s/${token}/package`);
    const res = await fetch(`${portal.url}/status/s/${token}/package`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-disposition')).toContain(`${request.reference}-data.zip`);
    zip = unzipSync(new Uint8Array(await res.arrayBuffer()));
    expect(Object.keys(zip).sort()).toEqual(['data.json', 'files/crm.json', 'files/orders.csv', 'summary.html']);
    expect(strFromU8(zip['files/orders.csv']!)).toBe(CSV);

    const data = JSON.parse(strFromU8(zip['data.json']!));
    expect(Object.keys(data)).toEqual([...PACKAGE_KEYS]);
    expect(data.request.reference).toBe(request.reference);
    const mine = data.requests.find((r: { reference: string }) => r.reference === request.reference);
    expect(mine).toMatchObject({ name: 'Grace Hopper', email: request.email, details: 'Everything, please.', type: 'access' });
    expect(mine.timeline.length).toBeGreaterThan(0);
    expect(data.filesFromOtherSystems.map((f: { path: string }) => f.path).sort()).toEqual(['files/crm.json', 'files/orders.csv']);
    const { createHash } = await import('node:crypto');
    const csvEntry = data.filesFromOtherSystems.find((f: { path: string }) => f.path === 'files/orders.csv');
    expect(csvEntry.sha256).toBe(createHash('sha256').update(CSV).digest('hex'));
    expect(data.recipients.subprocessors.map((s: { name: string }) => s.name)).toContain('Amazon Web Services');

    const summary = strFromU8(zip['summary.html']!);
    for (const item of ['(1)(a)', '(1)(b)', '(1)(c)', '(1)(d)', '(1)(e)', '(1)(f)', '(1)(g)', '(1)(h)']) expect(summary).toContain(`Art. 15${item}`);
    expect(summary).toContain('Amazon Web Services');
    expect(summary).toContain("Information Commissioner");
    expect(summary).toContain('Here is everything we hold about you.');
    for (const key of PACKAGE_KEYS) expect(summary).toContain(`<code>${key}</code>`);
    expect(summary).not.toContain('<script');
  });

  it('counts downloads, refuses the sixth, and lets staff see each one but never a token', async () => {
    // One download above; four more are allowed.
    for (let i = 0; i < ACCESS_PACKAGE.maxDownloads - 1; i++) {
      expect((await fetch(`${portal.url}/status/s/${token}/package`)).status).toBe(200);
    }
    const sixth = await fetch(`${portal.url}/status/s/${token}/package`, { redirect: 'manual' });
    expect(sixth.status).toBe(302);
    expect(sixth.headers.get('location')).toBe(`/status/s/${token}`);
    const page = await (await fetch(`${portal.url}/status/s/${token}`)).text();
    expect(page).toContain('no longer available');

    const seen = await packageForStaff(portal.db, request.id);
    expect(seen).toMatchObject({ downloads: 5, maxDownloads: 5, state: 'used_up' });
    expect(seen!.downloadLog).toHaveLength(5);
    const staffPage = await (await fetch(`${portal.url}/staff/requests/${request.id}`, { headers: { Cookie: staffCookie } })).text();
    expect(staffPage).toContain('5 of 5');
    expect(staffPage).not.toContain(token);
    const audits = await portal.db.selectFrom('audit_events').select('action').where('target_id', '=', request.id).execute();
    expect(audits.filter((a) => a.action === 'request.package_download')).toHaveLength(5);
    expect(audits.filter((a) => a.action === 'request.package_created')).toHaveLength(1);

    // The last download queued the purge; the job deletes the bytes and keeps the record.
    const job = await portal.db.selectFrom('jobs').select(['kind', 'payload']).where('kind', '=', 'package.purge').where('dedupe_key', 'like', '%:used').executeTakeFirst();
    expect(job).toBeDefined();
    const pkg = await portal.db.selectFrom('access_packages').select('id').where('request_id', '=', request.id).executeTakeFirstOrThrow();
    expect(await purgePackage(portal.db, pkg.id)).toBe(true);
    const after = await portal.db.selectFrom('access_packages').selectAll().where('id', '=', pkg.id).executeTakeFirstOrThrow();
    expect(after.ciphertext).toBeNull();
    expect(after.deleted_at).not.toBeNull();
    expect(await portal.db.selectFrom('package_chunks').select('seq').where('package_id', '=', pkg.id).execute()).toEqual([]);
  });
});

describe('expiry and the account door', () => {
  let subject: TestUser;
  let other: TestUser;
  let requestId: string;
  let mine: string;

  beforeAll(async () => {
    subject = await createUser(portal.db, { role: 'subject' });
    // Signed in before the package is built: the session is part of what the portal holds.
    mine = await createSessionCookie(portal.db, subject);
    other = await createUser(portal.db, { role: 'subject' });
    // The account holder's portability needs them signed in (issue 21.3): they confirm it from their account, which makes it theirs.
    const { request, verifyToken } = await fileRequest(portal.db, { type: 'portability', email: subject.email });
    expect((await confirmVerification(portal.db, verifyToken!, { rules })).status).toBe('verified');
    expect(await confirmSignedIn(portal.db, { requestId: request.id, userId: subject.id, ip: null }, { rules })).toBe('confirmed');
    expect((await postForm(`/staff/requests/${request.id}`, { intent: 'start', version: requestVersion(await current(request.id)) })).status).toBe(302);
    expect((await current(request.id)).user_id).toBe(subject.id);
    requestId = request.id;
    expect((await complete(requestId, 'Your data, to take elsewhere.')).status).toBe(302);
  });

  it('lets the owner download through their account, and nobody else', async () => {
    const res = await fetch(`${portal.url}/account/requests/${requestId}/package`, { headers: { Cookie: mine } });
    expect(res.status).toBe(200);
    const data = JSON.parse(strFromU8(unzipSync(new Uint8Array(await res.arrayBuffer()))['data.json']!));
    expect(data.account.email).toBe(subject.email);
    expect(data.account.sessions.length).toBeGreaterThan(0);

    const theirs = await createSessionCookie(portal.db, other);
    expect((await fetch(`${portal.url}/account/requests/${requestId}/package`, { headers: { Cookie: theirs }, redirect: 'manual' })).status).toBe(404);
    const anonymous = await fetch(`${portal.url}/account/requests/${requestId}/package`, { redirect: 'manual' });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toMatch(/^\/login/);
    // Staff tools are staff's: a subject gets 403 on the preview and the upload page.
    expect((await fetch(`${portal.url}/staff/requests/${requestId}/package-preview`, { headers: { Cookie: mine }, redirect: 'manual' })).status).toBe(403);
    expect((await upload(requestId, [{ name: 'x.csv', bytes: CSV }], mine)).status).toBe(403);
    const log = await packageForStaff(portal.db, requestId);
    expect(log!.downloadLog.map((d) => d.via)).toEqual(['account']);
  });

  it('stops working after its days and is deleted by the purge', async () => {
    const later = new Date(Date.now() + (ACCESS_PACKAGE.downloadDays + 1) * 86_400_000);
    expect(await downloadPackage(portal.db, { requestId, via: 'account', userId: subject.id, ip: null }, { exportKey: portal.config.secrets.exportKey, now: later })).toBeNull();
    const pkg = await portal.db.selectFrom('access_packages').select('id').where('request_id', '=', requestId).executeTakeFirstOrThrow();
    expect(await purgePackage(portal.db, pkg.id, new Date())).toBe(false); // not yet due
    expect(await purgePackage(portal.db, pkg.id, later)).toBe(true);
    const job = await portal.db.selectFrom('jobs').select('run_at').where('kind', '=', 'package.purge').where('dedupe_key', '=', `package.purge:${pkg.id}:expiry`).executeTakeFirstOrThrow();
    expect(new Date(job.run_at).getTime()).toBeGreaterThan(Date.now() + (ACCESS_PACKAGE.downloadDays - 1) * 86_400_000);
  });

  it('gives staff a preview before completing, audited', async () => {
    const request = await inProgress({ type: 'access' });
    await upload(request.id, [{ name: 'orders.csv', bytes: CSV }]);
    const res = await fetch(`${portal.url}/staff/requests/${request.id}/package-preview`, { headers: { Cookie: staffCookie } });
    expect(res.status).toBe(200);
    const files = Object.keys(unzipSync(new Uint8Array(await res.arrayBuffer())));
    expect(files).toContain('files/orders.csv');
    const audit = await portal.db.selectFrom('audit_events').select('actor_id').where('action', '=', 'request.package_preview').where('target_id', '=', request.id).execute();
    expect(audit).toEqual([{ actor_id: staff.id }]);
  });
});
