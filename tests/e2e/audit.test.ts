import { inject, describe, expect, it } from 'vitest';
import { expectAccessible, useBrowser, visit } from './browser';
import { signInPage } from '../support/users';

const b = useBrowser();

describe('the audit trail and operations block in a real browser', () => {
  it('lets an administrator see operations, filter the trail and find the export link', async () => {
    await signInPage(b.page, inject('admin'));
    await visit(b.page, '/staff');
    await b.page.getByRole('heading', { name: 'Operations' }).waitFor();
    await b.page.getByText(/Last backup:/).waitFor();
    await expectAccessible(b.page);

    await b.page.getByRole('link', { name: 'Audit trail' }).click();
    await b.page.getByRole('heading', { name: 'Audit trail' }).waitFor();
    await b.page.getByLabel('Action').fill('auth.sign_in');
    await b.page.getByRole('button', { name: 'Filter' }).click();
    await b.page.waitForURL(/action=auth\.sign_in/);
    const rows = b.page.getByRole('row').filter({ hasText: 'auth.sign_in' });
    expect(await rows.count()).toBeGreaterThan(0);
    await expectAccessible(b.page);
    const today = new Date().toISOString().slice(0, 10);
    await b.page.getByLabel('From (UTC day)').fill(today);
    await b.page.getByLabel('To (UTC day, inclusive)').fill(today);
    await b.page.getByRole('button', { name: 'Filter' }).click();
    await b.page.waitForURL(/from=\d{4}/);
    // The URL changes before the new page has rendered: wait for the link to carry the range.
    const exportLink = b.page.getByRole('link', { name: /Export this date range/ });
    await expect
      .poll(() => exportLink.getAttribute('href'), { timeout: 10_000 })
      .toBe(`/staff/audit/export?from=${today}&to=${today}`);
    expect(b.consoleErrors).toEqual([]);
  });
});
