import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, inject, it } from 'vitest';
import { intakeSchema } from '../../app/models/requests/intake-rules.server';
import { waitForMail } from '../support/mailbox';
import { SAMPLE_FILES } from '../support/requests';
import { signInPage } from '../support/users';
import { expectAccessible, useBrowser, visit } from './browser';

/**
 * Issue 18 in the browser: every field the request form accepts shows on the staff request
 * page (item 3), the action forms sit behind disclosures (item 14), the upload form is empty
 * after an upload (item 13), and the package's summary.html fits a phone (item 8).
 */
const b = useBrowser();

const mailTo = (to: string, subjectPart: string) => waitForMail(inject('dataDir'), to, subjectPart);

/** Files a request in a second browser context, confirms it by the emailed link, and returns its reference and status page. */
async function fileAndConfirm(fill: (page: import('playwright-core').Page) => Promise<void>, email: string) {
  const subject = await b.browser.newContext({ baseURL: inject('baseURL') });
  const sp = await subject.newPage();
  await visit(sp, '/requests/new');
  await sp.getByLabel('Email address').fill(email);
  await fill(sp);
  await sp.getByLabel(/I confirm that I am the person/).check();
  await sp.getByRole('button', { name: 'Send request' }).click();
  await sp.getByRole('heading', { name: 'Check your email' }).waitFor();
  const link = /https?:\/\/\S+\/verify\/[A-Za-z0-9_-]{43}/.exec((await mailTo(email, 'Confirm your request')).text ?? '')![0];
  await visit(sp, new URL(link).pathname);
  await sp.getByRole('button', { name: 'Confirm my request' }).click();
  const reference = (await sp.getByRole('heading', { name: /^Request DSR-\d{4}-\d{6}$/ }).textContent())!.replace('Request ', '');
  return { subject, sp, reference, statusPath: new URL(sp.url()).pathname };
}

async function openAsStaff(page: import('playwright-core').Page, reference: string) {
  await signInPage(page, inject('admin'));
  await visit(page, `/staff/requests?q=${reference}`);
  await page.getByRole('link', { name: reference }).click();
  await page.getByRole('heading', { name: new RegExp(reference) }).waitFor();
  await page.waitForLoadState('networkidle');
}

/** The text of the <dd> after the <dt> named `term`, within the first list that has it. */
async function fact(page: import('playwright-core').Page, term: string) {
  return page.locator(`dt:text-is("${term}") + dd`).first().innerText();
}

