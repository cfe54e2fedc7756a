import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, inject, it } from 'vitest';
import { linkIn, waitForMail } from '../support/mailbox';
import { signInOverHttp, signInPage } from '../support/users';
import { expectAccessible, useBrowser, visit } from './browser';

/**
 * The data map in Chromium (issue 20): an administrator imports a fideslang map, declares an
 * activity through the form and sees its gaps, publishes the notice; every page passes axe at
 * phone and desktop width and the Nu checker, and so does the access summary drawn from the map
 * in English, German and French.
 */
const b = useBrowser();
const run = promisify(execFile);
const VNU = path.join('node_modules', 'vnu-jar', 'build', 'dist', 'vnu.jar');
// The browser suite's server has no demo registry: the subprocessor link is tested in tests/integration/datamap.test.ts.
const FIXTURE = fs.readFileSync(new URL('../fixtures/datamap/three-systems.yml', import.meta.url), 'utf8').replace('        subprocessor: mailchimp\n', '');

async function systemIdByName(cookie: string, name: string): Promise<string> {
  const html = await (await fetch(`${inject('baseURL')}/staff/systems`, { headers: { Cookie: cookie } })).text();
  const match = new RegExp(`href="/staff/systems/([0-9a-f-]{36})">${name}<`).exec(html);
  if (!match) throw new Error(`no system ${name}`);
  return match[1]!;
}

