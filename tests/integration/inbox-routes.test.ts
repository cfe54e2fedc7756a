import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import AxeBuilder from '@axe-core/playwright';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dovecotMissing, startDovecot, type TestDovecot } from '../support/dovecot';
import { startTestPortal, type TestPortal } from '../support/portal';
import { addSessionCookie, createSessionCookie, createUser } from '../support/users';

/**
 * The privacy mailbox through the real server (the Remix build, PGlite or PostgreSQL): the
 * portal's own job queue polls a real Dovecot (INBOX_IMAP_URL); staff see the item as text,
 * nothing is fetched from the remote host the HTML points at, subjects are refused, and the
 * actions answer as they should (a refused form keeps what was typed).
 */
const missing = dovecotMissing();
if (missing) console.warn(missing);

describe.skipIf(Boolean(missing))('privacy mailbox pages', () => {
  let portal: TestPortal;
  let dovecot: TestDovecot;
  let remote: http.Server;
  let remoteHits = 0;
  let remoteUrl = '';
  const cookies = { staff: '', subject: '' };

  beforeAll(async () => {
    remote = http.createServer((_req, res) => {
      remoteHits += 1;
      res.end('x');
    });
    await new Promise<void>((r) => remote.listen(0, '127.0.0.1', () => r()));
    remoteUrl = `http://127.0.0.1:${(remote.address() as { port: number }).port}`;
    dovecot = await startDovecot();
    await dovecot.append(
      `From: Grace Hopper <grace@sender.test>\r\nSubject: Erase me <now>\r\nDate: Wed, 02 Dec 2026 10:00:00 +0100\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<script>alert('owned')</script><p>Please erase my data.</p><img src="${remoteUrl}/pixel.gif"><link rel="stylesheet" href="${remoteUrl}/x.css">\r\n`,
    );
    portal = await startTestPortal({ INBOX_IMAP_URL: dovecot.url, INBOX_IMAP_PASSWORD: dovecot.password, INBOX_POLL_SECONDS: '10' });
    const staff = await createUser(portal.db, { role: 'staff' });
    const subject = await createUser(portal.db, { role: 'subject' });
    cookies.staff = await createSessionCookie(portal.db, staff);
    cookies.subject = await createSessionCookie(portal.db, subject);
  });
  afterAll(async () => {
    await portal?.stop();
    await dovecot?.stop();
    if (remote) await new Promise((r) => remote.close(r));
  });

  const get = (path: string, who: keyof typeof cookies) => fetch(`${portal.url}${path}`, { redirect: 'manual', headers: { Cookie: cookies[who] } });
  const post = (path: string, fields: Record<string, string>) =>
    fetch(`${portal.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: cookies.staff, 'Content-Type': 'application/x-www-form-urlencoded', Origin: portal.url },
      body: new URLSearchParams(fields).toString(),
    });

  it('the job queue polls the mailbox; staff see the message as text and nothing remote is fetched', async () => {
    let id: string | undefined;
    for (let i = 0; i < 150 && !id; i += 1) {
      id = (await portal.db.selectFrom('inbox_items').select('id').executeTakeFirst())?.id;
      if (!id) await new Promise((r) => setTimeout(r, 200));
    }
    expect(id, 'the poll job took the message').toBeDefined();
    console.log('[inbox-routes] polled by the job queue', id);
    const list = await get('/staff/inbox', 'staff');
    expect(list.status).toBe(200);
    const listHtml = await list.text();
    expect(listHtml).toContain(`/staff/inbox/${id}`);
    expect(listHtml).toContain('Erase me &lt;now&gt;');
    const page = await get(`/staff/inbox/${id}`, 'staff');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Please erase my data.');
    expect(html).not.toContain("alert('owned')");
    expect(html).not.toContain(remoteUrl);
    expect(html).not.toContain('<img');
    await new Promise((r) => setTimeout(r, 200));
    expect(remoteHits).toBe(0);
    const fr = await fetch(`${portal.url}/staff/inbox/${id}`, { headers: { Cookie: cookies.staff, 'Accept-Language': 'fr' } });
    expect(await fr.text()).toContain('Transformer en demande');
  });

  it('is for staff only', async () => {
    expect((await get('/staff/inbox', 'subject')).status).toBe(403);
    const anonymous = await fetch(`${portal.url}/staff/inbox`, { redirect: 'manual' });
    expect([302, 303]).toContain(anonymous.status);
    expect((await get('/staff/inbox/not-an-id', 'staff')).status).toBe(404);
  });

  it('staff download an attachment as a file that is never rendered, audited; nobody else can, and ids must match', async () => {
    const html = Buffer.from('<script>alert(1)</script><p>My data</p>');
    const raw = [
      'From: Ada <ada@sender.test>',
      'Subject: With a file',
      'Date: Thu, 03 Dec 2026 09:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'My ID is attached.',
      '--b1',
      'Content-Type: text/html; name="=?UTF-8?Q?Bericht_=C3=BCber_mich.html?="',
      'Content-Disposition: attachment; filename="=?UTF-8?Q?Bericht_=C3=BCber_mich.html?="',
      'Content-Transfer-Encoding: base64',
      '',
      html.toString('base64'),
      '--b1--',
      '',
    ].join('\r\n');
    const { storeInboxMessage } = await import('../../app/models/inbox/inbox.server');
    const itemId = (await storeInboxMessage(portal.db, { mailbox: 'FILES', uidvalidity: '7', uid: 1, source: Buffer.from(raw) }, portal.config.secrets.exportKey))!;
    const att = await portal.db.selectFrom('inbox_attachments').select(['id', 'filename']).where('item_id', '=', itemId).executeTakeFirstOrThrow();
    expect(att.filename).toBe('Bericht über mich.html');
    const href = `/staff/inbox/${itemId}/attachments/${att.id}`;
    expect(await (await get(`/staff/inbox/${itemId}`, 'staff')).text()).toContain(`href="${href}"`);

    const res = await get(href, 'staff');
    expect(res.status).toBe(200);
    // The sender said text/html; nobody checked it, so it is served as bytes to save, never to render.
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="Bericht _ber mich.html"; filename*=UTF-8''Bericht%20%C3%BCber%20mich.html`);
    // The portal's own headers come too (Remix appends a route's to them): every policy given is enforced.
    expect(res.headers.get('x-content-type-options')).toMatch(/^nosniff(, nosniff)?$/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'; sandbox");
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(Buffer.from(await res.arrayBuffer()).equals(html)).toBe(true);
    const opened = await portal.db.selectFrom('audit_events').selectAll().where('action', '=', 'inbox.attachment_opened').where('target_id', '=', itemId).execute();
    expect(opened).toHaveLength(1);
    expect(opened[0]!.details).toMatchObject({ attachmentId: att.id, filename: 'Bericht über mich.html', bytes: html.length });

    expect((await get(href, 'subject')).status).toBe(403);
    expect([302, 303]).toContain((await fetch(`${portal.url}${href}`, { redirect: 'manual' })).status);
    // The attachment under another item, an id that is none, and ids that are not ids.
    const other = (await portal.db.selectFrom('inbox_items').select('id').where('id', '!=', itemId).executeTakeFirstOrThrow()).id;
    expect((await get(`/staff/inbox/${other}/attachments/${att.id}`, 'staff')).status).toBe(404);
    expect((await get(`/staff/inbox/${itemId}/attachments/00000000-0000-4000-8000-000000000009`, 'staff')).status).toBe(404);
    expect((await get(`/staff/inbox/${itemId}/attachments/1`, 'staff')).status).toBe(404);
    expect(await portal.db.selectFrom('audit_events').select('id').where('action', '=', 'inbox.attachment_opened').execute()).toHaveLength(1);
  });

  it('in Chromium: no request leaves for the remote host, axe finds nothing serious, and the Nu checker finds no error (en, de, fr)', async () => {
    const item = await portal.db.selectFrom('inbox_items').select('id').executeTakeFirstOrThrow();
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-inbox-vnu-'));
    const requested: string[] = [];
    try {
      for (const lang of ['en', 'de', 'fr']) {
        const context = await browser.newContext({ baseURL: portal.url, locale: lang, extraHTTPHeaders: { 'Accept-Language': lang } });
        await addSessionCookie(context, portal.url, cookies.staff);
        const page = await context.newPage();
        page.on('request', (r) => requested.push(r.url()));
        for (const [name, url] of [['list', '/staff/inbox?show=all'], ['item', `/staff/inbox/${item.id}`]] as const) {
          const res = await page.goto(url);
          expect(res?.status()).toBe(200);
          await page.waitForLoadState('networkidle');
          const results = await new AxeBuilder({ page }).analyze();
          expect(results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
          fs.writeFileSync(path.join(dir, `${lang}-${name}.html`), await (await fetch(`${portal.url}${url}`, { headers: { Cookie: cookies.staff, 'Accept-Language': lang } })).text());
        }
        await context.close();
      }
    } finally {
      await browser.close();
    }
    expect(requested.filter((u) => !u.startsWith(portal.url))).toEqual([]);
    expect(remoteHits).toBe(0);
    const vnu = path.join('node_modules', 'vnu-jar', 'build', 'dist', 'vnu.jar');
    const files = fs.readdirSync(dir).map((f) => path.join(dir, f));
    const { stdout, stderr } = await promisify(execFile)('java', ['-jar', vnu, '--errors-only', '--format', 'gnu', ...files]).catch((error: { stdout: string; stderr: string }) => error);
    expect(`${stdout}${stderr}`.trim()).toBe('');
    console.log('[inbox-routes] browser requests', requested.length, 'all to the portal; remote host hits', remoteHits, '; vnu errors 0 on', files.length, 'pages');
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('actions: a refused form keeps what was typed; "turn into a request" leads to the prefilled form; all audited', async () => {
    const item = await portal.db.selectFrom('inbox_items').select('id').executeTakeFirstOrThrow();
    const bad = await post(`/staff/inbox/${item.id}`, { intent: 'attach', reference: 'DSR-2099-999999' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('value="DSR-2099-999999"');
    const noReason = await post(`/staff/inbox/${item.id}`, { intent: 'dismiss', reason: '  ' });
    expect(noReason.status).toBe(400);
    const convert = await post(`/staff/inbox/${item.id}`, { intent: 'convert' });
    expect(convert.status).toBe(302);
    const to = new URL(convert.headers.get('Location')!, portal.url);
    expect(to.pathname).toBe('/staff/requests/new');
    expect(Object.fromEntries(to.searchParams)).toEqual({ channel: 'email', received_at: '2026-12-02T09:00:00.000Z', email: 'grace@sender.test', name: 'Grace Hopper', inbox: item.id });
    const dismissed = await post(`/staff/inbox/${item.id}`, { intent: 'dismiss', reason: 'Sent twice' });
    expect(dismissed.status).toBe(302);
    expect((await post(`/staff/inbox/${item.id}`, { intent: 'dismiss', reason: 'again' })).status).toBe(409);
    const actions = (await portal.db.selectFrom('audit_events').select('action').where('action', 'like', 'inbox.%').execute()).map((r) => r.action);
    for (const a of ['inbox.received', 'inbox.listed', 'inbox.viewed', 'inbox.conversion_started', 'inbox.dismissed']) expect(actions).toContain(a);
  });
});
