import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { signInPage } from '../support/users';
import { describe, expect, inject, it } from 'vitest';
import { computeDueDate, formatDueDate } from '../../app/models/requests/deadlines';
import { expectAccessible, useBrowser, visit } from './browser';

const b = useBrowser();

/** Waits for the server's worker to write the message for `to` as an .eml file, and parses it. */
async function mailTo(to: string, subjectPart: string) {
  const dir = path.join(inject('dataDir'), 'mail');
  const deadline = Date.now() + 30_000;
  for (;;) {
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml')) : [];
    for (const file of files) {
      const parsed = await simpleParser(fs.readFileSync(path.join(dir, file)));
      const recipient = Array.isArray(parsed.to) ? parsed.to[0]?.text : parsed.to?.text;
      if (recipient === to && parsed.subject?.includes(subjectPart)) return parsed;
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${to} about "${subjectPart}"`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('a data-subject request in a real browser', () => {
  it('files a request, confirms it from the emailed link, sees the due date, and withdraws it', async () => {
    const email = `journey.${Date.now()}@example.org`;
    const { page } = b;
    await visit(page, '/requests/new');
    await page.getByLabel('Rectification (Art. 16)').check();
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Full name').fill('Journey <Tester>');
    await page.getByLabel('Details').fill('My postal address is wrong.\nIt should be 1 Main Street.');
    await page.getByLabel('Myself').check();
    await page.getByLabel(/I confirm that I am the person/).check();
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    await expectAccessible(page);

    const receipt = await mailTo(email, 'Confirm your request');
    const link = /https?:\/\/\S+\/verify\/[A-Za-z0-9_-]{43}/.exec(receipt.text ?? '')?.[0];
    expect(link).toBeTruthy();
    expect(receipt.html).toContain(link!);

    await visit(page, new URL(link!).pathname);
    await page.getByRole('heading', { name: 'Confirm your request' }).waitFor();
    await expect(page.getByText('Journey <Tester>').isVisible()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Confirm my request' }).click();
    await page.getByRole('heading', { name: /^Request DSR-\d{4}-\d{6}$/ }).waitFor();
    await page.waitForLoadState('networkidle');
    await expectAccessible(page);
    expect(new URL(page.url()).pathname).toMatch(/^\/status\/s\/[A-Za-z0-9_-]{43}$/);
    // The server counts in its PORTAL_TIMEZONE (the default, Europe/London) from the moment of confirmation.
    const due = formatDueDate(computeDueDate({ receivedAt: new Date() }, { timeZone: 'Europe/London', holidays: [] }));
    await expect(page.getByText(due).isVisible()).resolves.toBe(true);
    await expect(page.getByText('Received', { exact: true }).first().isVisible()).resolves.toBe(true);

    // The link is spent: opening it again says so and offers a new one.
    const statusPath = new URL(page.url()).pathname;
    await visit(page, new URL(link!).pathname);
    await page.getByRole('heading', { name: 'This link has already been used' }).waitFor();
    await page.getByRole('button', { name: 'Email me a new link' }).click();
    await page.getByText('a new link is on its way').waitFor();
    await expectAccessible(page);
    await visit(page, statusPath);

    const verified = await mailTo(email, 'Your request is confirmed');
    expect(verified.text).toContain(`We will answer by ${due}.`);

    await page.getByRole('button', { name: 'Withdraw request' }).click();
    await page.getByText('Withdrawn', { exact: true }).waitFor();
    await expect(page.getByRole('button', { name: 'Withdraw request' }).count()).resolves.toBe(0);
    await expectAccessible(page);
    await mailTo(email, 'Your request was withdrawn');
    expect(b.consoleErrors).toEqual([]);
  });

  it('works without JavaScript: errors are shown next to their fields and announced', async () => {
    const context = await b.browser.newContext({ baseURL: inject('baseURL'), javaScriptEnabled: false });
    const page = await context.newPage();
    try {
      // axe-core runs as page script, so the accessibility check of this state is done with JS on below.
      await page.goto('/requests/new');
      await page.getByLabel('Objection (Art. 21)').check();
      await page.getByLabel('Email address').fill('not an email');
      await page.getByRole('button', { name: 'Send request' }).click();
      await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
      const emailField = page.getByLabel('Email address');
      await expect(emailField.getAttribute('aria-invalid')).resolves.toBe('true');
      await expect(emailField.inputValue()).resolves.toBe('not an email');
      const describedBy = (await emailField.getAttribute('aria-describedby'))!.split(' ')[0]!;
      await expect(page.locator(`#${describedBy}`).textContent()).resolves.toBe(
        'Enter an email address in the form name@example.com',
      );
      // Once in the summary at the top (a link to the field) and once beside the field.
      await expect(page.getByText('Say which processing you object to and why').count()).resolves.toBe(2);
      await expect(page.locator('#field-details-error').textContent()).resolves.toBe('Say which processing you object to and why');
    } finally {
      await context.close();
    }
    await visit(b.page, '/requests/new');
    await b.page.getByRole('button', { name: 'Send request' }).click();
    await b.page.getByRole('heading', { name: 'There is a problem' }).waitFor();
    await expectAccessible(b.page);
  });

  it('a signed-in subject files without a link and follows the request from the account', async () => {
    const { page } = b;
    const email = `account.${Date.now()}@example.org`;
    const password = `a long test passphrase ${Date.now()}`;
    await visit(page, '/signup');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: /create account|sign up/i }).click();
    await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();
    await signInPage(page, { email, password });
    // Only a confirmed account address files without a link: confirm it from the delivered mail.
    const confirmation = await mailTo(email, 'Confirm your email address');
    const confirmLink = /https?:\/\/\S+\/account\/confirm\/[A-Za-z0-9_-]{43}/.exec(confirmation.text ?? '')?.[0];
    expect(confirmLink).toBeTruthy();
    await visit(page, new URL(confirmLink!).pathname);
    await Promise.all([
      page.waitForURL((url) => url.pathname === '/account'),
      page.getByRole('button', { name: 'Confirm my email address' }).click(),
    ]);
    await page.getByText('Your email address is confirmed.').waitFor();
    await visit(page, '/requests/new');
    await expect(page.getByLabel('Email address').inputValue()).resolves.toBe(email);
    await page.getByLabel('Erasure (Art. 17)').check();
    await page.getByLabel('Full name').fill('Account Holder');
    await page.getByLabel('Myself').check();
    await page.getByLabel(/I confirm that I am the person/).check();
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.getByRole('heading', { name: /^Request DSR-\d{4}-\d{6}$/ }).waitFor();
    await page.waitForLoadState('networkidle');
    await expectAccessible(page);
    expect(new URL(page.url()).pathname).toMatch(/^\/account\/requests\/\d+$/);
    await visit(page, '/account/requests');
    await expect(page.getByRole('link', { name: /^DSR-\d{4}-\d{6}$/ }).count()).resolves.toBe(1);
    await expect(page.getByText('Received', { exact: true }).isVisible()).resolves.toBe(true);
  });

  it('an unknown confirmation link gets a clear page', async () => {
    const response = await visit(b.page, `/verify/${'x'.repeat(43)}`);
    expect(response?.status()).toBe(404);
    await expect(b.page.getByRole('heading', { name: 'Link not recognised' }).isVisible()).resolves.toBe(true);
  });
});
