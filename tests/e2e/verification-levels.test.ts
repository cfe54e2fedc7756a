import { describe, expect, inject, it } from 'vitest';
import { linkIn, waitForMail } from '../support/mailbox';
import { signInPage, signUpOverHttp, uniqueEmail, uniquePassword } from '../support/users';
import { expectAccessible, useBrowser, visit } from './browser';

const b = useBrowser();
const mailTo = (to: string, subjectPart: string) => waitForMail(inject('dataDir'), to, subjectPart);

/**
 * Issue 21.3 in Chromium, on a desktop and a phone-size screen: an account holder files an
 * access request without signing in and confirms the emailed link; the status page and the
 * email say the request needs them signed in; staff cannot start it; the subject signs in,
 * confirms on the status page, and staff can start. axe checks every page.
 */
describe('raising the identity level in a real browser', () => {
  for (const screen of [
    { name: 'desktop', size: { width: 1280, height: 900 } },
    { name: 'phone', size: { width: 390, height: 844 } },
  ]) {
    it(`the subject signs in and confirms, then staff can start (${screen.name})`, async () => {
      const email = uniqueEmail(`level-${screen.name}`);
      const password = uniquePassword();
      // An account whose address is proven (its own confirmation link).
      await signUpOverHttp(inject('baseURL'), { email, password });
      const accountLink = linkIn(await mailTo(email, 'Confirm your email address'), '/account/confirm/');
      const { page } = b;
      await page.setViewportSize(screen.size);
      await visit(page, accountLink);
      await page.getByRole('button', { name: 'Confirm my email address' }).click();
      await page.waitForLoadState('networkidle');

      // The request, filed signed out with the account's address, confirmed by the link.
      const subject = await b.browser.newContext({ baseURL: inject('baseURL'), viewport: screen.size });
      const sp = await subject.newPage();
      await visit(sp, '/requests/new');
      await sp.getByLabel('Access (Art. 15)').check();
      await sp.getByLabel('Email address').fill(email);
      await sp.getByLabel('Full name').fill('Lee Level');
      await sp.getByLabel('Myself').check();
      await sp.getByLabel(/I confirm/).check();
      await sp.getByRole('button', { name: 'Send request' }).click();
      await sp.getByRole('heading', { name: 'Check your email' }).waitFor();
      await visit(sp, linkIn(await mailTo(email, 'Confirm your request'), '/verify/'));
      await sp.getByRole('button', { name: 'Confirm my request' }).click();
      const reference = (await sp.getByRole('heading', { name: /^Request DSR-\d{4}-\d{6}$/ }).textContent())!.replace('Request ', '');
      await sp.waitForLoadState('networkidle');
      await expectAccessible(sp);
      const statusPath = new URL(sp.url()).pathname;
      await sp.getByRole('heading', { name: 'Confirming it is you' }).waitFor();
      await expect(sp.getByText(`signed in to your account with ${email}`).isVisible()).resolves.toBe(true);
      // The email says it too.
      expect((await mailTo(email, 'Your request is confirmed')).text).toContain('confirm it signed in to your account with this address');

      // Staff see why it cannot start, and cannot start it.
      const staff = await b.browser.newContext({ baseURL: inject('baseURL'), viewport: screen.size });
      const st = await staff.newPage();
      await signInPage(st, inject('admin'));
      await visit(st, `/staff/requests?q=${encodeURIComponent(reference)}`);
      await st.getByRole('link', { name: reference }).click();
      await st.getByRole('heading', { name: new RegExp(reference) }).waitFor();
      await st.waitForLoadState('networkidle');
      await expectAccessible(st);
      await expect(st.getByText('Below its level: the request cannot be started.').isVisible()).resolves.toBe(true);
      await st.getByRole('button', { name: 'Start work' }).click();
      await st.getByText(/cannot be started/).first().waitFor();
      await expectAccessible(st);

      // The subject signs in from the status page, comes back and confirms.
      await sp.getByRole('link', { name: 'Sign in to your account' }).click();
      await signInPage(sp, { email, password });
      await visit(sp, statusPath);
      await sp.getByRole('button', { name: `Confirm this request as ${email}` }).click();
      await sp.getByRole('heading', { name: 'Confirming it is you' }).waitFor({ state: 'detached', timeout: 10_000 }).catch(async (error: unknown) => {
        throw new Error(`still below the level: ${(await sp.locator('main').textContent())?.slice(0, 600)}`, { cause: error });
      });
      await sp.waitForLoadState('networkidle');
      await expectAccessible(sp);

      await visit(st, st.url());
      await st.getByRole('button', { name: 'Start work' }).click();
      await st.getByText('Started.').waitFor();
      await expect(st.getByText(/Signed in to the account that proved the address/).first().isVisible()).resolves.toBe(true);
      await expectAccessible(st);
      expect(b.consoleErrors).toEqual([]);
      await subject.close();
      await staff.close();
      // A long journey through three browser contexts on a shared 2-core machine.
    }, 180_000);
  }
});