describe('the staff request page, in a real browser', () => {
  it('shows every field the request form accepts, as the subject gave it', async () => {
    const email = `allfields.${Date.now()}@example.org`;
    // What the subject types, by the form's field name. The schema's keys must all be here (or
    // be a control field), so a field added to the form without reaching staff fails this test.
    const given = {
      type: 'Access (Art. 15)',
      email,
      name: 'Rita Representative',
      requesterRole: 'A representative, for someone else',
      subjectName: 'Sam Subject',
      subjectEmail: `sam.${Date.now()}@example.org`,
      agentRelationship: 'Parent or guardian',
      scope: 'The loyalty programme and my order history',
      periodFrom: '2024-02-01',
      periodTo: '2025-01-31',
      accountIdentifier: 'LOYAL-55102',
      aliases: 'sam.old@example.org\n+44 20 7946 0000',
      preferredFormat: 'PDF summary',
      country: 'Austria',
      details: 'Please include the call recordings.',
    } as const;
    const control = ['confirm', 'submissionId'];
    expect(Object.keys(intakeSchema.shape).filter((k) => !control.includes(k)).sort()).toEqual(Object.keys(given).sort());

    const { subject, reference } = await fileAndConfirm(async (sp) => {
      await sp.getByLabel('Access (Art. 15)').check();
      await sp.getByLabel('Full name').fill(given.name);
      await sp.getByLabel('Someone else, who has authorised me to act for them').check();
      await sp.getByLabel('Name of the person you act for').fill(given.subjectName);
      await sp.getByLabel('Email of the person you act for').fill(given.subjectEmail);
      await sp.getByLabel('Your relationship to them').selectOption('parent');
      await sp.getByLabel('Authorisation document').setInputFiles({ name: 'authority.pdf', mimeType: 'application/pdf', buffer: SAMPLE_FILES.pdf });
      await sp.getByLabel('Which data or systems (optional)').fill(given.scope);
      await sp.getByLabel('From (optional)').fill(given.periodFrom);
      await sp.getByLabel('To (optional)').fill(given.periodTo);
      await sp.getByLabel('Account identifier (optional)').fill(given.accountIdentifier);
      await sp.getByLabel('Other names, emails or identifiers (optional)').fill(given.aliases);
      await sp.getByLabel('PDF summary').check();
      await sp.getByLabel('Country of residence (optional)').selectOption('AT');
      await sp.getByLabel('Details').fill(given.details);
    }, email);
    await subject.close();

    const { page } = b;
    await openAsStaff(page, reference);
    await expectAccessible(page);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toContain(given.type);
    const subjectLine = await fact(page, 'Subject');
    expect(subjectLine).toContain(given.name);
    expect(subjectLine).toContain(given.email);
    // The browser sends line breaks as CRLF (HTML's form encoding), and they are stored so.
    const lines = (text: string) => text.replace(/\r\n/g, '\n');
    await expect(fact(page, 'Filed by')).resolves.toBe(given.requesterRole);
    await expect(fact(page, 'Acting for')).resolves.toBe(`${given.subjectName} <${given.subjectEmail}>`);
    await expect(fact(page, 'Relationship')).resolves.toBe(given.agentRelationship);
    await expect(fact(page, 'Authorisation')).resolves.toBe('authority.pdf');
    await expect(fact(page, 'Which data or systems')).resolves.toBe(given.scope);
    await expect(fact(page, 'Period')).resolves.toBe('1 February 2024 to 31 January 2025');
    await expect(fact(page, 'Account identifier')).resolves.toBe(given.accountIdentifier);
    expect(lines(await fact(page, 'Other names, emails or identifiers'))).toBe(given.aliases);
    await expect(fact(page, 'Preferred format')).resolves.toMatch(/^PDF summary: the package adds summary\.pdf/);
    await expect(fact(page, 'Country of residence')).resolves.toBe('Austria (AT)');
    await expect(fact(page, 'Details')).resolves.toBe(given.details);
    // On a phone each term sits above its value: no value squeezed into a sliver beside a long term.
    await page.setViewportSize({ width: 390, height: 844 });
    const ddWidth = await page.locator('dt:text-is("Other names, emails or identifiers") + dd').first().evaluate((el) => el.getBoundingClientRect().width);
    expect(ddWidth).toBeGreaterThan(300);
    await expect(page.evaluate(() => document.documentElement.scrollWidth)).resolves.toBeLessThanOrEqual(390);
    await expectAccessible(page);
    // The authorisation opens for staff.
    const auth = await page.request.get((await page.getByRole('link', { name: 'authority.pdf' }).first().getAttribute('href'))!);
    expect(auth.status()).toBe(200);
    expect(b.consoleErrors).toEqual([]);
  });

  it('keeps all but the next action folded, Refuse in red, a failed form open with what was typed; the upload form empties; the summary fits a phone', async () => {
    const email = `folded.${Date.now()}@example.org`;
    const { subject, sp, reference, statusPath } = await fileAndConfirm(async (p) => {
      await p.getByLabel('Access (Art. 15)').check();
      await p.getByLabel('Full name').fill('Fold Tester');
      await p.getByLabel('Myself').check();
    }, email);

    const { page } = b;
    await openAsStaff(page, reference);
    await page.getByRole('button', { name: 'Start work' }).click();
    await page.getByText('Started.').waitFor();
    await page.waitForLoadState('networkidle');
    // Only completing is in view; the rest are closed disclosures.
    await page.getByRole('button', { name: 'Complete and send' }).waitFor();
    for (const hidden of ['Send question', 'Extend', 'Refuse and send']) {
      await expect(page.getByRole('button', { name: hidden, exact: true }).isVisible(), hidden).resolves.toBe(false);
    }
    const refuse = page.locator('summary', { hasText: 'Refuse the request' });
    const start = page.getByRole('button', { name: 'Complete and send' });
    const colour = (l: import('playwright-core').Locator) => l.evaluate((el) => getComputedStyle(el).color);
    const background = (l: import('playwright-core').Locator) => l.evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(await colour(refuse)).not.toBe(await colour(page.locator('summary', { hasText: 'Extend the deadline' })));
    await refuse.click();
    const refuseButton = page.getByRole('button', { name: 'Refuse and send' });
    await expect(refuseButton.isVisible()).resolves.toBe(true);
    expect(await background(refuseButton)).not.toBe(await background(start));
    await expectAccessible(page);

    // A failed extension comes back open, with the months kept and the reason asked for.
    await page.locator('summary', { hasText: 'Extend the deadline' }).click();
    await page.getByLabel('By').selectOption('1');
    await page.getByRole('button', { name: 'Extend', exact: true }).click();
    await page.getByText(/Enter the reason the subject will read|Write the reason/i).first().waitFor();
    await expect(page.getByLabel('By').inputValue()).resolves.toBe('1');
    await expect(page.getByLabel('Reason (the subject reads it)').isVisible()).resolves.toBe(true);
    await expectAccessible(page);

    // Item 13: after an upload the file input is empty again.
    await page.getByRole('link', { name: 'Prepare the package' }).click();
    await page.getByRole('heading', { name: new RegExp(`Package for ${reference}`) }).waitFor();
    await page.waitForLoadState('networkidle');
    const files = page.getByLabel(/^Files \(CSV/);
    await files.setInputFiles({ name: 'orders.csv', mimeType: 'text/csv', buffer: Buffer.from('order_id,amount\n1,2.50\n') });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByText('Added to the package.').waitFor();
    await page.getByRole('cell', { name: 'orders.csv', exact: true }).waitFor();
    await expect(files.evaluate((el: HTMLInputElement) => el.files?.length ?? 0)).resolves.toBe(0);

    // Complete it; the subject opens summary.html on a phone: nothing is wider than the screen.
    await page.getByRole('link', { name: `← ${reference}` }).click();
    await page.getByRole('heading', { name: new RegExp(reference) }).waitFor();
    await page.waitForLoadState('networkidle');
    await page.getByLabel('Outcome').selectOption('fulfilled');
    await page.getByLabel('Answer to the subject (emailed)').fill('Here is your data.');
    await page.getByRole('button', { name: 'Complete and send' }).click();
    await page.getByText('Completed; the subject was emailed the answer.').waitFor({ timeout: 10_000 });
    // Closed: no countdown, the closing line instead.
    await expect(fact(page, 'Closed')).resolves.toMatch(/^Closed \w+day \d{1,2} \w+ \d{4}, 0 days after receipt/);
    await expect(page.getByText(/days? left/).count()).resolves.toBe(0);

    await visit(sp, statusPath);
    const [download] = await Promise.all([sp.waitForEvent('download'), sp.getByRole('link', { name: /Download your data/ }).click()]);
    const zip = unzipSync(new Uint8Array(fs.readFileSync((await download.path())!)));
    // Opened from the unpacked ZIP, as the subject would: a file of its own, no portal CSP around it.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-summary-'));
    fs.writeFileSync(path.join(dir, 'summary.html'), zip['summary.html']!);
    const phoneContext = await b.browser.newContext({ viewport: { width: 390, height: 844 } });
    const phone = await phoneContext.newPage();
    await phone.goto(pathToFileURL(path.join(dir, 'summary.html')).href);
    const widths = await phone.evaluate(() => ({ page: document.documentElement.scrollWidth, view: window.innerWidth, tables: document.querySelectorAll('table').length }));
    expect(widths.view).toBe(390);
    expect(widths.tables).toBeGreaterThan(0);
    expect(widths.page).toBeLessThanOrEqual(widths.view);
    // Each reflowed cell names its column.
    await expect(phone.locator('td[data-label="Recipient"]').first().evaluate((el) => getComputedStyle(el, '::before').content)).resolves.toBe('"Recipient: "');
    await phoneContext.close();
    fs.rmSync(dir, { recursive: true, force: true });
    await subject.close();
    // The one 400 is the extension sent without a reason, on purpose.
    expect(b.consoleErrors.filter((e) => !e.includes('status of 400'))).toEqual([]);
  });
});
