import { afterAll, describe, expect, it } from 'vitest';
import { queueMail, renderMail } from '../../app/models/mail.server';
import { startTestPortal, type TestPortal } from '../support/portal';

const portals: TestPortal[] = [];
afterAll(async () => {
  for (const p of portals) await p.stop();
});

async function waitFor<T>(fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('developer mailbox', () => {
  it('lists mail the running worker wrote to DATA_DIR/mail, links clickable and text escaped', async () => {
    const portal = await startTestPortal();
    portals.push(portal);
    await queueMail(portal.db, {
      to: 'grace@example.org',
      subject: 'Your request <b>DSR-2026-000042</b>',
      ...renderMail({
        heading: 'Confirm',
        paragraphs: ['Please confirm.'],
        action: { label: 'Confirm', url: `${portal.url}/requests/verify/abc` },
      }),
    });
    const html = await waitFor(async () => {
      const res = await fetch(`${portal.url}/dev/mailbox`);
      const body = await res.text();
      return body.includes('grace@example.org') ? body : undefined;
    });
    expect(html).toContain('Your request &lt;b&gt;DSR-2026-000042&lt;/b&gt;');
    expect(html).toContain(`<a href="${portal.url}/requests/verify/abc">`);
  });

  it('does not exist in production', async () => {
    const portal = await startTestPortal({ NODE_ENV: 'production' });
    portals.push(portal);
    const res = await fetch(`${portal.url}/dev/mailbox`);
    expect(res.status).toBe(404);
  });
});