describe('the data map in a real browser', () => {
  it('an administrator imports a map, declares an activity with gaps, and publishes the notice; the pages read well at phone and desktop size', async () => {
    const { page } = b;
    await signInPage(page, inject('admin'));
    await visit(page, '/staff/data-map');
    await page.getByLabel('Or paste the document (up to 64 KB)').fill(FIXTURE);
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByText('Imported: 3 systems added').waitFor();

    await visit(page, '/staff/systems');
    await page.getByRole('link', { name: 'Support desk' }).click();
    await page.getByRole('heading', { name: 'Support desk', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Declare an activity' }).click();
    await page.getByRole('heading', { name: 'Declare an activity' }).waitFor();
    await page.waitForLoadState('networkidle');
    await page.getByLabel('Name of the activity').fill('Satisfaction survey');
    await page.getByLabel('Purpose', { exact: true }).fill('To ask customers how we did after a ticket.');
    await page.getByLabel('Data use (fideslang)').selectOption('essential.service.operations.support');
    await page.getByRole('checkbox', { name: /^User Contact Email user\.contact\.email$/ }).check();
    await page.getByRole('checkbox', { name: /^Customer customer$/ }).check();
    await page.getByRole('radio', { name: 'Consent (Art. 6(1)(a) GDPR)' }).check();
    await page.getByRole('radio', { name: /^Forever/ }).check();
    await page.getByRole('button', { name: 'Save the activity' }).click();
    await page.getByText('2 gaps to fix').waitFor();
    await expect(page.getByText('The data is kept forever.').isVisible()).resolves.toBe(true);

    const cookie = await signInOverHttp(inject('baseURL'), inject('admin'));
    const support = await systemIdByName(cookie, 'Support desk');
    for (const width of [1366, 390]) {
      await page.setViewportSize({ width, height: width > 500 ? 900 : 844 });
      for (const url of [
        '/staff/systems',
        `/staff/systems/${support}`,
        `/staff/systems/${support}/activity`,
        '/staff/data-map',
        '/staff/record-of-processing',
        '/staff/record-of-processing?lang=de',
        '/staff/record-of-processing/print?lang=fr',
      ]) {
        await visit(page, url);
        expect(await page.evaluate(() => document.documentElement.scrollWidth), `${url} at ${width}`).toBeLessThanOrEqual(width);
      }
    }
    await visit(page, '/staff/data-map');
    await page.getByRole('button', { name: 'Publish the public notice' }).click();
    await page.getByText('The public notice is published').waitFor();
    for (const width of [1366, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await visit(page, '/privacy/processing');
      await page.getByRole('heading', { name: 'How we process personal data', level: 1 }).waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    }
    await visit(page, '/privacy/processing?lng=de');
    await page.getByRole('heading', { name: 'Wie wir personenbezogene Daten verarbeiten' }).waitFor();
    expect(b.consoleErrors).toEqual([]);
  }, 240_000);

  it('the pages, and summary.html of a request answered by two of three systems in en, de and fr, have no Nu checker errors', async () => {
    const base = inject('baseURL');
    const cookie = await signInOverHttp(base, inject('admin'));
    const ids = { crm: await systemIdByName(cookie, 'Customer CRM'), newsletter: await systemIdByName(cookie, 'Mailchimp newsletter'), support: await systemIdByName(cookie, 'Support desk') };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-vnu-datamap-'));
    const post = (url: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(`${base}${url}`, { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: base, ...headers }, body: new URLSearchParams(fields) });
    for (const lang of ['en', 'de', 'fr'] as const) {
      const email = `datamap.${lang}.${Date.now()}@example.org`;
      const form = await (await fetch(`${base}/requests/new?lng=${lang}`)).text();
      const submissionId = /name="submissionId" value="([^"]+)"/.exec(form)![1]!;
      const sent = await post(`/requests/new?lng=${lang}`, { submissionId, type: 'access', email, name: 'Map Tester', requesterRole: 'self', confirm: 'yes' }, { 'Accept-Language': lang });
      expect(sent.status).toBe(302);
      const token = linkIn(await waitForMail(inject('dataDir'), email, ''), '/verify/').split('/').pop()!;
      expect([302, 303]).toContain((await post(`/verify/${token}?lng=${lang}`, { intent: 'confirm' })).status);
      const queue = await (await fetch(`${base}/staff/requests?q=${encodeURIComponent(email)}`, { headers: { Cookie: cookie } })).text();
      const requestId = /href="\/staff\/requests\/(\d+)"/.exec(queue)![1]!;
      const staffPage = await (await fetch(`${base}/staff/requests/${requestId}`, { headers: { Cookie: cookie } })).text();
      const version = /name="version" value="([^"]+)"/.exec(staffPage)![1]!;
      expect((await post(`/staff/requests/${requestId}`, { intent: 'start', version }, { Cookie: cookie })).status).toBe(302);
      for (const [id, outcome] of [
        [ids.crm, 'data'],
        [ids.newsletter, 'data'],
        [ids.support, 'no_data'],
      ] as const) {
        expect((await post(`/staff/requests/${requestId}/systems`, { systemId: id, outcome, note: '' }, { Cookie: cookie })).status).toBe(302);
      }
      const zip = unzipSync(new Uint8Array(await (await fetch(`${base}/staff/requests/${requestId}/package-preview`, { headers: { Cookie: cookie } })).arrayBuffer()));
      const summary = strFromU8(zip['summary.html']!);
      expect(summary).toContain(`lang="${lang}"`);
      expect(summary).toContain({ en: 'Customer contracts', de: 'Kundenverträge', fr: 'Contrats clients' }[lang]);
      expect(summary).not.toContain('Answer support tickets');
      fs.writeFileSync(path.join(dir, `summary-${lang}.html`), summary);
      if (lang === 'en') fs.writeFileSync(path.join(dir, 'request-systems.html'), await (await fetch(`${base}/staff/requests/${requestId}/systems`, { headers: { Cookie: cookie } })).text());
    }
    const pages: Array<[string, string, Record<string, string>]> = [
      ['systems', '/staff/systems', { Cookie: cookie }],
      ['system', `/staff/systems/${ids.crm}`, { Cookie: cookie }],
      ['activity-new', `/staff/systems/${ids.crm}/activity`, { Cookie: cookie }],
      ['data-map', '/staff/data-map', { Cookie: cookie }],
      ['vocabulary', '/staff/data-map/vocabulary', { Cookie: cookie }],
      ['record', '/staff/record-of-processing', { Cookie: cookie }],
      ['record-processor', '/staff/record-of-processing?view=processor&lang=de', { Cookie: cookie }],
      ['record-print', '/staff/record-of-processing/print?lang=fr', { Cookie: cookie }],
      ['notice-en', '/privacy/processing', { 'Accept-Language': 'en' }],
      ['notice-de', '/privacy/processing', { 'Accept-Language': 'de' }],
    ];
    for (const [name, url, headers] of pages) {
      const res = await fetch(`${base}${url}`, { headers });
      expect(res.status, url).toBe(200);
      fs.writeFileSync(path.join(dir, `${name}.html`), await res.text());
    }
    const files = fs.readdirSync(dir).map((f) => path.join(dir, f));
    const { stdout, stderr } = await run('java', ['-jar', VNU, '--errors-only', '--format', 'gnu', ...files]).catch((error: { stdout: string; stderr: string }) => error);
    expect(`${stdout}${stderr}`.trim()).toBe('');
    expect(files).toHaveLength(pages.length + 4);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 240_000);
});
