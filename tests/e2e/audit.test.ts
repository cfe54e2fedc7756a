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

  it('names actors by email, fits a laptop and a phone, and exports the last 30 days when no dates are given', async () => {
    const admin = inject('admin');
    await signInPage(b.page, admin);
    await visit(b.page, '/staff/audit?action=auth.sign_in');
    const row = b.page.getByRole('row').filter({ hasText: 'auth.sign_in' }).first();
    expect(await row.textContent()).toContain(admin.email);
    for (const width of [1366, 390]) {
      await b.page.setViewportSize({ width, height: 900 });
      await visit(b.page, '/staff/audit');
      const overflow = await b.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `sideways scroll at ${width} px`).toBeLessThanOrEqual(0);
      await expectAccessible(b.page);
    }
    const link = b.page.getByRole('link', { name: /Export the last 30 days/ });
    expect(await link.getAttribute('href')).toBe('/staff/audit/export?from=&to=');
    const res = await b.page.request.get('/staff/audit/export?from=&to=');
    expect(res.status()).toBe(200);
    const today = new Date().toISOString().slice(0, 10);
    expect(res.headers()['content-disposition']).toContain(`-to-${today}.jsonl`);
    expect((await res.text()).trim().split('\n').at(-1)).toContain('audit-export-trailer');
    expect(b.consoleErrors).toEqual([]);
  });
});
