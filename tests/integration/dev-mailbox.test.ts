import { afterAll, describe, expect, it } from 'vitest';
import { queueMail, renderMail } from '../../app/models/mail.server';
import { startTestPortal, type TestPortal } from '../support/portal';
import { createSessionCookie, createUser } from '../support/users';

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

  it('in production, while no SMTP_URL is set, is for administrators only, each look audited (issue 18, item 12)', async () => {
    const portal = await startTestPortal({ NODE_ENV: 'production' });
    portals.push(portal);
    const anon = await fetch(`${portal.url}/dev/mailbox`, { redirect: 'manual' });
    expect(anon.status).toBe(302);
    expect(anon.headers.get('location')).toBe('/login?redirectTo=%2Fdev%2Fmailbox');
    for (const role of ['subject', 'staff'] as const) {
      const user = await createUser(portal.db, { role });
      expect((await fetch(`${portal.url}/dev/mailbox`, { headers: { Cookie: await createSessionCookie(portal.db, user, 'production') } })).status).toBe(403);
    }
    const admin = await createUser(portal.db, { role: 'admin' });
    const cookie = await createSessionCookie(portal.db, admin, 'production');
    const page = await fetch(`${portal.url}/dev/mailbox`, { headers: { Cookie: cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Only administrators see this page');
    expect(await portal.db.selectFrom('audit_events').select(['actor_id']).where('action', '=', 'mailbox.viewed').execute()).toEqual([{ actor_id: admin.id }]);
    // The staff home links it for administrators.
    expect(await (await fetch(`${portal.url}/staff`, { headers: { Cookie: cookie } })).text()).toContain('href="/dev/mailbox"');
  });

  it('does not exist in production once SMTP_URL is set', async () => {
    const portal = await startTestPortal({ NODE_ENV: 'production', SMTP_URL: 'smtp://127.0.0.1:9' });
    portals.push(portal);
    const admin = await createUser(portal.db, { role: 'admin' });
    const res = await fetch(`${portal.url}/dev/mailbox`, { headers: { Cookie: await createSessionCookie(portal.db, admin, 'production') } });
    expect(res.status).toBe(404);
  });
});
