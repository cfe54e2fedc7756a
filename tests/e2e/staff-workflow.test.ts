import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { waitForMail } from '../support/mailbox';
import { signInPage } from '../support/users';
import { expectAccessible, useBrowser, visit } from './browser';

const b = useBrowser();

/** Nothing wider than the window: no sideways scrolling. */
const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/** A confirmed access request filed through the public form, with a long address and name (the queue's widest cells). */
async function fileConfirmedRequest(name: string, email: string): Promise<string> {
  const subject = await b.browser.newContext({ baseURL: inject('baseURL') });
  const sp = await subject.newPage();
  await visit(sp, '/requests/new');
  await sp.getByLabel('Access (Art. 15)').check();
  await sp.getByLabel('Email address').fill(email);
  await sp.getByLabel('Full name').fill(name);
  await sp.getByLabel('Myself').check();
  await sp.getByLabel(/I confirm that I am the person/).check();
  await sp.getByRole('button', { name: 'Send request' }).click();
  await sp.getByRole('heading', { name: 'Check your email' }).waitFor();
  const mail = await waitForMail(inject('dataDir'), email, 'Confirm your request');
  const link = /https?:\/\/\S+\/verify\/[A-Za-z0-9_-]{43}/.exec(mail.text ?? '')![0];
  await visit(sp, new URL(link).pathname);
  await sp.getByRole('button', { name: 'Confirm my request' }).click();
  const heading = await sp.getByRole('heading', { name: /^Request DSR-\d{4}-\d{6}$/ }).textContent();
  await subject.close();
  return heading!.replace('Request ', '');
}

describe('the staff queue, in a real browser', () => {
  it('finds a request by part of its name, keeps references on one line at 1366 px, exports CSV and reassigns in bulk', async () => {
    const tag = randomBytes(4).toString('hex');
    const name = `Maximiliane Wrapcheck-Oberhausen ${tag}`;
    const email = `a.rather.long.address.for.the.queue.${tag}@subdomain.example.org`;
    const reference = await fileConfirmedRequest(name, email);

    const { page } = b;
    await page.setViewportSize({ width: 1366, height: 768 });
    await signInPage(page, inject('admin'));
    await visit(page, '/staff/requests');
    await page.getByLabel('Search', { exact: true }).fill(`wrapcheck ${tag}`);
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByRole('link', { name: reference }).waitFor();
    await page.waitForLoadState('networkidle');
    await expectAccessible(page);
    // Every reference in the queue is one line: one box per link, never broken at its hyphens.
    const lines = await page.$$eval('.queue th.reference a', (links) => links.map((a) => a.getClientRects().length));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((n) => n === 1)).toBe(true);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/staff-queue-1366.png`, fullPage: true });

    // The CSV of this view.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download these requests as CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^requests-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    expect(csv).toContain(`"${reference}"`);
    expect(csv).toContain(`"${name}"`);

    // Bulk reassignment to the administrator.
    await page.getByLabel(`Select ${reference}`).check();
    await page.getByLabel('Assign to').selectOption({ label: inject('admin').email });
    await page.getByRole('button', { name: 'Assign selected' }).click();
    await page.getByText(`1 request assigned to ${inject('admin').email}.`).waitFor();
    await expectAccessible(page);
    await expect(page.getByRole('row', { name: new RegExp(reference) }).getByText(inject('admin').email).count()).resolves.toBe(1);

    // Phone width: the table reflows, nothing scrolls sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.waitForLoadState('networkidle');
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await expectAccessible(page);
    expect(b.consoleErrors).toEqual([]);
  });

  it('admins follow "Failed background jobs" from /staff to what failed; staff set their email notifications', async () => {
    const { page } = b;
    await signInPage(page, inject('admin'));
    await visit(page, '/staff');
    await page.getByRole('link', { name: /^Failed background jobs: \d+$/ }).click();
    await page.getByRole('heading', { name: 'Failed background jobs' }).waitFor();
    await page.waitForLoadState('networkidle');
    await expectAccessible(page);
    for (const width of [1366, 390]) {
      await page.setViewportSize({ width, height: 800 });
      expect(await overflow(page)).toBeLessThanOrEqual(0);
    }

    await visit(page, '/staff');
    await page.getByRole('link', { name: 'Email notifications' }).click();
    await page.getByRole('heading', { name: 'Email notifications' }).waitFor();
    await page.waitForLoadState('networkidle');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Turn these emails off' }).click();
    await page.getByText('They are now off.').waitFor();
    await page.getByRole('button', { name: 'Turn these emails on' }).click();
    await page.getByText('They are now on.').waitFor();
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(b.consoleErrors).toEqual([]);
  });
});
