import { formatDay } from '../../app/utils/i18n';
import { describe, expect, inject, it } from 'vitest';
import { signInPage } from '../support/users';
import { expectAccessible, useBrowser, visit } from './browser';

const b = useBrowser();

describe('subprocessors in the browser', () => {
  it('admin plans a subprocessor; it is announced on the page and in the feeds; a customer objects; staff see and answer it', async () => {
    const { page } = b;
    const name = `Journey Analytics ${Date.now()}`;
    await signInPage(page, inject('admin'));
    await visit(page, '/staff/subprocessors');
    await page.getByRole('link', { name: 'Plan a new subprocessor' }).click();
    await page.waitForURL('**/staff/subprocessors/new');
    await expectAccessible(page);

    // A first try inside the notice period is refused with the field marked and what was typed kept.
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByLabel('Legal entity').fill('Journey Analytics GmbH');
    await page.getByLabel('Purpose').fill('Product analytics for the portal');
    await page.getByLabel('Data categories').fill('Usage events\nIP addresses');
    await page.getByLabel('Processing locations').fill('de, at');
    await page.getByLabel('Transfer mechanism').selectOption('eea-only');
    await page.getByLabel('Website').fill('https://journey.example/');
    const earliest = await page.getByLabel('Effective date').inputValue();
    const dayBefore = new Date(Date.parse(`${earliest}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('Effective date').fill(dayBefore);
    await page.getByRole('button', { name: 'Announce the new subprocessor' }).click();
    await expect.poll(() => page.getByText(`choose ${earliest} or later`).count(), { timeout: 20_000 }).toBe(1);
    await expect(page.getByLabel('Effective date').getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.getByLabel('Name', { exact: true }).inputValue()).resolves.toBe(name);
    await expectAccessible(page);

    await page.getByLabel('Effective date').fill(earliest);
    await page.getByRole('button', { name: 'Announce the new subprocessor' }).click();
    await page.waitForURL((url) => url.pathname === '/staff/subprocessors' && url.searchParams.has('done'));
    await expect.poll(() => page.getByRole('status').textContent()).toContain(`${name} is announced for ${earliest}`);

    // The public page and the feeds show it as a planned change.
    const visitor = await b.browser.newContext({ baseURL: b.baseURL });
    const customer = await visitor.newPage();
    await visit(customer, '/subprocessors');
    const planned = customer.getByRole('region', { name: 'Planned changes' }).getByRole('listitem').filter({ hasText: name });
    await expect(planned.textContent()).resolves.toContain(`Addition of ${name}Takes effect on ${formatDay('en', earliest)}.`);
    for (const feed of ['/subprocessors/feed.rss', '/subprocessors/feed.atom', '/subprocessors/feed.json']) {
      const body = await (await customer.request.get(feed)).text();
      expect(body, feed).toContain(`Addition of ${name}`);
    }

    // A customer objects from the planned change.
    await planned.getByRole('link', { name: 'Object to this change' }).click();
    await customer.waitForURL('**/subprocessors/changes/*');
    await customer.waitForLoadState('networkidle');
    await expectAccessible(customer);
    await customer.getByLabel('Organisation').fill('Customer Co');
    await customer.getByLabel('Contact email').fill('dpo@customer.example');
    await customer.getByLabel('Reason for objecting').fill('We do not allow product analytics on our users.');
    await customer.getByRole('button', { name: 'Send objection' }).click();
    await expect.poll(() => customer.getByText('Your objection has been received').count(), { timeout: 20_000 }).toBe(1);
    await expectAccessible(customer);
    await visitor.close();

    // Staff see it in the console and answer.
    await visit(page, '/staff/objections');
    await page.getByRole('link', { name: 'Customer Co' }).click();
    await page.waitForURL('**/staff/objections/*');
    await expectAccessible(page);
    await expect(page.getByText('We do not allow product analytics on our users.').count()).resolves.toBe(1);
    await page.getByLabel('Your answer (sent by email)').fill('Analytics will run on pseudonymised data only; you may opt out.');
    await page.getByRole('button', { name: 'Send answer' }).click();
    await page.waitForURL((url) => url.pathname === '/staff/objections' && url.searchParams.get('answered') === '1');
    await expectAccessible(page);
    // The refused first try is a 400 by design; anything else (CSP, hydration) is a failure.
    expect(b.consoleErrors.filter((e) => !e.includes('status of 400'))).toEqual([]);
  });

  it('is readable on a phone and prints without its forms', async () => {
    const { page } = b;
    await page.setViewportSize({ width: 360, height: 740 });
    await visit(page, '/subprocessors');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    // Each row is a card with its labels.
    const label = await page.locator('tbody td[data-label="Purpose"]').first().evaluate((el) => getComputedStyle(el, '::before').content);
    expect(label).toContain('Purpose');
    await page.emulateMedia({ media: 'print' });
    expect(await page.getByRole('button', { name: 'Subscribe' }).isVisible()).toBe(false);
    expect(await page.getByRole('table').isVisible()).toBe(true);
  });

  it('subscribes from the page; the confirm and unsubscribe pages ask before acting', async () => {
    const { page } = b;
    await visit(page, '/subprocessors');
    const section = page.getByRole('region', { name: 'Get email alerts' });
    await section.getByLabel('Email address').fill(`reader-${Date.now()}@example.org`);
    await section.getByRole('button', { name: 'Subscribe' }).click();
    await page.waitForURL((url) => url.pathname === '/subprocessors/subscribe');
    await expect.poll(() => page.getByText('Check your inbox').count()).toBe(1);
    await expectAccessible(page);
    await visit(page, '/subprocessors/subscribe/confirm?token=not-a-real-token-at-all');
    await page.getByRole('button', { name: 'Confirm my subscription' }).click();
    await expect.poll(() => page.getByText('This link is not valid').count()).toBe(1);
    await expectAccessible(page);
    await visit(page, '/subprocessors/unsubscribe?token=1.forged');
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await expect.poll(() => page.getByText('This unsubscribe link is not valid').count()).toBe(1);
    await expectAccessible(page);
  });

  it('shows the list as it stood on a past date from the form, without JavaScript', async () => {
    const context = await b.browser.newContext({ baseURL: b.baseURL, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto('/subprocessors');
    await page.getByLabel('Show the list as it stood on').fill('2025-01-01');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/subprocessors' && url.search === '?at=2025-01-01');
    // axe needs scripts; this page is checked with them in the tests above.
    await expect(page.getByRole('rowheader', { name: 'Mailchimp' }).count()).resolves.toBe(1);
    await context.close();
  });
});
