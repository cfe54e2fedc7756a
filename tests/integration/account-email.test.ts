import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOutboxMail } from '../../app/models/mail.server';
import { submitIntake } from '../../app/models/requests/intake.server';
import { loadConfig } from '../../app/utils/env.server';
import { startTestPortal, type TestPortal } from '../support/portal';
import { intakeInput } from '../support/requests';
import { createUser, signUpOverHttp, uniqueEmail, uniquePassword } from '../support/users';

let portal: TestPortal;
beforeAll(async () => {
  portal = await startTestPortal();
});
afterAll(async () => {
  await portal?.stop();
});

const origin = () => ({ Origin: portal.url });

async function post(path: string, fields: Record<string, string>, cookie?: string) {
  return fetch(`${portal.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...origin(), ...(cookie ? { Cookie: cookie } : {}) },
    body: new URLSearchParams(fields),
    redirect: 'manual',
  });
}

/**
 * The confirmation link from the newest mail to `email`: from the outbox while it is queued,
 * or from the .eml file the worker wrote once it was delivered (delivery clears the outbox copy).
 */
async function confirmationLinkFor(email: string) {
  const mail = await portal.db
    .selectFrom('mail_outbox')
    .select(['text_body', 'html_body', 'headers', 'subject'])
    .where('to_address', '=', email)
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  expect(mail.subject).toBe('Confirm your email address');
  const pattern = /\/account\/confirm\/[A-Za-z0-9_-]{43}/;
  // Queued bodies are encrypted; a delivered one is cleared, and the .eml file is read instead.
  let link = mail.text_body ? pattern.exec(openOutboxMail(mail).text)?.[0] : undefined;
  const dir = path.join(portal.dataDir, 'mail');
  for (let i = 0; !link && i < 100; i++) {
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml')).sort() : [];
    for (const file of files.reverse()) {
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      if (text.includes(email) && text.includes('Confirm your email address')) {
        link = pattern.exec(text.replace(/=\r?\n/g, ''))?.[0];
        if (link) break;
      }
    }
    if (!link) await new Promise((r) => setTimeout(r, 100));
  }
  expect(link).toBeTruthy();
  return link!;
}

const isVerified = async (email: string) =>
  (await portal.db.selectFrom('users').select('email_verified_at').where('email', '=', email).executeTakeFirstOrThrow())
    .email_verified_at !== null;

describe('account email confirmation', () => {
  it('sends a link at sign-up that confirms only by POST, once', async () => {
    const email = uniqueEmail('confirm');
    const cookie = await signUpOverHttp(portal.url, { email, password: uniquePassword() });
    const account = await (await fetch(`${portal.url}/account`, { headers: { Cookie: cookie } })).text();
    expect(account).toContain('(not confirmed yet)');

    const link = await confirmationLinkFor(email);
    const page = await fetch(`${portal.url}${link}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await page.text()).toContain('Confirm my email address');
    // Opening the link (as a mail scanner would) confirms nothing.
    expect(await isVerified(email)).toBe(false);

    const confirmed = await post(link, {});
    expect(confirmed.status).toBe(302);
    expect(confirmed.headers.get('location')).toBe('/account?confirmed=email');
    expect(await isVerified(email)).toBe(true);
    const after = await (await fetch(`${portal.url}/account`, { headers: { Cookie: cookie } })).text();
    expect(after).toContain('(confirmed)');

    expect((await post(link, {})).status).toBe(410);
    expect((await fetch(`${portal.url}${link}`)).status).toBe(410);
    const audit = await portal.db.selectFrom('audit_events').select('action').where('action', '=', 'account.email_verified').execute();
    expect(audit.length).toBeGreaterThanOrEqual(1);
  });

  it('answers an unknown link with 404 and stores only the hash of a link', async () => {
    expect((await fetch(`${portal.url}/account/confirm/${'x'.repeat(43)}`)).status).toBe(404);
    const email = uniqueEmail('hashed');
    await post('/signup', { email, password: uniquePassword() });
    const token = (await confirmationLinkFor(email)).split('/').pop()!;
    const rows = await portal.db.selectFrom('account_email_tokens').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('sends a new link on request, a few times an hour at most', async () => {
    const email = uniqueEmail('resend');
    const cookie = await signUpOverHttp(portal.url, { email, password: uniquePassword() });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post('/account', { intent: 'resend-confirmation' }, cookie)).status);
    expect(statuses).toEqual([302, 302, 302, 400]);
    const sent = await portal.db.selectFrom('mail_outbox').select('id').where('to_address', '=', email).execute();
    expect(sent).toHaveLength(4);
  });
});

type Outcome = Awaited<ReturnType<typeof submitIntake>>;
const stateOf = (o: Outcome) => (o.kind === 'accepted' && 'request' in o.result ? o.result.request.state : undefined);

describe('requests filed while signed in', () => {
  const config = () => loadConfig({ DATA_DIR: portal.dataDir, PUBLIC_URL: portal.url });

  it('are accepted at once only for a confirmed account address', async () => {
    const unconfirmed = await createUser(portal.db, { emailVerified: false });
    const claimed = await submitIntake(
      { db: portal.db, config: config() },
      { input: intakeInput({ email: unconfirmed.email }), clientAddress: '192.0.2.10', user: unconfirmed },
    );
    expect(stateOf(claimed)).toBe('unverified');

    const confirmed = await createUser(portal.db);
    const proven = await submitIntake(
      { db: portal.db, config: config() },
      { input: intakeInput({ email: confirmed.email }), clientAddress: '192.0.2.11', user: confirmed },
    );
    expect(stateOf(proven)).toBe('open');
  });
});
