import { inject, describe, expect, it } from 'vitest';
import { expectAccessible, useBrowser, visit } from './browser';
import { linkIn, waitForMail } from '../support/mailbox';
import { signInPage, signUpOverHttp, uniqueEmail, uniquePassword } from '../support/users';

const b = useBrowser();

describe('the staff accounts console in a real browser', () => {
  // Three pages, two browser contexts and seven axe runs: more than the default minute on a busy machine.
  it('lets an administrator invite staff by email, refuses the role to an unconfirmed account, and revokes it', { timeout: 180_000 }, async () => {
    const person = { email: uniqueEmail('future-staff'), password: uniquePassword() };
    // Signed up but never opened the confirmation mail: anyone could have done this with the address.
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
    await b.page.getByText('This account has not confirmed its email address').waitFor();
    await expectAccessible(b.page);

    // Invite the address instead: opening the emailed link proves it.
    await b.page.getByLabel('Email address to invite').fill(person.email);
    await b.page.getByLabel('Privacy staff').check();
    await b.page.getByRole('button', { name: 'Send invitation' }).click();
    await b.page.getByText(`An invitation was emailed to ${person.email}`).waitFor();
    expect(await b.page.getByRole('row').filter({ hasText: person.email }).getByRole('button', { name: `Revoke the invitation of ${person.email}` }).count()).toBe(1);
    await expectAccessible(b.page);

    // Without SMTP_URL the administrator reads the portal's mail at /dev/mailbox, even under `npm start`.
    await visit(b.page, '/staff');
    await b.page.getByRole('link', { name: 'Mailbox' }).click();
    await b.page.getByRole('heading', { name: 'Mailbox' }).waitFor();
    await b.page.getByText('You are invited to the privacy team').first().waitFor();
    await expectAccessible(b.page);

    const link = linkIn(await waitForMail(inject('dataDir'), person.email, 'You are invited'), '/invitation/');
    const invitee = await b.browser.newContext({ baseURL: b.baseURL });
    try {
      const page = await invitee.newPage();
      await visit(page, link);
      await page.getByRole('heading', { name: 'Join the privacy team' }).waitFor();
      await expectAccessible(page);
      await page.getByLabel('Password').fill(person.password);
      await page.getByRole('button', { name: 'Accept and sign in' }).click();
      await page.getByRole('heading', { name: 'Staff console' }).waitFor();
      await expectAccessible(page);
    } finally {
      await invitee.close();
    }

    await visit(b.page, '/staff/users');
    const row = b.page.getByRole('row').filter({ hasText: person.email });
    expect(await row.getByRole('cell').nth(1).textContent()).toBe('Staff');
    expect(await row.getByRole('cell').nth(2).textContent()).toBe('Confirmed');
    await row.getByRole('button', { name: `Revoke staff role of ${person.email}` }).click();
    await b.page.getByText(`${person.email} is no longer privacy staff`).waitFor();
    expect(await b.page.getByRole('row').filter({ hasText: person.email }).count()).toBe(0);
    // The refused grants answered 400 on purpose; anything else in the console is a fault.
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
