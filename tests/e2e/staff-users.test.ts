import { inject, describe, expect, it } from 'vitest';
import { expectAccessible, useBrowser, visit } from './browser';
import { signInPage, signUpOverHttp, uniqueEmail, uniquePassword } from '../support/users';

const b = useBrowser();

describe('the staff accounts console in a real browser', () => {
  it('lets an administrator grant and revoke the staff role', async () => {
    const person = { email: uniqueEmail('future-staff'), password: uniquePassword() };
    await signUpOverHttp(b.baseURL, person);
    await signInPage(b.page, inject('admin'));
    await visit(b.page, '/staff/users');
    await b.page.getByRole('heading', { name: 'Staff accounts' }).waitFor();

    await b.page.getByLabel('Email of the account').fill(uniqueEmail('nobody'));
    await b.page.getByRole('button', { name: 'Grant staff role' }).click();
    await b.page.getByText('No account uses this email address').waitFor();
    await expectAccessible(b.page);

    await b.page.getByLabel('Email of the account').fill(person.email);
    await b.page.getByRole('button', { name: 'Grant staff role' }).click();
    await b.page.getByText(`${person.email} is now privacy staff`).waitFor();
    await expectAccessible(b.page);
    const row = b.page.getByRole('row').filter({ hasText: person.email });
    expect(await row.getByRole('cell').nth(1).textContent()).toBe('Staff');

    await row.getByRole('button', { name: `Revoke staff role of ${person.email}` }).click();
    await b.page.getByText(`${person.email} is no longer privacy staff`).waitFor();
    expect(await b.page.getByRole('row').filter({ hasText: person.email }).count()).toBe(0);
    // The refused grant answered 400 on purpose; anything else in the console is a fault.
    expect(b.consoleErrors.filter((e) => !e.includes('status of 400'))).toEqual([]);
  });

  it('refuses a subject with 403', async () => {
    const person = { email: uniqueEmail('subject'), password: uniquePassword() };
    await signUpOverHttp(b.baseURL, person);
    await signInPage(b.page, person);
    const response = await visit(b.page, '/staff/users');
    expect(response?.status()).toBe(403);
    await b.page.getByRole('heading', { name: 'This request could not be completed' }).waitFor();
  });
});
