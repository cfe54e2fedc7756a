import type { ParsedMail } from 'mailparser';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertHandler } from '../../app/models/subprocessors/alerts.server';
import { answerObjection } from '../../app/models/subprocessors/objections.server';
import { addDays, todayIn } from '../../app/models/subprocessors/rules';
import { formatDay } from '../../app/utils/i18n';
import { ALERT_JOB, planAddition } from '../../app/models/subprocessors/registry.server';
import { sha256 } from '../../app/utils/crypto.server';
import { createLogger } from '../../app/utils/logger.server';
import type { SubprocessorDetails } from '../../db/schema';
import { startTestPortal, type TestPortal } from '../support/portal';
import { startSmtpServer, type TestSmtp } from '../support/smtp';

let portal: TestPortal;
let smtp: TestSmtp;
const PUBLIC_URL = 'https://privacy.example.test';
beforeAll(async () => {
  smtp = await startSmtpServer();
  portal = await startTestPortal({ SMTP_URL: smtp.url, PUBLIC_URL, SUBPROCESSOR_DEMO: 'off' });
});
afterAll(async () => {
  await portal?.stop();
  await smtp?.close();
});

/** The portal's own worker delivers the outbox; wait until the SMTP server has `count` messages. */
async function waitForMail(count: number, timeoutMs = 20_000): Promise<ParsedMail[]> {
  const deadline = Date.now() + timeoutMs;
  while (smtp.messages.length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} messages, got ${smtp.messages.length}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return smtp.messages;
}

const local = (url: string) => url.replace(PUBLIC_URL, portal.url);
const header = (mail: ParsedMail, name: string) =>
  mail.headerLines.find((h) => h.key === name)?.line.replace(/^[^:]+:\s*/, '').replace(/\r?\n\s+/g, ' ');
const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});
const details = (name: string): SubprocessorDetails => ({
  name,
  legalEntity: `${name} SAS`,
  purpose: 'Video calls with customers',
  dataCategories: ['Names', 'Call recordings'],
  locations: ['FR'],
  transferMechanism: 'eea-only',
  website: 'https://video.example/',
});
const ctx = () => ({ actorId: null, timeZone: portal.config.timeZone, noticeDays: 30 });

