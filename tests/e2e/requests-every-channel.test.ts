import { describe, expect, inject, it } from 'vitest';
import { signInPage } from '../support/users';
import { expectAccessible, useBrowser, visit } from './browser';

const b = useBrowser();

/**
 * Issue 21 part 1 in Chromium, at phone and desktop width, axe on every page: staff log a
 * request made by phone from a subject reached by post only, and print its letter (in German,
 * the subject's language) to PDF with the print style sheet.
 */
for (const [device, viewport] of [
  ['phone', { width: 390, height: 844 }],
  ['desktop', { width: 1280, height: 800 }],
] as const) {
  describe(`requests from every channel on a ${device}`, () => {
    it('staff log a phone request and print its letter', async () => {
      const { page } = b;
      await page.setViewportSize(viewport);
      const name = `Hanna Hörer ${device} ${Date.now()}`;
      await signInPage(page, inject('admin'));
      await visit(page, '/staff/requests');
      await page.getByRole('link', { name: /Log a request received/ }).click();
      await page.waitForURL('**/staff/requests/new');
      await page.waitForLoadState('networkidle');
      await expectAccessible(page);

      await page.getByLabel('Phone', { exact: true }).check();
      await page.getByLabel('Subject’s name').fill(name);
      await page.getByLabel('Postal address (when there is no email)').fill('Hanna Hörer\nLindenweg 3\n04109 Leipzig');
      await page.getByLabel('Subject’s language').selectOption('de');
      await page.getByLabel('Note: the words of the request').fill('Rief an: möchte wissen, welche Daten wir über sie speichern.');
      // No right chosen: refused, the error announced, what was typed kept.
      await page.getByRole('button', { name: 'Log the request' }).click();
      await expect.poll(() => page.getByText('Choose the right or rights asked for.').count()).toBeGreaterThan(0);
      await expect(page.getByLabel('Subject’s name').inputValue()).resolves.toBe(name);
      await expect(page.getByLabel('Phone', { exact: true }).isChecked()).resolves.toBe(true);
      await expectAccessible(page);

      await page.getByLabel('Access (Art. 15)').check();
      await page.getByRole('button', { name: 'Log the request' }).click();
      await page.waitForURL(/\/staff\/requests\/\d+\?done=logged/);
      await page.waitForLoadState('networkidle');
      await expectAccessible(page);
      await expect(page.getByText('Request logged; the deadline runs from the receipt you gave.').count()).resolves.toBe(1);
      await expect(page.getByText(`${name}, by post only`).count()).resolves.toBe(1);

      await page.getByRole('link', { name: 'Print the letter for this step' }).first().click();
      await page.waitForURL(/\/letter\?event=\d+/);
      await page.waitForLoadState('networkidle');
      await expectAccessible(page);
      await expect(page.locator('article.letter').getAttribute('lang')).resolves.toBe('de');
      const heading = await page.getByRole('heading', { level: 1 }).textContent();
      expect(heading).toMatch(/^Ihr Datenschutzantrag DSR-\d{4}-\d{6}$/);
      await expect(page.locator('article.letter').textContent()).resolves.toContain('Lindenweg 3');
      await expect(page.getByRole('button', { name: 'Diesen Brief drucken' }).isVisible()).resolves.toBe(true);

      // The print button calls the browser's print; printed (to PDF), only the letter shows.
      await page.evaluate(() => {
        (window as unknown as { printed: number }).printed = 0;
        window.print = () => {
          (window as unknown as { printed: number }).printed += 1;
        };
      });
      await page.getByRole('button', { name: 'Diesen Brief drucken' }).click();
      await expect(page.evaluate(() => (window as unknown as { printed: number }).printed)).resolves.toBe(1);
      await page.emulateMedia({ media: 'print' });
      await expect(page.getByRole('button', { name: 'Diesen Brief drucken' }).isVisible()).resolves.toBe(false);
      await expect(page.locator('.site-header').isVisible()).resolves.toBe(false);
      await expect(page.locator('article.letter').isVisible()).resolves.toBe(true);
      const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true });
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      expect(pdf.length).toBeGreaterThan(1000);
      // The one 400 is the refused first submission, answered on purpose.
      expect(b.consoleErrors.filter((e) => !e.includes('status of 400'))).toEqual([]);
    });
  });
}
