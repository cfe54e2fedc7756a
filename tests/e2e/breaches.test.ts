import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { signInPage } from '../support/users';
import { expectAccessible, useBrowser, visit } from './browser';

const b = useBrowser();

/** A `datetime-local` value moved by whole hours (wall-clock arithmetic on the field's own value). */
function hoursBefore(local: string, hours: number): string {
  return new Date(Date.parse(`${local}:00Z`) - hours * 3_600_000).toISOString().slice(0, 16);
}

/** No sideways scrolling: the page fits the window it is shown in. */
async function expectNoOverflow(page: Page, what: string) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${what} scrolls sideways by ${overflow}px`).toBeLessThanOrEqual(0);
}

/** Submits with the named button and waits for the answer to the POST and the page it leads to. */
async function submit(page: Page, button: string, url: (u: URL) => boolean) {
  const posted = page.waitForResponse((r) => r.request().method() === 'POST');
  await page.getByRole('button', { name: button, exact: true }).click();
  await posted;
  await page.waitForURL(url);
  await page.waitForLoadState('networkidle');
}

describe('the breach register in the browser', () => {
  it('a breach recorded, filed with the authority in phases, and the people affected told in their languages', async () => {
    const { page } = b;
    const title = `Support inbox forwarded to a wrong address ${Date.now()}`;
    await signInPage(page, inject('admin'));
    await visit(page, '/staff/breaches');
    await page.getByRole('link', { name: 'Record a breach' }).click();
    await page.waitForURL('**/staff/breaches/new');
    await page.waitForLoadState('networkidle');
    await expectAccessible(page);

    // Awareness three hours after detection without a reason: refused, the field marked, what was typed kept.
    const aware = await page.getByLabel('Aware', { exact: true }).inputValue();
    await page.getByLabel('Title', { exact: true }).fill(title);
    await page.getByLabel('Detected', { exact: true }).fill(hoursBefore(aware, 3));
    await page.getByLabel(/^Confidentiality/).check();
    await page.getByLabel('What happened', { exact: true }).fill('A forwarding rule sent messages to the support inbox to an outside address.');
    await page.getByLabel('Categories of people affected').fill('Customers who wrote to support');
    await page.getByLabel('Approximate number of people').fill('40');
    await page.getByLabel('Categories of records').fill('Names, email addresses, message text');
    await page.getByLabel('Approximate number of records').fill('55');
    await page.getByLabel('Likely consequences').fill('A stranger may have read the messages; phishing.');
    await page.getByLabel('Measures taken or proposed').fill('Rule removed; the outside mailbox owner asked to delete.');
    await page.getByLabel(/^A high risk to people/).check();
    await page.getByLabel('Reasoning', { exact: true }).fill('Message text may hold anything, including health details.');
    await page.getByRole('button', { name: 'Record the breach' }).click();
    await expect.poll(() => page.getByText('Awareness is later than detection: say why').count()).toBeGreaterThan(0);
    await expect(page.getByLabel('Why awareness came later').getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.getByLabel('Title', { exact: true }).inputValue()).resolves.toBe(title);
    await expect(page.getByLabel(/^A high risk to people/).isChecked()).resolves.toBe(true);
    await expectAccessible(page);

    await page.getByLabel('Why awareness came later').fill('The forwarding rule was found first; whose messages went out took three hours to establish.');
    await submit(page, 'Record the breach', (u) => /^\/staff\/breaches\/[0-9a-f-]{36}$/.test(u.pathname) && u.searchParams.get('done') === 'recorded');
    const breachPath = new URL(page.url()).pathname;
    await expect.poll(() => page.getByRole('status').textContent()).toContain('The breach is recorded.');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toContain(title);
    await expect(page.getByText(/^Notify by the deadline: (2 days 23 hours|3 days) left/).count()).resolves.toBe(1);
    await expectAccessible(page);

    // The staff home shows what is owed, by when.
    await visit(page, '/staff');
    const owed = page.getByRole('region', { name: 'Breaches' }).getByRole('listitem').filter({ hasText: title });
    await expect(owed.textContent()).resolves.toMatch(/Notify by the deadline: (2 days 23 hours|3 days) left.*Deadline .+high risk: the people affected are not yet told/);

    // Filings in phases: initial, follow-up, final.
    await visit(page, breachPath);
    await page.getByRole('link', { name: 'Notify the authority' }).click();
    await page.waitForURL(`**${breachPath}/notify`);
    await page.waitForLoadState('networkidle');
    await expectAccessible(page);
    await page.getByLabel("Authority's reference").fill('HmbBfDI-2026-481');
    await page.getByLabel('What was sent').fill('Initial notification through the online form: nature, categories, contact.');
    await submit(page, 'Record the filing', (u) => u.pathname === `${breachPath}/notify` && u.searchParams.has('done'));
    await expect.poll(() => page.getByRole('status').textContent()).toContain('The filing is recorded.');
    await expect(page.getByText('Notified on time').count()).resolves.toBe(1);
    await expectAccessible(page);
    await page.getByLabel(/^Follow-up/).check();
    await page.getByLabel('What was sent').fill('The outside mailbox owner confirmed deletion.');
    await submit(page, 'Record the filing', (u) => u.pathname === `${breachPath}/notify`);
    await expect.poll(() => page.getByRole('listitem').filter({ hasText: /^Follow-up/ }).count()).toBe(1);
    await page.getByLabel('Final report').check();
    await page.getByLabel('What was sent').fill('Final report: causes and measures.');
    await submit(page, 'Record the filing', (u) => u.pathname === `${breachPath}/notify`);
    await expect.poll(() => page.getByText('The final report was filed: the record of filings is complete.').count()).toBe(1);
    await expectAccessible(page);

    // Art. 34: two people, one reading German; a text in each language; sent; delivery shown.
    await visit(page, breachPath);
    const filings = await page.locator('ol.timeline').first().textContent();
    expect(filings).toMatch(/Initial notification.*Follow-up.*Final report/s);
    await page.getByRole('link', { name: 'People affected (Art. 34)' }).click();
    await page.waitForURL(`**${breachPath}/subjects`);
    await page.waitForLoadState('networkidle');
    await expectAccessible(page);
    await page.getByLabel('Email addresses', { exact: true }).fill('hanna.e2e@example.de, de\nbob.e2e@example.org');
    await submit(page, 'Add to the list', (u) => u.searchParams.get('done') === 'add');
    await expect.poll(() => page.getByRole('status').textContent()).toContain('2 added to the list');

    await page.getByRole('link', { name: 'English (not written)' }).click();
    await page.waitForURL((u) => u.searchParams.get('lang') === 'en');
    await page.getByLabel('What happened (English)').fill('A mistake sent your message to our support team to a wrong address.');
    await page.getByLabel('What it may mean for the person (English)').fill('Someone outside our company may have read your message.');
    await page.getByLabel('What we did, and what they can do (English)').fill('We fixed the mistake. Be careful with unexpected emails.');
    await submit(page, 'Save the English text', (u) => u.searchParams.get('done') === 'draft');
    await page.getByRole('link', { name: 'Deutsch (not written)' }).click();
    await page.waitForURL((u) => u.searchParams.get('lang') === 'de');
    await page.getByLabel('What happened (Deutsch)').fill('Ein Fehler schickte Ihre Nachricht an unseren Support an eine falsche Adresse.');
    await page.getByLabel('What it may mean for the person (Deutsch)').fill('Jemand außerhalb unserer Firma könnte Ihre Nachricht gelesen haben.');
    await page.getByLabel('What we did, and what they can do (Deutsch)').fill('Wir haben den Fehler behoben. Seien Sie vorsichtig bei unerwarteten E-Mails.');
    await submit(page, 'Save the Deutsch text', (u) => u.searchParams.get('done') === 'draft');
    await page.getByText('The email in Deutsch').click();
    await expect(page.locator('pre.mail-body').textContent()).resolves.toContain('Jemand außerhalb unserer Firma');
    await expectAccessible(page);

    await page.getByLabel('I checked the people on the list and the text in each of their languages').check();
    await submit(page, 'Send to the people on the list', (u) => u.searchParams.get('done') === 'send');
    await expect.poll(() => page.getByRole('status').textContent()).toContain('2 emails are on their way');
    // The job worker delivers (to .eml files: the suite's server has no SMTP_URL); the page shows it.
    await expect
      .poll(
        async () => {
          await page.reload();
          return page.getByRole('cell', { name: /^Delivered / }).count();
        },
        { timeout: 30_000, interval: 1_000 },
      )
      .toBe(2);
    await expectAccessible(page);
    // The refused first try is a 400 by design; anything else (CSP, hydration) is a failure.
    expect(b.consoleErrors.filter((e) => !e.includes('status of 400'))).toEqual([]);
  }, 180_000);

  it('records a breach and files it without JavaScript, on a phone', async () => {
    const context = await b.browser.newContext({ baseURL: b.baseURL, javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await signInPage(page, inject('admin'));
    const title = `Backup disk unreadable ${Date.now()}`;
    await page.goto('/staff/breaches/new');
    await page.getByLabel('Title', { exact: true }).fill(title);
    await page.getByLabel(/^Availability/).check();
    await page.getByLabel('What happened', { exact: true }).fill('The nightly backup disk failed; customer records were unavailable for six hours.');
    await page.getByRole('button', { name: 'Record the breach' }).click();
    await page.waitForURL((u) => u.searchParams.get('done') === 'recorded');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toContain(title);
    await expect(page.getByText('Not yet assessed (treated as reportable until assessed)').count()).resolves.toBe(1);
    await expectNoOverflow(page, 'the record');

    await page.getByRole('link', { name: 'Notify the authority' }).click();
    await page.getByLabel('What was sent').fill('Initial notification by email.');
    await page.getByRole('button', { name: 'Record the filing' }).click();
    await page.waitForURL((u) => u.pathname.endsWith('/notify') && u.searchParams.has('done'));
    await expect(page.getByText('The filing is recorded.').count()).resolves.toBe(1);
    await expect(page.getByText('Notified on time').count()).resolves.toBe(1);
    await expectNoOverflow(page, 'the notify page');
    await context.close();
  });

  it('every breach page passes axe and fits a phone and a desktop', async () => {
    const { page } = b;
    await signInPage(page, inject('admin'));
    // The breaches recorded by the tests above (files run their tests in order).
    await page.goto('/staff/breaches');
    const first = page.getByRole('table').getByRole('link').first();
    const breachPath = new URL((await first.getAttribute('href'))!, b.baseURL).pathname;
    const reference = (await first.textContent())!;
    const pages = [
      '/staff',
      '/staff/breaches',
      '/staff/breaches/new',
      '/staff/breaches/new?incident=INC-7',
      breachPath,
      `${breachPath}/edit`,
      `${breachPath}/notify`,
      `${breachPath}/subjects`,
      `${breachPath}/subjects?lang=de`,
      '/staff/breaches/officers',
    ];
    // The high-risk breach of the first test, with its people told: the record and the Art. 34 page with the delivery table.
    const told = page.getByRole('row').filter({ hasText: 'Support inbox forwarded to a wrong address' }).getByRole('link').first();
    const toldPath = new URL((await told.getAttribute('href'))!, b.baseURL).pathname;
    pages.push(toldPath, `${toldPath}/subjects`);
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      for (const path of pages) {
        const res = await visit(page, path);
        expect(res?.status(), path).toBe(200);
        await expectNoOverflow(page, `${path} at ${width}px`);
      }
    }
    const exported = await page.request.get('/staff/breaches.csv');
    expect(exported.status()).toBe(200);
    expect(exported.headers()['content-type']).toContain('text/csv');
    expect(await exported.text()).toContain(reference);
    expect(b.consoleErrors).toEqual([]);
  }, 300_000);
});
