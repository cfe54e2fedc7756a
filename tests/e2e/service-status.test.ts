import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { signInPage } from '../support/users';
import { expectAccessible, useBrowser, visit } from './browser';

const b = useBrowser();
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

async function noSidewaysScroll(page: Page) {
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
}

/** The staff console's component form, as a person fills it. */
async function addComponent(page: Page, name: string, options: { group?: string; kind?: 'group' } = {}) {
  await visit(page, '/staff/service-status/components/new');
  await page.getByLabel('Name').fill(name);
  if (options.kind === 'group') await page.getByLabel('A group of components').check();
  if (options.group) await page.getByLabel('Group (components only)').selectOption({ label: options.group });
  await page.getByRole('button', { name: 'Add it' }).click();
  await page.waitForURL((url) => url.pathname === '/staff/service-status' && url.searchParams.has('done'));
}

describe('the service-status page in Chromium', () => {
  const stamp = Date.now().toString(36);
  const group = `Portal ${stamp}`;
  const website = `Website ${stamp}`;
  const mail = `Email delivery ${stamp}`;
  const title = `Slow pages ${stamp}`;

  it('staff open an incident from a template and resolve it; visitors on a phone follow it, with history and bars', async () => {
    const { page } = b;
    await page.setViewportSize(DESKTOP);
    await signInPage(page, inject('admin'));
    await addComponent(page, group, { kind: 'group' });
    await addComponent(page, website, { group });
    await addComponent(page, mail);

    // A template fills the form; without JavaScript it is a GET form.
    await visit(page, '/staff/service-status/incidents/new');
    await page.getByLabel('Start from a template').selectOption('identified');
    await page.getByRole('button', { name: 'Use this template' }).click();
    await page.waitForURL((url) => url.searchParams.get('template') === 'identified');
    // The URL changes before React renders the new form: wait for the template's phrase.
    await expect.poll(() => page.getByLabel('Message').inputValue(), { timeout: 10_000 }).toBe('The issue has been identified and a fix is being implemented.');
    await expect(page.getByLabel('Status', { exact: true }).inputValue()).resolves.toBe('identified');
    // A refusal keeps what was typed (a title of spaces passes the browser's check, not the server's).
    await page.getByLabel('Title').fill('   ');
    await page.getByRole('button', { name: 'Open the incident' }).click();
    await expect.poll(() => page.getByText('Enter a title').count()).toBe(1);
    await expect(page.getByLabel('Message').inputValue()).resolves.toBe('The issue has been identified and a fix is being implemented.');
    await expectAccessible(page);
    await page.getByLabel('Title').fill(title);
    await page.getByLabel('Impact').selectOption('major');
    await page.getByLabel(`${group}: ${website}`).selectOption('partial_outage');
    await page.getByRole('button', { name: 'Open the incident' }).click();
    await page.waitForURL((url) => /^\/staff\/service-status\/incidents\/\d+$/.test(url.pathname));
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 10_000 }).toContain('The incident is open and published.');
    await expectAccessible(page);
    const incidentUrl = new URL(page.url()).pathname.replace('/staff', '');
    // The handover to the breach register (issue 23 item 5).
    await expect(page.getByRole('link', { name: 'Open an availability-breach record' }).getAttribute('href')).resolves.toMatch(/^\/staff\/breaches\/new\?incident=\d+$/);

    // A visitor on a phone: banner, the incident with its timestamped update, the bars in words.
    const visitor = await b.browser.newContext({ baseURL: b.baseURL, viewport: PHONE });
    const phone = await visitor.newPage();
    await visit(phone, '/service-status');
    await noSidewaysScroll(phone);
    await expect(phone.locator('.status-banner').textContent()).resolves.toContain('Partial system outage');
    const card = phone.getByRole('article', { name: title });
    await expect(card.textContent()).resolves.toContain('Identified');
    await expect(card.textContent()).resolves.toMatch(/\d{4} at \d{2}:\d{2} \((Greenwich Mean Time|British Summer Time)\)/);
    await expect(card.textContent()).resolves.toContain(`${website}: Operational → Partial outage`);
    const bars = phone.getByRole('list', { name: `${website}, last 90 days` });
    await expect(bars.getByRole('listitem').count()).resolves.toBe(90);
    // Not colour alone: each day says what it was, and days before the start date say so.
    await expect(bars.getByRole('listitem').last().textContent()).resolves.toMatch(/: Partial outage, \d+(\.\d+)? % uptime$/);
    await expect(bars.getByRole('listitem').first().textContent()).resolves.toContain('no data, before monitoring began');
    await expect(phone.getByText('Times are shown in').count()).resolves.toBe(1);

    // German, same page.
    await visit(phone, '/service-status?lng=de');
    await expect(phone.locator('.status-banner').textContent()).resolves.toContain('Teilweiser Ausfall');
    await expect(phone.getByRole('heading', { name: 'Komponenten' }).count()).resolves.toBe(1);
    await visit(phone, '/service-status?lng=en');

    // Staff resolve it from the "resolved" template; components go back to operational.
    await visit(page, `/staff${incidentUrl}?template=resolved`);
    await expect(page.getByLabel('Message').inputValue()).resolves.toBe('This incident has been resolved.');
    await page.getByLabel('Status', { exact: true }).selectOption('resolved');
    await page.getByRole('button', { name: 'Publish the update' }).click();
    await page.waitForURL((url) => url.searchParams.get('done') === 'updated');
    await page.getByLabel('Postmortem (public)').fill('A cache node ran out of memory; it now restarts before that happens.');
    await page.getByRole('button', { name: 'Publish the postmortem' }).click();
    await page.waitForURL((url) => url.searchParams.get('done') === 'postmortem');
    await expectAccessible(page);

    await visit(phone, '/service-status');
    await expect(phone.locator('.status-banner').textContent()).resolves.toContain('All systems operational');
    await expect(phone.getByRole('article', { name: title }).count()).resolves.toBe(0);
    await visit(phone, incidentUrl);
    await noSidewaysScroll(phone);
    // Newest first: the postmortem, the resolution, the first update.
    const updates = await phone.locator('.updates > li').allTextContents();
    expect(updates).toHaveLength(3);
    expect(updates[1]).toContain('This incident has been resolved.');
    expect(updates[2]).toContain('The issue has been identified and a fix is being implemented.');
    await expect(phone.getByRole('heading', { name: 'Postmortem' }).count()).resolves.toBe(1);
    await visit(phone, '/service-status/history');
    await expect(phone.getByRole('article', { name: title }).count()).resolves.toBe(1);
    await noSidewaysScroll(phone);
    // A month that is not one is a 400 with a message, never a 500.
    const bad = await phone.goto('/service-status/history?month=2026-13');
    expect(bad!.status()).toBe(400);
    await expect(phone.getByRole('alert').textContent()).resolves.toContain('YYYY-MM');
    await expectAccessible(phone);
    await visitor.close();
    expect(b.consoleErrors.filter((e) => !e.includes('status of 400'))).toEqual([]);
    // A whole story (three components, an incident from template to postmortem, two viewports,
    // two languages, four axe runs): more than the suite's 60 s when the shared machine is busy.
  }, 180_000);

  it('the public page and subscribing work without JavaScript', async () => {
    const context = await b.browser.newContext({ baseURL: b.baseURL, javaScriptEnabled: false, viewport: PHONE });
    const page = await context.newPage();
    await page.goto('/service-status');
    await page.getByRole('link', { name: 'Get alerts by email' }).click();
    await page.getByLabel('Email address').fill(`nojs-${stamp}@example.org`);
    await page.getByLabel('Only the components I choose').check();
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await expect(page.getByText('Choose at least one component').count()).resolves.toBe(1);
    await expect(page.getByLabel('Email address').inputValue()).resolves.toBe(`nojs-${stamp}@example.org`);
    await page.getByLabel(mail).check();
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await expect(page.getByText('Check your inbox').count()).resolves.toBe(1);
    await context.close();
    // With scripts, for axe.
    await b.page.setViewportSize(DESKTOP);
    await visit(b.page, '/service-status/subscribe');
  });

  it("Atlassian's status widget renders the portal's status from another origin", async () => {
    // The published bundle assigns the global parcelRequire under "use strict": the page declares it first.
    const widget = path.resolve(__dirname, '../../node_modules/@statuspage/status-widget/dist/index.js');
    const other = http.createServer((req, res) => {
      if (req.url === '/widget.js') {
        res.writeHead(200, { 'Content-Type': 'text/javascript' });
        res.end(fs.readFileSync(widget));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="en"><head><title>Customer site</title><script>var parcelRequire;</script><script src="/widget.js"></script></head><body><main><h1>Our shop</h1><statuspage-widget src="${b.baseURL}" appearance="badge"></statuspage-widget><statuspage-widget src="${b.baseURL}"></statuspage-widget></main></body></html>`);
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      const { page } = b;
      const summary = page.waitForResponse((r) => r.url() === `${b.baseURL}/api/v2/summary.json`);
      await page.goto(`${origin}/`);
      expect((await summary).status()).toBe(200);
      const expected = ((await (await fetch(`${b.baseURL}/api/v2/status.json`)).json()) as { status: { description: string } }).status.description;
      await expect.poll(() => page.locator('statuspage-widget').first().evaluate((el) => el.shadowRoot?.textContent ?? el.textContent ?? ''), { timeout: 15_000 }).toContain(expected);
      await expect.poll(() => page.locator('statuspage-widget').last().evaluate((el) => el.shadowRoot?.textContent ?? el.textContent ?? '')).toContain(expected);
      expect(b.consoleErrors).toEqual([]);
    } finally {
      await new Promise((r) => other.close(r));
    }
  });

  it('an administrator issues a monitor key, sees it once, and revokes it', async () => {
    const { page } = b;
    await page.setViewportSize(PHONE);
    await signInPage(page, inject('admin'));
    await visit(page, '/staff/service-status/api-keys');
    await noSidewaysScroll(page);
    await page.getByLabel('Name').fill(`Kuma ${stamp}`);
    await page.getByRole('button', { name: 'Issue the key' }).click();
    await expect.poll(() => page.locator('.token-once').count()).toBe(1);
    const key = (await page.locator('.token-once').textContent())!;
    expect(key).toMatch(/^ppst_[\w-]{43}$/);
    await expectAccessible(page);
    const ok = await fetch(`${b.baseURL}/api/v1/uptime-kuma/1`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` }, body: '{"heartbeat":null,"msg":"Uptime Kuma Webhook Testing"}' });
    expect(ok.status).toBeLessThan(500);
    expect(ok.status).not.toBe(401);
    // Reloaded, the key is not shown again.
    await visit(page, '/staff/service-status/api-keys');
    expect(await page.content()).not.toContain(key);
    await page.getByRole('button', { name: `Revoke Kuma ${stamp}` }).click();
    await expect.poll(() => page.getByText('The key is revoked.').count()).toBe(1);
    const refused = await fetch(`${b.baseURL}/api/v1/uptime-kuma/1`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` }, body: '{"heartbeat":null,"msg":"x"}' });
    expect(refused.status).toBe(401);
  });

  it('the public status pages are valid HTML (Nu checker) in every language', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-status-vnu-'));
    // The first test of this file opened and resolved an incident: its page is checked too.
    const list = (await (await fetch(`${b.baseURL}/api/v2/incidents.json`)).json()) as { incidents: { id: string }[] };
    expect(list.incidents.length).toBeGreaterThan(0);
    const pages = ['/service-status', '/service-status/history', '/service-status/subscribe', `/service-status/incidents/${list.incidents[0]!.id}`];
    for (const lang of ['en', 'de', 'fr']) {
      for (const [i, url] of pages.entries()) {
        const res = await fetch(`${b.baseURL}${url}`, { headers: { 'Accept-Language': lang } });
        expect(res.status, url).toBe(200);
        fs.writeFileSync(path.join(dir, `${lang}-${i}.html`), await res.text());
      }
    }
    const files = fs.readdirSync(dir).map((f) => path.join(dir, f));
    const vnu = path.join('node_modules', 'vnu-jar', 'build', 'dist', 'vnu.jar');
    const { stdout, stderr } = await promisify(execFile)('java', ['-jar', vnu, '--errors-only', '--format', 'gnu', ...files]).catch((error: { stdout: string; stderr: string }) => error);
    expect(`${stdout}${stderr}`.trim()).toBe('');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
