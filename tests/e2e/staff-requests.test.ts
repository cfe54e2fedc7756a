import fs from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, inject, it } from 'vitest';
import { waitForMail } from '../support/mailbox';
import { addSessionCookie, signInOverHttp, signInPage, signUpOverHttp, uniqueEmail, uniquePassword } from '../support/users';
import { expectAccessible, useBrowser, visit } from './browser';

const b = useBrowser();

const mailTo = (to: string, subjectPart: string) => waitForMail(inject('dataDir'), to, subjectPart);

/** SCREENSHOTS=dir keeps a desktop and a phone-size PNG of the page (for looking at it). */
async function shoot(page: import('playwright-core').Page, name: string) {
  const dir = process.env.SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  const size = page.viewportSize();
  await page.screenshot({ path: `${dir}/${name}-desktop.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${dir}/${name}-phone.png`, fullPage: true });
  if (size) await page.setViewportSize(size);
}

describe('the staff console answers a request, in a real browser', () => {
  it('staff find a verified request in the queue, start it and ask; the subject replies; staff complete it with a package; the subject downloads it', async () => {
    const email = `staffjourney.${Date.now()}@example.org`;
    const subject = await b.browser.newContext({ baseURL: inject('baseURL') });
    const sp = await subject.newPage();
    await visit(sp, '/requests/new');
    await sp.getByLabel('Access (Art. 15)').check();
    await sp.getByLabel('Email address').fill(email);
    await sp.getByLabel('Full name').fill('Queue Tester');
    await sp.getByLabel('Details').fill('Please include my order history.');
    await sp.getByLabel('Myself').check();
    await sp.getByLabel(/I confirm that I am the person/).check();
    await sp.getByRole('button', { name: 'Send request' }).click();
    await sp.getByRole('heading', { name: 'Check your email' }).waitFor();
    const link = /https?:\/\/\S+\/verify\/[A-Za-z0-9_-]{43}/.exec((await mailTo(email, 'Confirm your request')).text ?? '')![0];
    await visit(sp, new URL(link).pathname);
    await sp.getByRole('button', { name: 'Confirm my request' }).click();
    const heading = await sp.getByRole('heading', { name: /^Request DSR-\d{4}-\d{6}$/ }).textContent();
    const reference = heading!.replace('Request ', '');
    const statusPath = new URL(sp.url()).pathname;

    const { page } = b;
    await signInPage(page, inject('admin'));
    await visit(page, '/staff');
    await page.getByRole('link', { name: 'Requests', exact: true }).click();
    await page.waitForLoadState('networkidle');
    await expectAccessible(page);
    await page.getByLabel('Search', { exact: true }).fill(reference);
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByRole('link', { name: reference }).click();
    await page.getByRole('heading', { name: new RegExp(reference) }).waitFor();
    await page.waitForLoadState('networkidle');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Start work' }).click();
    await page.getByText('Started.').waitFor();
    // Asking is behind its disclosure; completing is the action in view.
    await page.locator('summary', { hasText: 'Ask the subject for information' }).click();
    await page.getByLabel(/What you need/).fill('Which of your accounts is affected?');
    await page.getByRole('button', { name: 'Send question' }).click();
    await page.getByText('Question sent; the clock is paused.').waitFor();
    await expectAccessible(page);

    await mailTo(email, 'We need more information');
    await visit(sp, statusPath);
    await sp.getByRole('link', { name: 'Reply to the privacy team' }).click();
    await sp.waitForLoadState('networkidle');
    await sp.getByLabel('Your reply').fill('The customer account, number 1234.');
    await sp.getByRole('button', { name: 'Send reply' }).click();
    await sp.getByText('In progress', { exact: true }).first().waitFor();

    await page.reload();
    await page.waitForLoadState('networkidle');
    await expect(page.getByText('The customer account, number 1234.').isVisible()).resolves.toBe(true);
    // Files from other systems go into the package, checked by their content.
    await page.getByRole('link', { name: 'Prepare the package' }).click();
    await page.getByRole('heading', { name: new RegExp(`Package for ${reference}`) }).waitFor();
    await page.waitForLoadState('networkidle');
    await expectAccessible(page);
    const csv = 'order_id,date,amount\n1001,2026-01-03,19.90\n';
    await page.getByLabel(/^Files \(CSV/).setInputFiles({ name: 'orders.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByText('Added to the package.').waitFor();
    await expect(page.getByRole('cell', { name: 'orders.csv', exact: true }).isVisible()).resolves.toBe(true);
    await shoot(page, 'staff-package');
    await page.getByRole('link', { name: `← ${reference}` }).click();
    await page.getByRole('heading', { name: new RegExp(reference) }).waitFor();
    await page.waitForLoadState('networkidle');
    await page.getByLabel('Outcome').selectOption('fulfilled');
    await page.getByLabel('Answer to the subject (emailed)').fill('Here is your data, with your order history.');
    await page.getByRole('button', { name: 'Complete and send' }).click();
    await page.getByText('Completed; the subject was emailed the answer.').waitFor({ timeout: 10_000 });
    await page.getByText('0 of 5').waitFor();
    await shoot(page, 'staff-request-completed');
    await expectAccessible(page);

    const done = await mailTo(email, 'Your request is complete');
    expect(done.text).toContain('Here is your data, with your order history.');
    expect(done.text).toContain('ready to download');
    await visit(sp, statusPath);
    await sp.getByText('Completed', { exact: true }).first().waitFor();
    await sp.waitForLoadState('networkidle');
    await expectAccessible(sp);
    await shoot(sp, 'status-package');
    const [download] = await Promise.all([sp.waitForEvent('download'), sp.getByRole('link', { name: /Download your data/ }).click()]);
    expect(download.suggestedFilename()).toBe(`${reference}-data.zip`);
    const zip = unzipSync(new Uint8Array(fs.readFileSync((await download.path())!)));
    expect(strFromU8(zip['files/orders.csv']!)).toBe(csv);
    const data = JSON.parse(strFromU8(zip['data.json']!));
    expect(data.request.reference).toBe(reference);
    expect(data.requests[0].details).toBe('Please include my order history.');
    expect(strFromU8(zip['summary.html']!)).toContain('Art. 15(1)(h)');
    await visit(sp, statusPath);
    await sp.getByText(/4 downloads left/).waitFor();
    await subject.close();
    expect(b.consoleErrors).toEqual([]);
  });

  it('erases a subject: staff review and confirm, the account can no longer sign in, and staff see the proof record', async () => {
    const credentials = { email: uniqueEmail('erase'), password: uniquePassword() };
    const cookie = await signUpOverHttp(inject('baseURL'), credentials);
    const subject = await b.browser.newContext({ baseURL: inject('baseURL') });
    await addSessionCookie(subject, inject('baseURL'), cookie);
    const sp = await subject.newPage();
    await visit(sp, '/requests/new');
    await sp.getByLabel('Erasure (Art. 17)').check();
    const email = sp.getByLabel('Email address');
    if ((await email.inputValue()) === '') await email.fill(credentials.email);
    await sp.getByLabel('Full name').fill('Erin Erase');
    await sp.getByLabel('Details').fill('Please delete my account and everything about me.');
    await sp.getByLabel('Myself').check();
    await sp.getByLabel(/I confirm that I am the person/).check();
    await sp.getByRole('button', { name: 'Send request' }).click();
    await sp.getByRole('heading', { name: 'Check your email' }).waitFor();
    const link = /https?:\/\/\S+\/verify\/[A-Za-z0-9_-]{43}/.exec((await mailTo(credentials.email, 'Confirm your request')).text ?? '')![0];
    await visit(sp, new URL(link).pathname);
    await sp.getByRole('button', { name: 'Confirm my request' }).click();
    const reference = (await sp.getByRole('heading', { name: /^Request DSR-\d{4}-\d{6}$/ }).textContent())!.replace('Request ', '');

    const { page } = b;
    await signInPage(page, inject('admin'));
    await visit(page, `/staff/requests?q=${reference}`);
    await page.getByRole('link', { name: reference }).click();
    await page.getByRole('heading', { name: new RegExp(reference) }).waitFor();
    // No separate start: erasing a received request starts it too.
    await expect(page.getByRole('button', { name: 'Start work' }).isVisible()).resolves.toBe(true);
    await page.getByRole('link', { name: /Review what will be erased/ }).click();
    await page.getByRole('heading', { name: new RegExp(`Erase for ${reference}`) }).waitFor();
    await page.waitForLoadState('networkidle');
    await expectAccessible(page);
    await expect(page.getByText(/Their account .* and its 1 session/).isVisible()).resolves.toBe(true);
    await shoot(page, 'staff-erase');
    await page.getByLabel(/Answer to the subject/).fill('We have erased your data.');
    await page.getByRole('button', { name: 'Erase and complete the request' }).click();
    await page.getByText(/Erased and completed/).waitFor();
    await page.getByText('Personal data erased', { exact: false }).waitFor();
    await expect(page.getByText('Erin Erase').count()).resolves.toBe(0);
    await shoot(page, 'staff-erased');
    await expectAccessible(page);

    const told = await mailTo(credentials.email, 'Your request is complete');
    expect(told.text).toContain('We have erased your data.');
    // The subject's session went with the account, and the password no longer signs in.
    await visit(sp, '/account');
    expect(new URL(sp.url()).pathname).toBe('/login');
    await expect(signInOverHttp(inject('baseURL'), credentials)).rejects.toThrow(/sign-in failed/);
    await subject.close();
    expect(b.consoleErrors).toEqual([]);
  });

  it('staff close a never-confirmed request from the queue in bulk', async () => {
    const email = `bulkclose.${Date.now()}@example.org`;
    const subject = await b.browser.newContext({ baseURL: inject('baseURL') });
    const sp = await subject.newPage();
    await visit(sp, '/requests/new');
    await sp.getByLabel('Access (Art. 15)').check();
    await sp.getByLabel('Email address').fill(email);
    await sp.getByLabel('Full name').fill('Never Confirms');
    await sp.getByLabel('Myself').check();
    await sp.getByLabel(/I confirm that I am the person/).check();
    await sp.getByRole('button', { name: 'Send request' }).click();
    await sp.getByRole('heading', { name: 'Check your email' }).waitFor();
    await subject.close();
    const reference = /DSR-\d{4}-\d{6}/.exec((await mailTo(email, 'Confirm your request')).subject ?? '')![0];

    const { page } = b;
    await signInPage(page, inject('admin'));
    await visit(page, '/staff/requests?state=unverified');
    await page.getByLabel(`Select ${reference}`).check();
    await page.getByLabel('Action').selectOption('close_unverified');
    await page.getByRole('button', { name: 'Apply to selected' }).click();
    await page.getByText('1 closed (no email: the addresses were never confirmed).').waitFor();
    await expectAccessible(page);
    await expect(page.getByLabel(`Select ${reference}`).count()).resolves.toBe(0);
    expect(b.consoleErrors).toEqual([]);
  });
});
