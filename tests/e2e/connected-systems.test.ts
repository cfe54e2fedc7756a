import { describe, expect, inject, it } from 'vitest';
import { startWebhookReceiver } from '../support/downstreams';
import { linkIn, waitForMail } from '../support/mailbox';
import { signInOverHttp, signInPage } from '../support/users';
import { useBrowser, visit } from './browser';

/**
 * Connected systems in Chromium (issue 19): an administrator adds a webhook system, connects it
 * to a receiver on loopback, creates its secret and tests it; a request fans out to it; the
 * receiver fails, the panel shows the failure, staff retry, the receiver calls back, and the
 * request completes. The pages pass axe at phone and desktop width and do not scroll sideways.
 */
const b = useBrowser();

describe('connected systems in a real browser', () => {
  it('an administrator connects a webhook system; a failed delivery is retried from the panel and the request completes', async () => {
    const { page } = b;
    const base = inject('baseURL');
    let secret = '';
    let failing = false;
    let systemPath = '';
    const receiver = await startWebhookReceiver({
      secret: () => secret,
      respond: () => (failing ? { status: 503 } : undefined),
      answer: () => ({ outcome: 'data', files: [{ name: 'tickets.csv', content_base64: Buffer.from('ticket,opened\nT-1,2026-11-30\n').toString('base64') }] }),
    });
    try {
      await signInPage(page, inject('admin'));
      await visit(page, '/staff/systems');
      const name = `Ticketing ${Date.now().toString(36)}`;
      await page.getByLabel('Name').fill(name);
      await page.getByLabel('Owner (a person)').fill('Tina Tickets');
      await page.getByLabel('Owner’s email').fill('tickets-owner@example.org');
      await page.getByRole('checkbox', { name: 'Access (Art. 15)' }).check();
      await page.getByRole('button', { name: 'Add the system' }).click();
      await page.getByRole('heading', { name, level: 1 }).waitFor().catch(async (e) => {
        await page.screenshot({ path: '/tmp/sys-fail.png', fullPage: true });
        throw e;
      });
      const systemUrl = new URL(page.url()).pathname;
      systemPath = systemUrl;

      await page.getByRole('radio', { name: 'Signed webhook (Standard Webhooks) with a callback' }).check();
      await page.getByLabel('Endpoint URL (webhook or OpenDSR base URL)').fill(`${receiver.url}/dsr`);
      await page.getByRole('checkbox', { name: /This endpoint is an internal host I allow by name/ }).check();
      await page.getByRole('checkbox', { name: 'Email address' }).check();
      await page.getByRole('button', { name: 'Save the connection' }).click();
      await page.getByText('The connection was saved.').waitFor();
      await expect(page.getByText(`Allowlisted internal host: 127.0.0.1`).isVisible()).resolves.toBe(true);

      await page.getByRole('button', { name: 'Create the signing secret' }).click();
      await page.getByText('it is shown this once').waitFor();
      secret = await page.getByLabel('Signing secret').inputValue();
      expect(secret).toMatch(/^whsec_/);
      await page.getByRole('button', { name: 'Test the connection' }).click();
      await page.getByText('The connection test passed').waitFor();
      await expect(page.getByText('answered 202 to a signed ping').isVisible()).resolves.toBe(true);
      // Reloaded, the page no longer holds the secret.
      await visit(page, systemUrl);
      expect(await page.content()).not.toContain(secret);

      // A request fans out to it on verification; the receiver is failing.
      failing = true;
      const email = `systems.${Date.now()}@example.org`;
      const form = await (await fetch(`${base}/requests/new`)).text();
      const submissionId = /name="submissionId" value="([^"]+)"/.exec(form)![1]!;
      const post = (url: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
        fetch(`${base}${url}`, { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: base, ...headers }, body: new URLSearchParams(fields) });
      expect((await post('/requests/new', { submissionId, type: 'access', email, name: 'Sam Systems', requesterRole: 'self', confirm: 'yes' })).status).toBe(302);
      const token = linkIn(await waitForMail(inject('dataDir'), email, ''), '/verify/').split('/').pop()!;
      expect([302, 303]).toContain((await post(`/verify/${token}`, { intent: 'confirm' })).status);
      const cookie = await signInOverHttp(base, inject('admin'));
      const queue = await (await fetch(`${base}/staff/requests?q=${encodeURIComponent(email)}`, { headers: { Cookie: cookie } })).text();
      const requestId = /href="\/staff\/requests\/(\d+)"/.exec(queue)![1]!;

      const panel = `/staff/requests/${requestId}/systems`;
      const row = () => page.getByRole('row', { name: new RegExp(name) });
      for (let i = 0; i < 60 && !(await row().textContent().catch(() => ''))?.includes('Failed'); i++) {
        await page.waitForTimeout(500);
        await visit(page, panel);
      }
      await expect(row().textContent()).resolves.toMatch(/Failed \(retrying\).*503: answered 503/s);
      for (const width of [1366, 390]) {
        await page.setViewportSize({ width, height: width > 500 ? 900 : 844 });
        for (const url of [panel, systemUrl, `/staff/requests/${requestId}`, '/staff', '/staff/requests?systems=failed']) {
          await visit(page, url);
          expect(await page.evaluate(() => document.documentElement.scrollWidth), `${url} at ${width}`).toBeLessThanOrEqual(width);
        }
      }
      await page.setViewportSize({ width: 1366, height: 900 });
      await visit(page, '/staff');
      await expect(page.getByRole('heading', { name: /Stuck system tasks/ }).isVisible()).resolves.toBe(true);

      // The receiver recovers; staff retry from the panel; it calls back with its file.
      failing = false;
      await visit(page, panel);
      await row().getByRole('button', { name: /Retry now/ }).click();
      await page.getByText('The task is being sent again now.').waitFor();
      for (let i = 0; i < 60 && !(await row().textContent())?.includes('Answered'); i++) {
        await page.waitForTimeout(500);
        await visit(page, panel);
      }
      await expect(row().textContent()).resolves.toMatch(/Answered.*Holds data about the person.*1 file/s);

      // Other systems the suite added (the data map's) answer by hand, through the same panel.
      for (;;) {
        const options = await page.getByLabel('System', { exact: true }).locator('option').allTextContents().catch(() => [] as string[]);
        const other = options.find((o) => o && o !== 'Choose…' && !o.startsWith('Choose'));
        if (!other) break;
        await page.getByLabel('System', { exact: true }).selectOption({ label: other });
        await page.getByLabel('Its answer').selectOption('no_data');
        await page.getByRole('button', { name: 'Record the answer' }).click();
        await page.getByText('The system’s answer was recorded.').waitFor();
      }

      await visit(page, `/staff/requests/${requestId}`);
      await page.getByRole('button', { name: 'Start work' }).click();
      await page.getByRole('heading', { name: 'Complete' }).waitFor();
      await page.getByLabel('Outcome').selectOption('fulfilled');
      await page.getByLabel('Answer to the subject (emailed)').fill('Here is your data, including the ticketing system’s.');
      await page.getByRole('button', { name: 'Complete and send' }).click();
      await page
        .getByText('Completed; the subject was emailed the answer.')
        .waitFor()
        .catch(async (e) => {
          await page.screenshot({ path: '/tmp/sys-complete.png', fullPage: true });
          throw e;
        });
      expect(receiver.refusedSignatures).toEqual([]);
      expect(b.consoleErrors).toEqual([]);
    } finally {
      // Disabled once done, so that the other browser suites' requests are not sent to a receiver that is gone.
      if (systemPath) {
        const admin = await signInOverHttp(base, inject('admin'));
        await fetch(`${base}${systemPath}?connection=disable`, { method: 'POST', redirect: 'manual', headers: { Cookie: admin, Origin: base, 'Content-Type': 'application/x-www-form-urlencoded' }, body: '' });
      }
      await receiver.close();
    }
  }, 240_000);
});
