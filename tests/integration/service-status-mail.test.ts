import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openIncident, postUpdate, scheduleMaintenance } from '../../app/models/status/incidents.server';
import { sweepStatus } from '../../app/models/status/sweep.server';
import { startTestPortal, type TestPortal } from '../support/portal';
import { startSmtpServer, type TestSmtp } from '../support/smtp';
import { seedStatusComponents } from '../support/status';

/**
 * Status alerts over a real SMTP conversation, delivered by the portal's own worker: double
 * opt-in from the public form, one component chosen and mail only for it, the subscriber's
 * language, the per-update "notify" choice, maintenance reminder/start/end notices, RFC 8058
 * one-click unsubscribe, and one preferences page for both topics.
 */
let portal: TestPortal;
let smtp: TestSmtp;
let ids: Awaited<ReturnType<typeof seedStatusComponents>>;
const PUBLIC_URL = 'https://status.example.test';
const staff = { id: null, source: 'staff' as const };

beforeAll(async () => {
  smtp = await startSmtpServer();
  portal = await startTestPortal({ SMTP_URL: smtp.url, PUBLIC_URL, SUBPROCESSOR_DEMO: 'off' });
  ids = await seedStatusComponents(portal.db);
});
afterAll(async () => {
  await portal?.stop();
  await smtp?.close();
});

const to = (m: ParsedMail) => (m.to && !Array.isArray(m.to) ? m.to.text : '');
const header = (m: ParsedMail, name: string) => m.headerLines.find((h) => h.key === name)?.line.replace(/^[^:]+:\s*/, '').replace(/\r?\n\s+/g, ' ');
const local = (url: string) => url.replace(PUBLIC_URL, portal.url);
const form = (fields: Record<string, string>, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(fields).toString(),
});

