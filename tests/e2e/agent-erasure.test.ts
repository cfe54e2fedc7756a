import fs from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { waitForMail } from '../support/mailbox';
import { signInPage } from '../support/users';
import { SAMPLE_FILES } from '../support/requests';
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
  await page.screenshot({ path: `${dir}/${name}-phone.png` });
  if (size) await page.setViewportSize(size);
}

/**
 * Issues 24.1 and 18.4 in Chromium: an agent files an erasure for someone else; staff see that
 * the subject has not confirmed and the erasure is refused; staff record the authority check
 * naming the document; the erasure lists the recipients without a contact to notify by hand;
 * staff record that notice and its confirmation. The subject's own confirmation page too. axe
 * checks every page.
 */
describe("a representative's erasure, in a real browser", () => {
  it('staff check the authority, erase, and record the Art. 19 notices sent by hand', async () => {
    const agentEmail = `agent.${Date.now()}@example.org`;
    const subjectEmail = `subject.${Date.now()}@example.org`;
    const agent = await b.browser.newContext({ baseURL: inject('baseURL') });
    const ap = await agent.newPage();
    await visit(ap, '/requests/new');
    await ap.getByLabel('Erasure (Art. 17)').check();
    await ap.getByLabel('Email address').fill(agentEmail);
    await ap.getByLabel('Full name').fill('Alex Agent');
    await ap.getByLabel('Someone else, who has authorised me to act for them').check();
    await ap.getByLabel('Name of the person you act for').fill('Sam Subject');
    await ap.getByLabel('Email of the person you act for').fill(subjectEmail);
    await ap.getByLabel('Your relationship to them').selectOption('lawyer');
    await ap.getByLabel('Authorisation document').setInputFiles({ name: 'mandate.png', mimeType: 'image/png', buffer: SAMPLE_FILES.png });
    await ap.getByLabel(/I confirm/).check();
    await ap.getByRole('button', { name: 'Send request' }).click();
    await ap.getByRole('heading', { name: 'Check your email' }).waitFor();
    const agentLink = /https?:\/\/\S+\/verify\/[A-Za-z0-9_-]{43}/.exec((await mailTo(agentEmail, 'Confirm your request')).text ?? '')![0];
    await visit(ap, new URL(agentLink).pathname);
    await ap.getByRole('button', { name: 'Confirm my request' }).click();
    const reference = (await ap.getByRole('heading', { name: /^Request DSR-\d{4}-\d{6}$/ }).textContent())!.replace('Request ', '');

    // The subject's own link shows what they would agree to, in their words (not confirmed here).
    const subjectMail = await mailTo(subjectEmail, reference);
    const sp = await (await b.browser.newContext({ baseURL: inject('baseURL') })).newPage();
    await visit(sp, new URL(/https?:\/\/\S+\/verify\/[A-Za-z0-9_-]{43}/.exec(subjectMail.text ?? '')![0]).pathname);
    await sp.getByRole('heading', { name: 'Confirm that someone may act for you' }).waitFor();
    await expect(sp.getByRole('button', { name: 'Yes, they may act for me' }).isVisible()).resolves.toBe(true);
    await shoot(sp, 'subject-confirm');

    const { page } = b;
    await signInPage(page, inject('admin'));
    await visit(page, `/staff/requests?q=${encodeURIComponent(reference)}`);
    await page.getByRole('link', { name: reference }).click();
    await page.getByRole('heading', { name: new RegExp(reference) }).waitFor();
    await page.waitForLoadState('networkidle');
    await expectAccessible(page);
    await expect(page.getByText(subjectEmail).first().isVisible()).resolves.toBe(true);
    await expect(page.getByText(/Not confirmed, and no authority check recorded/).isVisible()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Start work' }).click();
    await page.getByText('Started.').waitFor();
    await page.getByRole('link', { name: /Review what will be erased/ }).click();
    await page.getByRole('heading', { name: 'Not yet: the subject has not confirmed' }).waitFor();
    await page.waitForLoadState('networkidle');
    await expectAccessible(page);

    await page.getByRole('link', { name: "The representative's authority" }).click();
    await page.getByRole('heading', { name: new RegExp(`Authority for ${reference}`) }).waitFor();
    await page.waitForLoadState('networkidle');
    await expectAccessible(page);
    await shoot(page, 'authority');
    await page.getByRole('button', { name: 'Record the check' }).click();
    await page.getByText('Name the document you checked').first().waitFor();
    await expectAccessible(page);
    await page.getByLabel('Kind of document').selectOption('signed_authorisation');
    await page.getByLabel('The document you checked').fill('Signed mandate of 1 May 2026 (mandate.png), matches the subject');
    await page.getByLabel(/I checked this document/).check();
    await page.getByRole('button', { name: 'Record the check' }).click();
    await page.getByText(/Authority check recorded/).waitFor();
    await expectAccessible(page);

    await visit(page, `/staff/requests?q=${encodeURIComponent(reference)}`);
    await page.getByRole('link', { name: reference }).click();
    await page.getByRole('link', { name: /Review what will be erased/ }).click();
    await page.getByText('no contact: notify by hand').first().waitFor();
    await page.waitForLoadState('networkidle');
    await expectAccessible(page);
    await shoot(page, 'erase-preview');
    await page.getByLabel(/Answer to the subject/).fill('We erased the data, as your representative asked.');
    await page.getByRole('button', { name: 'Erase and complete the request' }).click();
    await page.getByText(/Erased and completed/).waitFor();
    await expect(page.getByText(/no contact: notify by hand:/).isVisible()).resolves.toBe(true);

    await page.getByRole('link', { name: 'Record notifications and confirmations' }).click();
    await page.getByRole('heading', { name: new RegExp(`Art. 19 notices for ${reference}`) }).waitFor();
    await page.waitForLoadState('networkidle');
    await expectAccessible(page);
    await shoot(page, 'art19');
    const how = page.getByLabel(/^How you notified/).first();
    await how.fill('By letter to its privacy team');
    await page.getByRole('button', { name: 'Record the notification' }).first().click();
    await page.getByText('Notification by hand recorded.').waitFor();
    await page.getByRole('button', { name: /confirmed the erasure/ }).first().click();
    await page.getByText('Confirmation recorded.').waitFor();
    await expectAccessible(page);

    await visit(page, '/staff');
    await page.getByRole('link', { name: 'Art. 19 notices' }).click();
    await page.getByRole('heading', { name: 'Art. 19 notices', level: 1 }).waitFor();
    await page.waitForLoadState('networkidle');
    await expectAccessible(page);
    await shoot(page, 'staff-art19');
    // The one refused form above is a 400 the browser reports; nothing else may be logged.
    expect(b.consoleErrors.filter((e) => !e.includes('status of 400'))).toEqual([]);
    // Three people, a dozen pages each checked with axe: longer than the suite's 60 s default on a busy machine.
  }, 180_000);
});