describe('email alerts over a real SMTP conversation', () => {
  let unsubscribeUrl: string;
  let firstChangeId: string;

  it('double opt-in: a confirmation link, stored only as a hash, confirmed by a POST', async () => {
    const res = await fetch(`${portal.url}/subprocessors/subscribe`, form({ email: 'Ada@Example.org' }));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Check your inbox');
    const [confirmation] = await waitForMail(1);
    expect(confirmation!.to && 'text' in confirmation!.to ? confirmation!.to.text : '').toBe('ada@example.org');
    expect(confirmation!.subject).toBe('Confirm your subprocessor alerts');
    const link = /https:\/\/privacy\.example\.test\/subprocessors\/subscribe\/confirm\?token=([\w-]+)/.exec(confirmation!.text!)!;
    const token = link[1]!;
    const row = await portal.db.selectFrom('subprocessor_subscriptions').selectAll().executeTakeFirstOrThrow();
    expect(row.confirm_token_hash).toBe(sha256(token));
    expect(JSON.stringify(row)).not.toContain(token);

    // Opening the link (as a mail scanner would) confirms nothing.
    const page = await fetch(local(link[0]));
    expect(await page.text()).toContain('Confirm my subscription');
    expect((await portal.db.selectFrom('subprocessor_subscriptions').select('confirmed_at').executeTakeFirstOrThrow()).confirmed_at).toBeNull();

    expect((await fetch(local(link[0]), form({ token: 'x'.repeat(43) }))).status).toBe(400);
    const confirmed = await fetch(local(link[0]), form({ token }));
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('You are subscribed');
    // Single use.
    expect((await fetch(local(link[0]), form({ token }))).status).toBe(400);
  });

  it('alerts when a change is announced, with RFC 8058 one-click unsubscribe headers', async () => {
    const effectiveOn = addDays(todayIn(portal.config.timeZone), 30);
    ({ changeId: firstChangeId } = await planAddition(portal.db, { details: details('Visio'), effectiveOn }, ctx()));
    const [, alert] = await waitForMail(2);
    expect(alert!.subject).toBe(`Announced: Addition of Visio: ${formatDay('en', effectiveOn)}`);
    expect(alert!.text).toContain('Video calls with customers');
    expect(alert!.text).toContain(`${PUBLIC_URL}/subprocessors/changes/${firstChangeId}`);
    const listUnsubscribe = header(alert!, 'list-unsubscribe')!;
    expect(listUnsubscribe).toMatch(/^<https:\/\/privacy\.example\.test\/subprocessors\/unsubscribe\?token=\d+\.[\w-]+>$/);
    expect(header(alert!, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    unsubscribeUrl = listUnsubscribe.slice(1, -1);
    expect(alert!.text).toContain(unsubscribeUrl);
  });

  it('alerts again when the change takes effect, from a job due at midnight in the portal time zone', async () => {
    const job = await portal.db
      .selectFrom('jobs')
      .selectAll()
      .where('kind', '=', ALERT_JOB)
      .where(sql`payload->>'stage'`, '=', 'effective')
      .where(sql`payload->>'changeId'`, '=', firstChangeId)
      .executeTakeFirstOrThrow();
    expect(todayIn(portal.config.timeZone, job.run_at)).toBe(addDays(todayIn(portal.config.timeZone), 30));
    // Thirty days pass: the job becomes due.
    await portal.db.updateTable('jobs').set({ run_at: sql<Date>`now()` }).where('id', '=', job.id).execute();
    const [, , effective] = await waitForMail(3);
    expect(effective!.subject).toMatch(/^Now in effect: Addition of Visio/);
    expect(header(effective!, 'list-unsubscribe')).toBe(`<${unsubscribeUrl}>`);
  });

  it('a retried fan-out mails no one twice', async () => {
    const before = await portal.db.selectFrom('mail_outbox').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    const handler = createAlertHandler(portal.db, portal.config, createLogger({ level: 'silent' }));
    await handler({ changeId: firstChangeId, stage: 'announced' });
    const after = await portal.db.selectFrom('mail_outbox').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it('one-click unsubscribe: a POST to the List-Unsubscribe URL stops further alerts', async () => {
    expect((await fetch(local(unsubscribeUrl.replace(/\.[\w-]+$/, '.forged')), form({ 'List-Unsubscribe': 'One-Click' }))).status).toBe(400);
    const res = await fetch(local(unsubscribeUrl), form({ 'List-Unsubscribe': 'One-Click' }));
    expect(res.status).toBe(200);
    const row = await portal.db.selectFrom('subprocessor_subscriptions').selectAll().executeTakeFirstOrThrow();
    expect(row.unsubscribed_at).not.toBeNull();
    // Idempotent for a mail client that retries.
    expect((await fetch(local(unsubscribeUrl), form({ 'List-Unsubscribe': 'One-Click' }))).status).toBe(200);

    const { changeId } = await planAddition(
      portal.db,
      { details: details('Later'), effectiveOn: addDays(todayIn(portal.config.timeZone), 31) },
      ctx(),
    );
    const deadline = Date.now() + 20_000;
    for (;;) {
      const job = await portal.db
        .selectFrom('jobs')
        .select('state')
        .where(sql`payload->>'changeId'`, '=', changeId)
        .where(sql`payload->>'stage'`, '=', 'announced')
        .executeTakeFirstOrThrow();
      if (job.state === 'done') break;
      if (Date.now() > deadline) throw new Error('alert job did not run');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(smtp.messages).toHaveLength(3);
  });
});

describe('objections', () => {
  it('files an objection to a planned change and mails an acknowledgement', async () => {
    const effectiveOn = addDays(todayIn(portal.config.timeZone), 45);
    const { changeId } = await planAddition(portal.db, { details: details('Objectionable'), effectiveOn }, ctx());
    const url = `${portal.url}/subprocessors/changes/${changeId}`;
    const page = await (await fetch(url)).text();
    expect(page).toContain('Object to this change');

    const bad = await fetch(url, form({ organisation: 'Acme Ltd', email: 'not-an-email', reason: 'short' }));
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).toContain('Enter an email address like name@example.com');
    expect(badHtml).toContain('value="Acme Ltd"');
    expect(badHtml).toMatch(/aria-invalid="true"[^>]*aria-describedby="field-email-error"|aria-describedby="field-email-error"[^>]*aria-invalid="true"/);

    const count = smtp.messages.length;
    const ok = await fetch(url, form({ organisation: 'Acme Ltd', email: 'dpo@acme.example', reason: 'We cannot accept call recordings abroad.' }));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('Your objection has been received');
    const mails = await waitForMail(count + 1);
    const ack = mails.find((m) => m.subject?.startsWith('We received your objection'))!;
    expect(ack.text).toContain('Acme Ltd');
    expect(ack.text).toContain('We cannot accept call recordings abroad.');
    // It speaks for the organisation: contact, DPO and the authority one may complain to.
    const org = portal.config.organisation;
    expect(ack.text).toContain(org.privacyEmail);
    expect(ack.text).toContain(`Our data protection officer: ${org.dpo!.name}`);
    expect(ack.text).toContain(org.authority.name);
    const stored = await portal.db.selectFrom('subprocessor_objections').selectAll().where('change_id', '=', changeId).execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ organisation: 'Acme Ltd', email: 'dpo@acme.example', answer: null, lang: 'en' });
  });

  it('speaks the objector’s language: the form’s errors, the acknowledgement and staff’s answer', async () => {
    const effectiveOn = addDays(todayIn(portal.config.timeZone), 40);
    const { changeId } = await planAddition(portal.db, { details: details('Einspruch'), effectiveOn }, ctx());
    const url = `${portal.url}/subprocessors/changes/${changeId}`;
    const german = (init: RequestInit = {}) => ({ ...init, headers: { ...(init.headers as Record<string, string>), 'Accept-Language': 'de-DE,de;q=0.9' } });
    const page = await (await fetch(url, german())).text();
    expect(page).toContain('Dieser Änderung widersprechen');
    // The summary the portal wrote for the addition is said in German too; staff's words would stay as written.
    expect(page).toContain('Einspruch (Einspruch SAS) wird Daten verarbeiten für: Video calls with customers');
    expect(page.replace(/<script[\s\S]*?<\/script>/g, '')).not.toContain('will process data for');

    const bad = await fetch(url, german(form({ organisation: '', email: 'keine-adresse', reason: 'kurz' })));
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).toContain('Geben Sie Ihre Organisation an');
    expect(badHtml).toContain('Geben Sie eine E-Mail-Adresse wie name@example.com ein');
    expect(badHtml).toContain('(mindestens 10 Zeichen)');
    // The keys travel in the action data; what the page shows is words.
    expect(badHtml.replace(/<script[\s\S]*?<\/script>/g, '')).not.toContain('change.errors');
    expect(badHtml).toContain('value="keine-adresse"');

    const count = smtp.messages.length;
    const ok = await fetch(url, german(form({ organisation: 'Muster GmbH', email: 'dsb@muster.example', reason: 'Keine Gesprächsaufzeichnungen im Ausland.' })));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('Ihr Widerspruch ist eingegangen');
    const title = `Aufnahme von Einspruch: gilt ab ${formatDay('de', effectiveOn)}`;
    const ack = (await waitForMail(count + 1)).find((m) => m.subject === `Wir haben Ihren Widerspruch erhalten: ${title}`);
    expect(ack).toBeDefined();
    expect(ack!.text).toContain('Vielen Dank. Wir haben den Widerspruch von Muster GmbH gegen diese Änderung erhalten');
    expect(ack!.text).toContain('Unser Datenschutzbeauftragter:');
    expect(ack!.text).toContain('Sie können sich bei der Aufsichtsbehörde beschweren');
    expect(ack!.html).toContain('<html lang="de">');
    const stored = await portal.db.selectFrom('subprocessor_objections').selectAll().where('change_id', '=', changeId).executeTakeFirstOrThrow();
    expect(stored.lang).toBe('de');

    // Staff answer in English-speaking tools; the email around the answer is German.
    await answerObjection(portal.db, { id: String(stored.id), answer: 'Die Aufzeichnungen bleiben in der EU.' }, { id: null, ip: null }, portal.config);
    const answer = (await waitForMail(count + 2)).find((m) => m.subject === `Antwort auf Ihren Widerspruch: ${title}`);
    expect(answer).toBeDefined();
    expect(answer!.text).toContain('Sie haben im Namen von Muster GmbH widersprochen. Unsere Antwort:');
    expect(answer!.text).toContain('Die Aufzeichnungen bleiben in der EU.');
  });

  it('refuses objections once a change has taken effect', async () => {
    const { changeId } = await planAddition(
      portal.db,
      { details: details('Already'), effectiveOn: todayIn(portal.config.timeZone) },
      { ...ctx(), noticeDays: 0 },
    );
    const url = `${portal.url}/subprocessors/changes/${changeId}`;
    expect(await (await fetch(url)).text()).toContain('no longer open to objections');
    const res = await fetch(url, form({ organisation: 'Acme Ltd', email: 'dpo@acme.example', reason: 'Too late but trying anyway.' }));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('This change is no longer open to objections.');
  });
});

describe('rate limits on the public forms', () => {
  it('answers 429 with Retry-After once an address has tried to subscribe 10 times in an hour', async () => {
    // The double opt-in test above used one of the ten.
    for (let i = 0; i < 9; i++) {
      expect((await fetch(`${portal.url}/subprocessors/subscribe`, form({ email: `not an email ${i}` }))).status).toBe(400);
    }
    const limited = await fetch(`${portal.url}/subprocessors/subscribe`, form({ email: 'late@example.org' }));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.text()).toContain('Too many attempts');
    const queued = await portal.db.selectFrom('mail_outbox').select('to_address').where('to_address', '=', 'late@example.org').execute();
    expect(queued).toEqual([]);
  });
});

describe('link pages', () => {
  it('are never cached: they carry tokens', async () => {
    for (const path of ['/subprocessors/subscribe/confirm?token=abc', '/subprocessors/unsubscribe?token=1.abc']) {
      expect((await fetch(`${portal.url}${path}`)).headers.get('cache-control'), path).toBe('no-store');
    }
  });
});