/** Waits for a message to `address` whose subject matches; fails if it does not come. */
async function mailTo(address: string, subject: RegExp, timeoutMs = 20_000): Promise<ParsedMail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = smtp.messages.find((m) => to(m) === address && subject.test(m.subject ?? ''));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no mail to ${address} matching ${subject}; got ${smtp.messages.map((m) => `${to(m)}: ${m.subject}`).join(' | ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the outbox holds nothing queued, so "no mail came" is a fact, not a race. */
async function outboxDrained() {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const [jobs, queued] = await Promise.all([
      portal.db.selectFrom('jobs').select('id').where('kind', 'in', ['status.notify', 'mail.deliver']).where('state', 'in', ['pending', 'running']).where('run_at', '<=', new Date()).execute(),
      portal.db.selectFrom('mail_outbox').select('id').where('status', '=', 'queued').execute(),
    ]);
    if (jobs.length === 0 && queued.length === 0) return;
    if (Date.now() > deadline) throw new Error('outbox did not drain');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function subscribe(email: string, fields: Record<string, string>, lang = 'en') {
  const earlier = smtp.messages.filter((m) => to(m) === email).length;
  const res = await fetch(`${portal.url}/service-status/subscribe`, form({ email, ...fields }, { 'Accept-Language': lang }));
  expect(res.status).toBe(200);
  const deadline = Date.now() + 20_000;
  while (smtp.messages.filter((m) => to(m) === email).length <= earlier) {
    if (Date.now() > deadline) throw new Error(`no confirmation to ${email}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const confirmation = smtp.messages.filter((m) => to(m) === email)[earlier]!;
  const link = /https:\/\/status\.example\.test(\/service-status\/subscribe\/confirm\?token=[\w-]+)/.exec(confirmation.text!)![1]!;
  // The link only shows a button: nothing is confirmed by opening it.
  expect((await fetch(`${portal.url}${link}`)).status).toBe(200);
  const token = new URL(link, portal.url).searchParams.get('token')!;
  const confirmed = await fetch(`${portal.url}/service-status/subscribe/confirm`, form({ token }));
  expect(confirmed.status).toBe(200);
  return confirmation;
}

describe('status alerts by email', () => {
  const ada = 'ada@example.org';
  const ben = 'ben@example.org';

  it('one component subscribed: mail only for it, in the subscriber language, and only when staff ask to notify', async () => {
    const confirmation = await subscribe(ada, { scope: 'chosen', [`component-${ids.email}`]: 'yes' }, 'de');
    expect(confirmation.subject).toBe('Bestätigen Sie Ihre Benachrichtigungen zum Dienststatus');
    expect(confirmation.text).toContain('Email delivery');
    const before = smtp.messages.length;

    // Another component: nothing for Ada.
    const other = await openIncident(portal.db, { name: 'Website slow', status: 'investigating', impact: 'minor', body: 'Looking.', components: { [ids.website]: 'degraded_performance' }, notify: true }, staff);
    await outboxDrained();
    expect(smtp.messages.slice(before).filter((m) => to(m) === ada)).toEqual([]);

    // Hers: a mail in German, with the one-click unsubscribe headers.
    const mine = await openIncident(portal.db, { name: 'Mail delayed', status: 'investigating', impact: 'major', body: 'We are currently investigating this issue.', components: { [ids.email]: 'major_outage' }, notify: true }, staff);
    const alert = await mailTo(ada, /Mail delayed/);
    expect(alert.subject).toContain('Wird untersucht');
    expect(alert.text).toContain('We are currently investigating this issue.');
    expect(alert.text).toContain('Betrifft: Email delivery');
    expect(header(alert, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(header(alert, 'list-unsubscribe')).toMatch(/^<https:\/\/status\.example\.test\/service-status\/unsubscribe\?token=[\d]+\.[\w-]+>$/);

    // An update staff do not mark "notify" mails nobody.
    const count = smtp.messages.filter((m) => to(m) === ada).length;
    await postUpdate(portal.db, { incidentId: mine.id, status: 'identified', body: 'Quiet fix.', components: {}, notify: false }, staff);
    await postUpdate(portal.db, { incidentId: other.id, status: 'resolved', body: 'Done.', components: {}, notify: true }, staff);
    await outboxDrained();
    expect(smtp.messages.filter((m) => to(m) === ada)).toHaveLength(count);
  });

  it('one-click unsubscribe (RFC 8058): a POST without cookies; no more mail', async () => {
    const alert = await mailTo(ada, /Mail delayed/);
    const url = header(alert, 'list-unsubscribe')!.slice(1, -1);
    expect((await fetch(local(url.replace(/\.[\w-]+$/, '.forged')), form({ 'List-Unsubscribe': 'One-Click' }))).status).toBe(400);
    const res = await fetch(local(url), form({ 'List-Unsubscribe': 'One-Click' }));
    expect(res.status).toBe(200);
    expect((await fetch(local(url), form({ 'List-Unsubscribe': 'One-Click' }))).status).toBe(200);
    const count = smtp.messages.filter((m) => to(m) === ada).length;
    await openIncident(portal.db, { name: 'Mail delayed again', status: 'investigating', impact: 'major', body: 'Again.', components: { [ids.email]: 'major_outage' }, notify: true }, staff);
    await outboxDrained();
    expect(smtp.messages.filter((m) => to(m) === ada)).toHaveLength(count);
  });

  it('maintenance: scheduled, reminder, start and end notices to an all-components subscriber', async () => {
    await subscribe(ben, { scope: 'all' });
    const start = new Date(Date.now() + 3 * 24 * 3600_000);
    await scheduleMaintenance(
      portal.db,
      { name: 'Relay upgrade', body: 'We will upgrade the mail relay.', componentIds: [ids.email], scheduledFor: start, scheduledUntil: new Date(start.getTime() + 3600_000), autoTransition: true, remindMinutes: 60, notify: true },
      staff,
    );
    expect((await mailTo(ben, /Relay upgrade: Scheduled/)).text).toContain('We will upgrade the mail relay.');
    await sweepStatus(portal.db, new Date(start.getTime() - 30 * 60_000));
    expect((await mailTo(ben, /Maintenance reminder: Relay upgrade/)).text).toContain('Relay upgrade');
    await sweepStatus(portal.db, new Date(start.getTime() + 60_000));
    expect((await mailTo(ben, /Relay upgrade: In progress/)).text).toContain('Scheduled maintenance is currently in progress.');
    await sweepStatus(portal.db, new Date(start.getTime() + 2 * 3600_000));
    expect((await mailTo(ben, /Relay upgrade: Completed/)).text).toContain('The scheduled maintenance has been completed.');
    // Each once, however often the sweep runs.
    await sweepStatus(portal.db, new Date(start.getTime() + 3 * 3600_000));
    await outboxDrained();
    expect(smtp.messages.filter((m) => to(m) === ben && /Relay upgrade/.test(m.subject ?? ''))).toHaveLength(4);
  });

  it('following one incident from its page mails that incident only', async () => {
    const carol = 'carol@example.org';
    const incident = await openIncident(portal.db, { name: 'Intake errors', status: 'investigating', impact: 'minor', body: 'Looking.', components: { [ids.intake]: 'partial_outage' }, notify: false }, staff);
    const res = await fetch(`${portal.url}/service-status/incidents/${incident.id}`, form({ email: carol }));
    expect(res.status).toBe(200);
    const confirmation = await mailTo(carol, /./);
    expect(confirmation.text).toContain('Intake errors');
    const token = /confirm\?token=([\w-]+)/.exec(confirmation.text!)![1]!;
    expect((await fetch(`${portal.url}/service-status/subscribe/confirm`, form({ token }))).status).toBe(200);
    await postUpdate(portal.db, { incidentId: incident.id, status: 'resolved', body: 'Intake works again.', components: {}, notify: true }, staff);
    expect((await mailTo(carol, /Intake errors: Resolved/)).text).toContain('Intake works again.');
    await openIncident(portal.db, { name: 'Website down', status: 'investigating', impact: 'critical', body: 'Down.', components: { [ids.website]: 'major_outage' }, notify: true }, staff);
    await outboxDrained();
    expect(smtp.messages.filter((m) => to(m) === carol && /Website down/.test(m.subject ?? ''))).toEqual([]);
  });

  it('one preferences page for both topics: registry alerts and status alerts on one subscription', async () => {
    const dan = 'dan@example.org';
    const registry = await fetch(`${portal.url}/subprocessors/subscribe`, form({ email: dan }));
    expect(registry.status).toBe(200);
    const first = await mailTo(dan, /subprocessor alerts/);
    const token = /confirm\?token=([\w-]+)/.exec(first.text!)![1]!;
    expect((await fetch(`${portal.url}/subprocessors/subscribe/confirm`, form({ token }))).status).toBe(200);
    await subscribe(dan, { scope: 'all' });
    const rows = await portal.db.selectFrom('subprocessor_subscriptions').selectAll().where('email', '=', dan).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ registry_alerts: true, status_alerts: true, status_all_components: true });

    await openIncident(portal.db, { name: 'Preferences check', status: 'investigating', impact: 'minor', body: 'x', components: { [ids.website]: 'degraded_performance' }, notify: true }, staff);
    const alert = await mailTo(dan, /Preferences check/);
    const manage = /https:\/\/status\.example\.test(\/alerts\/preferences\?token=[\w.-]+)/.exec(alert.text!)![1]!;
    const page = await fetch(`${portal.url}${manage}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    expect(html).toContain('Subprocessor changes');
    expect(html).toContain('Service status: incidents and maintenance');
    expect((await fetch(`${portal.url}/alerts/preferences?token=1.forged`)).status).toBe(404);

    // Keep status alerts for the website only, drop registry alerts, switch to French.
    const saved = await fetch(`${portal.url}${manage}`, form({ status: 'yes', scope: 'chosen', [`component-${ids.website}`]: 'yes', lang: 'fr' }));
    expect(saved.status).toBe(200);
    const after = await portal.db.selectFrom('subprocessor_subscriptions').selectAll().where('email', '=', dan).executeTakeFirstOrThrow();
    expect(after).toMatchObject({ registry_alerts: false, status_alerts: true, status_all_components: false, lang: 'fr', unsubscribed_at: null });
    await openIncident(portal.db, { name: 'Email only', status: 'investigating', impact: 'minor', body: 'x', components: { [ids.email]: 'degraded_performance' }, notify: true }, staff);
    await openIncident(portal.db, { name: 'Website only', status: 'investigating', impact: 'minor', body: 'x', components: { [ids.website]: 'degraded_performance' }, notify: true }, staff);
    expect((await mailTo(dan, /Website only/)).subject).toContain('En cours d’analyse');
    await outboxDrained();
    expect(smtp.messages.filter((m) => to(m) === dan && /Email only/.test(m.subject ?? ''))).toEqual([]);

    // Everything off: the address is unsubscribed.
    const off = await fetch(`${portal.url}${manage}`, form({ scope: 'all', lang: 'fr' }));
    expect(off.status).toBe(200);
    expect((await portal.db.selectFrom('subprocessor_subscriptions').select('unsubscribed_at').where('email', '=', dan).executeTakeFirstOrThrow()).unsubscribed_at).not.toBeNull();
  });
});
