import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { linkIn, waitForMail } from '../support/mailbox';
import { signInOverHttp, signInPage } from '../support/users';
import { expectAccessible, useBrowser, visit } from './browser';

/**
 * /staff/reports and /transparency in Chromium at phone (390 px) and desktop (1366 px) width
 * with axe, and their HTML, charts' SVG included, through the Nu checker. The requests are
 * filed, confirmed and refused the way people do it.
 */
const b = useBrowser();
const run = promisify(execFile);
const VNU = path.join('node_modules', 'vnu-jar', 'build', 'dist', 'vnu.jar');
const lastYear = String(new Date().getUTCFullYear() - 1);

async function fileAndConfirm(type: string, email: string) {
  const base = inject('baseURL');
  const form = await (await fetch(`${base}/requests/new`)).text();
  const submissionId = /name="submissionId" value="([^"]+)"/.exec(form)![1]!;
  const sent = await fetch(`${base}/requests/new`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: base },
    body: new URLSearchParams({ submissionId, type, email, name: 'Report Tester', requesterRole: 'self', confirm: 'yes', details: 'For the report.' }),
  });
  expect(sent.status).toBe(302);
  const token = linkIn(await waitForMail(inject('dataDir'), email, 'Confirm your request'), '/verify/').split('/').pop()!;
  const confirmed = await fetch(`${base}/verify/${token}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: base },
    body: new URLSearchParams({ intent: 'confirm' }),
  });
  expect([302, 303]).toContain(confirmed.status);
}

describe('reports in a real browser', () => {
  it('staff refuse a request with a ground, and the report counts it by that ground', async () => {
    const stamp = Date.now();
    await fileAndConfirm('erasure', `report.erasure.${stamp}@example.org`);
    await fileAndConfirm('access', `report.access.${stamp}@example.org`);
    const { page } = b;
    await signInPage(page, inject('admin'));
    // Other files' tests share this server: count before, and expect one more after.
    const erasureExemptions = async () =>
      Number(await page.getByRole('row', { name: /Erasure exemption applies/ }).getByRole('cell').last().textContent());
    await visit(page, '/staff/reports');
    const before = await erasureExemptions();
    await visit(page, `/staff/requests?q=report.erasure.${stamp}%40example.org`);
    await page.getByRole('link', { name: /^DSR-/ }).first().click();
    await page.getByRole('heading', { name: /DSR-/ }).first().waitFor();
    await page.waitForLoadState('networkidle');
    await page.getByText('Refuse the request').click(); // the refusal form sits in a closed disclosure
    await page.getByLabel('Ground for refusing (counted in the reports)').selectOption('erasure_exemption');
    await page.getByLabel('Reason for refusing (emailed to the subject)').fill('We must keep invoices for six years.');
    await page.getByRole('button', { name: 'Refuse and send' }).click();
    await page.getByText('Refused; the subject was emailed').waitFor();

    await visit(page, '/staff');
    await page.getByRole('link', { name: 'Reports', exact: true }).click();
    await page.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();
    expect(await erasureExemptions()).toBe(before + 1);
    expect(b.consoleErrors).toEqual([]);
  });

  it('the report and its charts read well at phone and desktop size; the filters and the printable page work', async () => {
    const { page } = b;
    await signInPage(page, inject('admin'));
    await visit(page, '/staff/reports');
    await page.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();
    for (const width of [1366, 390]) {
      await page.setViewportSize({ width, height: width > 500 ? 900 : 844 });
      await expectAccessible(page);
      await expect(page.getByRole('img', { name: 'Requests received per week, by type' }).isVisible()).resolves.toBe(true);
      for (const name of ['Answers by the share of the time allowed they used', 'Answers given on time, by month', 'Requests open at the end of each week']) {
        expect(await page.getByRole('img', { name }).count()).toBe(1);
      }
      // No part of the page is wider than the screen.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    }

    // The filters are a plain GET form.
    await page.getByLabel('Type', { exact: true }).selectOption('erasure');
    await page.getByRole('button', { name: 'Show' }).click();
    // The URL changes before React renders the new page: wait for the page itself.
    await page.getByText('Erasure requests, every channel').waitFor();
    expect(page.url()).toMatch(/type=erasure/);
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Printable page' }).click();
    await page.getByRole('heading', { name: /^Request report:/ }).waitFor();
    await expectAccessible(page);
    expect(b.consoleErrors).toEqual([]);
    // Five axe runs over a long page (a year of weekly rows): over a minute on a busy 2-core machine.
  }, 150_000);

  it('an administrator publishes last year; the public report reads well at phone and desktop size', async () => {
    const { page } = b;
    await signInPage(page, inject('admin'));
    await visit(page, `/staff/reports/transparency?year=${lastYear}`);
    const publish = page.getByRole('button', { name: `Publish ${lastYear}` });
    if (await publish.count()) {
      await publish.click();
      await page.getByText(`${lastYear} is published.`).waitFor();
    }
    await expectAccessible(page);
    for (const width of [1366, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await visit(page, '/transparency');
      await page.getByRole('heading', { name: `Transparency report ${lastYear}` }).waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    }
    await visit(page, '/transparency?lng=de');
    await page.getByRole('heading', { name: `Transparenzbericht ${lastYear}` }).waitFor();
    await visit(page, '/transparency?lng=fr');
    await page.getByRole('heading', { name: `Rapport de transparence ${lastYear}` }).waitFor();
    expect(b.consoleErrors).toEqual([]);
  });

  it('the report pages, their charts and the public report have no Nu checker errors', async () => {
    const base = inject('baseURL');
    const cookie = await signInOverHttp(base, inject('admin'));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-vnu-reports-'));
    const thisYear = String(new Date().getUTCFullYear());
    const pages: [string, string, Record<string, string>][] = [
      ['report-year', `/staff/reports?period=${thisYear}`, { Cookie: cookie }],
      ['report-month', `/staff/reports?period=${thisYear}-${String(new Date().getUTCMonth() + 1).padStart(2, '0')}`, { Cookie: cookie }],
      ['report-custom', `/staff/reports?period=custom&from=${lastYear}-11-15&to=${thisYear}-02-10&type=erasure`, { Cookie: cookie }],
      ['report-error', '/staff/reports?type=gossip', { Cookie: cookie }],
      ['report-print', `/staff/reports/print?period=${thisYear}`, { Cookie: cookie }],
      ['transparency-admin', `/staff/reports/transparency?year=${lastYear}`, { Cookie: cookie }],
      ['transparency-en', '/transparency', { 'Accept-Language': 'en' }],
      ['transparency-de', '/transparency', { 'Accept-Language': 'de' }],
      ['transparency-fr', `/transparency/${lastYear}`, { 'Accept-Language': 'fr' }],
    ];
    for (const [name, url, headers] of pages) {
      const res = await fetch(`${base}${url}`, { headers });
      expect(res.status, url).toBe(name === 'report-error' ? 400 : 200);
      const html = await res.text();
      if (name.startsWith('report-') && name !== 'report-error') expect(html.match(/<svg[^>]*role="img"/g), url).toHaveLength(4);
      fs.writeFileSync(path.join(dir, `${name}.html`), html);
    }
    const files = fs.readdirSync(dir).map((f) => path.join(dir, f));
    const { stdout, stderr } = await run('java', ['-jar', VNU, '--errors-only', '--format', 'gnu', ...files]).catch(
      (error: { stdout: string; stderr: string }) => error,
    );
    expect(`${stdout}${stderr}`.trim()).toBe('');
    expect(files).toHaveLength(pages.length);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
