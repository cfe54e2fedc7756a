import { describe, expect, inject, it } from 'vitest';
import { linkIn, waitForMail } from '../support/mailbox';
import { expectAccessible, useBrowser, visit } from './browser';
import { addSessionCookie, signInPage, signUpOverHttp, uniqueEmail, uniquePassword } from '../support/users';

const b = useBrowser();

describe('accounts in a real browser', () => {
  it('signs up through the form and shows the account in the header', async () => {
    const email = uniqueEmail('browser');
    await visit(b.page, '/');
    await b.page.getByRole('link', { name: 'Create account' }).click();
    await b.page.getByRole('heading', { name: 'Create an account' }).waitFor();
    await expectAccessible(b.page);
    const password = uniquePassword();
    await b.page.getByLabel('Email').fill(email);
    await b.page.getByLabel('Password').fill(password);
    await b.page.getByRole('button', { name: 'Create account' }).click();
    // The same answer whether or not the address had an account: nobody is signed in by it.
    await b.page.getByRole('heading', { name: 'Check your inbox' }).waitFor();
    await expectAccessible(b.page);
    await b.page.getByRole('link', { name: 'Sign in', exact: true }).last().click();
    await b.page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await b.page.getByLabel('Email').fill(email);
    await b.page.getByLabel('Password').fill(password);
    await b.page.getByRole('button', { name: 'Sign in' }).click();
    // A subject lands on their requests (staff on the console).
    await b.page.getByRole('heading', { name: 'Your requests' }).waitFor();
    await expectAccessible(b.page);
    expect(await b.page.getByRole('navigation', { name: 'Main' }).textContent()).toContain(email);
    const cookie = (await b.context.cookies()).find((c) => c.name === '__Host-session');
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    expect(b.consoleErrors).toEqual([]);
  });

  it('shows field errors linked to their fields, keeps the email and drops the password', async () => {
    const email = uniqueEmail('weak');
    await visit(b.page, '/signup');
    await b.page.getByLabel('Email').fill(email);
    await b.page.getByLabel('Password').fill('qwerty123456');
    await b.page.getByRole('button', { name: 'Create account' }).click();
    const error = b.page.getByText('This password is too common');
    await error.waitFor();
    await expectAccessible(b.page);
    const password = b.page.getByLabel('Password');
    expect(await password.getAttribute('aria-invalid')).toBe('true');
    expect(await password.getAttribute('aria-describedby')).toContain(await error.getAttribute('id'));
    expect(await password.inputValue()).toBe('');
    expect(await b.page.getByLabel('Email').inputValue()).toBe(email);
  });

  it('resets a forgotten password from the emailed link, and signs in with the new one', async () => {
    const credentials = { email: uniqueEmail('forgot'), password: uniquePassword() };
    await signUpOverHttp(b.baseURL, credentials);
    await visit(b.page, '/login');
    await b.page.getByRole('link', { name: 'Forgot your password?' }).click();
    await b.page.getByRole('heading', { name: 'Reset your password' }).waitFor();
    await expectAccessible(b.page);
    await b.page.getByLabel('Email').fill(credentials.email);
    await b.page.getByRole('button', { name: 'Email me a link' }).click();
    await b.page.getByRole('heading', { name: 'Check your inbox' }).waitFor();
    await expectAccessible(b.page);

    const link = linkIn(await waitForMail(inject('dataDir'), credentials.email, 'Reset your password'), '/reset-password/');
    await visit(b.page, link);
    await b.page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await expectAccessible(b.page);
    const next = uniquePassword();
    await b.page.getByLabel('New password').fill(next);
    await b.page.getByRole('button', { name: 'Set new password' }).click();
    await b.page.getByText('Your password was changed. Sign in with the new one.').waitFor();
    await b.page.getByLabel('Email').fill(credentials.email);
    await b.page.getByLabel('Password').fill(next);
    await b.page.getByRole('button', { name: 'Sign in' }).click();
    await b.page.getByRole('heading', { name: 'Your requests' }).waitFor();
    await waitForMail(inject('dataDir'), credentials.email, 'Your password was changed');

    // The link worked once.
    await visit(b.page, link);
    await b.page.getByRole('heading', { name: 'This link no longer works' }).waitFor();
    expect(b.consoleErrors.filter((e) => !e.includes('410'))).toEqual([]);
  });

  it('signs in, returns to the page asked for, and signs out', async () => {
    const credentials = { email: uniqueEmail('signin'), password: uniquePassword() };
    await signUpOverHttp(b.baseURL, credentials);
    await visit(b.page, '/account');
    expect(new URL(b.page.url()).pathname).toBe('/login');
    await b.page.getByLabel('Email').fill(credentials.email);
    await b.page.getByLabel('Password').fill('a wrong password here');
    await b.page.getByRole('button', { name: 'Sign in' }).click();
    await b.page.getByRole('alert').filter({ hasText: 'The email address or password is not right' }).waitFor();
    await expectAccessible(b.page);
    await b.page.getByLabel('Password').fill(credentials.password);
    await b.page.getByRole('button', { name: 'Sign in' }).click();
    await b.page.getByRole('heading', { name: 'Your account' }).waitFor();
    expect(new URL(b.page.url()).pathname).toBe('/account');

    await b.page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await b.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' }).waitFor();
    expect(new URL(b.page.url()).pathname).toBe('/');
    await visit(b.page, '/account');
    expect(new URL(b.page.url()).pathname).toBe('/login');
  });

  it('refuses a session cookie once it has been revoked', async () => {
    const credentials = { email: uniqueEmail('revoked'), password: uniquePassword() };
    await signUpOverHttp(b.baseURL, credentials);
    await signInPage(b.page, credentials);
    const stolen = (await b.context.cookies()).find((c) => c.name === '__Host-session')!;
    expect(stolen.value).toMatch(/^pps_/);

    // Another browser holding a copy of the cookie is signed in...
    const other = await b.browser.newContext({ baseURL: b.baseURL });
    try {
      await addSessionCookie(other, b.baseURL, `${stolen.name}=${stolen.value}`);
      const otherPage = await other.newPage();
      await otherPage.goto('/account');
      await otherPage.getByRole('heading', { name: 'Your account' }).waitFor();

      // ...until the owner signs out everywhere: then the copied cookie is refused at once.
      await visit(b.page, '/account');
      await b.page.getByRole('button', { name: 'Sign out everywhere' }).click();
      await b.page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await otherPage.goto('/account');
      expect(new URL(otherPage.url()).pathname).toBe('/login');
      await otherPage.getByRole('heading', { name: 'Sign in' }).waitFor();
    } finally {
      await other.close();
    }
  });

  it('changes the password with JavaScript turned off', async () => {
    const credentials = { email: uniqueEmail('nojs'), password: uniquePassword() };
    await signUpOverHttp(b.baseURL, credentials);
    const noJs = await b.browser.newContext({ baseURL: b.baseURL, javaScriptEnabled: false });
    noJs.setDefaultTimeout(15_000);
    try {
      const page = await noJs.newPage();
      await signInPage(page, credentials);
      await page.goto('/account');
      const next = uniquePassword();
      await page.getByLabel('Current password').fill(credentials.password);
      await page.getByLabel('New password').fill(next);
      await Promise.all([page.waitForURL((url) => url.search === '?changed=password'), page.getByRole('button', { name: 'Change password' }).click()]);
      // (axe-core needs JavaScript to run, so this page's accessibility is checked in the JS tests.)
      await page.getByText('Your password was changed').waitFor();
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await page.waitForURL((url) => url.pathname === '/');
      await signInPage(page, { email: credentials.email, password: next });
      // Without a redirectTo a subject lands on their requests (issue 13, item 7).
      expect(new URL(page.url()).pathname).toBe('/account/requests');
    } finally {
      await noJs.close();
    }
  });
});
