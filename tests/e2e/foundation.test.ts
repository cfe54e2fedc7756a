import { describe, expect, it } from 'vitest';
import { useBrowser, visit } from './browser';

const b = useBrowser();

describe('foundation in a real browser', () => {
  it('renders the home page, hydrates without CSP errors, and is accessible', async () => {
    const response = await visit(b.page, '/');
    expect(response?.status()).toBe(200);
    await expect(b.page.getByRole('heading', { level: 1, name: 'Your data, your rights' }).isVisible()).resolves.toBe(true);
    await expect(b.page.getByRole('link', { name: 'Make a request' }).first().isVisible()).resolves.toBe(true);
    // React took over the document (client-side navigation works) and nothing was blocked.
    await b.page.waitForFunction(() => (window as unknown as { __remixContext?: unknown }).__remixContext !== undefined);
    expect(b.consoleErrors).toEqual([]);
  });

  it('reports a healthy database at /healthz', async () => {
    const response = await b.page.goto('/healthz');
    expect(response?.status()).toBe(200);
    const body = JSON.parse((await b.page.textContent('body')) ?? '{}');
    expect(body).toMatchObject({ status: 'ok', db: 'ok' });
    expect(body.backend).toBe(process.env.DATABASE_URL ? 'postgres' : 'pglite');
  });

  it('shows the 404 page for an unknown path', async () => {
    const response = await visit(b.page, '/definitely/not/here');
    expect(response?.status()).toBe(404);
    await expect(b.page.getByRole('heading', { name: 'Page not found' }).isVisible()).resolves.toBe(true);
    await b.page.getByRole('link', { name: 'Go to the home page' }).click();
    await b.page.getByRole('heading', { level: 1, name: 'Your data, your rights' }).waitFor();
    expect(new URL(b.page.url()).pathname).toBe('/');
  });
});
