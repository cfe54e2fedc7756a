import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setBreachOfficer } from '../../app/models/breaches/officers.server';
import { recordBreachFixture } from '../support/breaches';
import { toLocalInput } from '../../app/models/breaches/rules';
import { startTestPortal, type TestPortal } from '../support/portal';
import { startSmtpServer, type TestSmtp } from '../support/smtp';
import { createSessionCookie, createUser, type TestUser } from '../support/users';

/**
 * The breach register through the real server (the Remix build, PGlite or PostgreSQL) and a
 * real SMTP conversation: who may use it, what a refused form answers, a breach recorded,
 * filed and its people told, the German subject's mail in German, the deadline reminder
 * mailed by the job queue, the staff home's deadline, and the audited export.
 */
let portal: TestPortal;
let smtp: TestSmtp;
let dpo: TestUser;
let admin: TestUser;
let staff: TestUser;
const cookies: Record<'dpo' | 'admin' | 'staff', string> = { dpo: '', admin: '', staff: '' };
const TZ = 'Europe/Berlin';
const ORG = {
  ORG_NAME: 'Beispiel Datenwerk GmbH',
  ORG_ADDRESS: 'Musterweg 5, 80331 München, Deutschland',
  ORG_PRIVACY_EMAIL: 'datenschutz@datenwerk.example',
  ORG_DPO_NAME: 'Dr. Petra Prüf',
  ORG_DPO_EMAIL: 'dsb@datenwerk.example',
  AUTHORITY_NAME: 'Bayerisches Landesamt für Datenschutzaufsicht',
  AUTHORITY_ADDRESS: 'Promenade 18, 91522 Ansbach',
  AUTHORITY_URL: 'https://www.lda.bayern.de/',
};

beforeAll(async () => {
  smtp = await startSmtpServer();
  portal = await startTestPortal({ SMTP_URL: smtp.url, PORTAL_TIMEZONE: TZ, ...ORG });
  admin = await createUser(portal.db, { role: 'admin' });
  staff = await createUser(portal.db, { role: 'staff' });
  dpo = await createUser(portal.db, { role: 'staff' });
  await setBreachOfficer(portal.db, { email: dpo.email, dpo: true }, { id: admin.id });
  for (const who of ['dpo', 'admin', 'staff'] as const) cookies[who] = await createSessionCookie(portal.db, { dpo, admin, staff }[who]);
});
afterAll(async () => {
  await portal?.stop();
  await smtp?.close();
});

const get = (path: string, who: keyof typeof cookies) => fetch(`${portal.url}${path}`, { redirect: 'manual', headers: { Cookie: cookies[who] } });
const post = (path: string, who: keyof typeof cookies, fields: Record<string, string>) =>
  fetch(`${portal.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { Cookie: cookies[who], 'Content-Type': 'application/x-www-form-urlencoded', Origin: portal.url },
    body: new URLSearchParams(fields).toString(),
  });

async function waitFor<T>(find: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await find();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
const to = (m: ParsedMail) => (m.to && 'text' in m.to ? m.to.text : '');
const local = (msAgo: number) => toLocalInput(new Date(Date.now() - msAgo), TZ);
const H = 3_600_000;

function breachForm(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    title: 'Support inbox forwarded to a wrong address',
    detectedAt: local(50 * H),
    awareAt: local(50 * H),
    confidentiality: 'yes',
    nature: 'For a day, mail to the support inbox was forwarded to a mistyped external address.',
    subjectCategories: 'Customers who wrote to support',
    subjectsApprox: '80',
    recordCategories: 'Names, email addresses, message content',
    recordsApprox: '140',
    dpoContact: 'Dr. Petra Prüf, dsb@datenwerk.example',
    consequences: 'Messages may have been read by a stranger.',
    measures: 'Forwarding removed; the receiving domain asked to delete.',
    causes: 'A typo in a forwarding rule.',
    role: 'controller',
    risk: 'high',
    riskReasoning: 'Some messages contain order and health details.',
    ...overrides,
  };
}

describe('who may keep the register', () => {
  it('lets the DPO and administrators in, and refuses other staff with 403', async () => {
    for (const path of ['/staff/breaches', '/staff/breaches/new', '/staff/breaches.csv', '/staff/breaches.json']) {
      expect((await get(path, 'dpo')).status, path).toBe(200);
      expect((await get(path, 'admin')).status, path).toBe(200);
      expect((await get(path, 'staff')).status, path).toBe(403);
    }
    expect((await post('/staff/breaches/new', 'staff', breachForm())).status).toBe(403);
    // And on each breach's own pages, reading and acting.
    // Aware long before the breach the later tests record, so it stays second in the register's order.
    // One instant for both: two Date.now() calls a millisecond apart made awareness later than detection.
    const found = new Date(Date.now() - 100 * H);
    const breach = await recordBreachFixture(portal.db, admin.id, { detectedAt: found, awareAt: found });
    for (const path of ['', '/edit', '/notify', '/subjects', '/subjects?lang=de'].map((p) => `/staff/breaches/${breach.id}${p}`)) {
      expect((await get(path, 'dpo')).status, path).toBe(200);
      expect((await get(path, 'staff')).status, path).toBe(403);
    }
    for (const [path, fields] of [
      ['/notify', { intent: 'not_notified', reason: 'Staff may not decide this.' }],
      ['/subjects', { intent: 'add', source: 'entered', addresses: 'x@example.org', defaultLang: 'en' }],
      ['/edit', breachForm()],
    ] as const) {
      expect((await post(`/staff/breaches/${breach.id}${path}`, 'staff', fields)).status, path).toBe(403);
    }
    // Designating DPOs is for administrators.
    expect((await get('/staff/breaches/officers', 'dpo')).status).toBe(403);
    expect((await get('/staff/breaches/officers', 'admin')).status).toBe(200);
    // The staff home shows the breach panel to the DPO only.
    expect(await (await get('/staff', 'dpo')).text()).toContain('id="breach-deadlines"');
    expect(await (await get('/staff', 'staff')).text()).not.toContain('id="breach-deadlines"');
  });
});

describe('a breach recorded, filed in phases, and the people told', () => {
  let breachPath = '';

  it('refuses awareness before detection with a 400 that keeps what was typed', async () => {
    const res = await post('/staff/breaches/new', 'dpo', breachForm({ detectedAt: local(10 * H), awareAt: local(12 * H), title: 'Kept title ✓' }));
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('Awareness cannot come before detection');
    expect(html).toContain('value="Kept title ✓"');
    const noReason = await post('/staff/breaches/new', 'dpo', breachForm({ detectedAt: local(12 * H), awareAt: local(10 * H) }));
    expect(noReason.status).toBe(400);
    expect(await noReason.text()).toContain('Awareness is later than detection: say why');
  });

  it('prefills an availability breach from a status incident', async () => {
    const html = await (await get('/staff/breaches/new?incident=INC-42', 'dpo')).text();
    expect(html).toContain('Service outage (status incident INC-42)');
    expect(html).toMatch(/id="field-availability"[^>]*checked/);
    expect(html).toContain('name="incidentRef" value="INC-42"');
  });

  it('records the breach, and the job queue mails the deadline reminder to the DPO and the administrator', async () => {
    const res = await post('/staff/breaches/new', 'dpo', breachForm());
    expect(res.status).toBe(302);
    breachPath = res.headers.get('location')!.replace(/\?.*$/, '');
    expect(breachPath).toMatch(/^\/staff\/breaches\/[0-9a-f-]{36}$/);
    const page = await (await get(breachPath, 'dpo')).text();
    expect(page).toMatch(/Deadline to notify the authority \(72 hours after awareness\): (?:<!-- -->)?\w+day \d+ \w+ \d{4}, \d\d:\d\d Central European (Standard|Summer) Time \(Europe\/Berlin\)/);
    // Aware 50 hours ago: the 48-hour reminder's time has passed, the 24-hour one goes at once.
    const reminder = await waitFor(() => smtp.messages.find((m) => to(m) === dpo.email && /^Breach BR-\d{4}-\d{4}: 21 hours/.test(m.subject ?? '')), 'the reminder');
    expect(reminder.text).toContain('(Europe/Berlin)');
    await waitFor(() => smtp.messages.find((m) => to(m) === admin.email && m.subject === reminder.subject), "the administrator's reminder");
    expect(smtp.messages.some((m) => to(m) === staff.email)).toBe(false);
    const home = await (await get('/staff', 'dpo')).text();
    expect(home).toMatch(/Notify by the deadline: 21 hours \d+ minutes? left/);
  });

  it('refuses a form made from an older version with 409', async () => {
    const form = await (await get(`${breachPath}/edit`, 'dpo')).text();
    const version = /name="version" value="(\d+)"/.exec(form)![1]!;
    expect((await post(`${breachPath}/edit`, 'dpo', breachForm({ version, measures: 'More measures.' }))).status).toBe(302);
    expect((await post(`${breachPath}/edit`, 'dpo', breachForm({ version, measures: 'Stale.' }))).status).toBe(409);
  });

  it('files the initial notification and a follow-up', async () => {
    const initial = await post(`${breachPath}/notify`, 'dpo', { intent: 'file', phase: 'initial', filedAt: local(H), summary: 'Initial notification via the LDA portal.', authorityReference: 'LDA-2026-77' });
    expect(initial.status).toBe(302);
    // The redirect names what was done, and the page says so.
    const after = await (await get(initial.headers.get('location')!, 'dpo')).text();
    expect(after).toContain('The filing is recorded.');
    const noSummary = await post(`${breachPath}/notify`, 'dpo', { intent: 'file', phase: 'follow_up', filedAt: local(0) });
    expect(noSummary.status).toBe(400);
    expect((await post(`${breachPath}/notify`, 'dpo', { intent: 'file', phase: 'follow_up', filedAt: local(0), summary: 'Receiving domain confirmed deletion.' })).status).toBe(302);
    const page = await (await get(breachPath, 'dpo')).text();
    expect(page).toContain('Notified on time');
    expect(page).toContain('Follow-up (further information, Art. 33(4))');
  });

  it('tells a German subject in German, over SMTP, and shows the delivery', async () => {
    const subjects = `${breachPath}/subjects`;
    expect((await post(subjects, 'dpo', { intent: 'add', source: 'entered', addresses: 'hanna.schmidt@example.de, de\nbob@example.org', defaultLang: 'en' })).status).toBe(302);
    const refused = await post(subjects, 'dpo', { intent: 'send', confirm: 'yes' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/Write the text in (English and Deutsch|Deutsch and English) first/);
    const de = { intent: 'draft', lang: 'de', nature: 'Eine Weiterleitung schickte Ihre Nachricht an den Support an eine falsche Adresse.', consequences: 'Eine fremde Person könnte Ihre Nachricht gelesen haben.', measures: 'Wir haben die Weiterleitung entfernt. Seien Sie vorsichtig bei unerwarteten E-Mails.' };
    const en = { intent: 'draft', lang: 'en', nature: 'A forwarding rule sent your message to support to a wrong address.', consequences: 'A stranger may have read your message.', measures: 'We removed the rule. Be careful with unexpected emails.' };
    expect((await post(subjects, 'dpo', de)).status).toBe(302);
    expect((await post(subjects, 'dpo', en)).status).toBe(302);
    expect((await post(subjects, 'dpo', { intent: 'send' })).status).toBe(400);
    expect((await post(subjects, 'dpo', { intent: 'send', confirm: 'yes' })).status).toBe(302);

    const mail = await waitFor(() => smtp.messages.find((m) => to(m) === 'hanna.schmidt@example.de'), 'the German Art. 34 mail');
    expect(mail.subject).toBe('Wichtig: Eine Datenschutzverletzung bei Beispiel Datenwerk GmbH, die Sie betrifft');
    expect(mail.text).toContain('Beispiel Datenwerk GmbH informiert Sie über eine Verletzung der Sicherheit');
    expect(mail.text).toContain('Was ist geschehen?');
    expect(mail.text).toContain(de.nature);
    expect(mail.text).toContain('Ihr Ansprechpartner: Dr. Petra Prüf, dsb@datenwerk.example.');
    expect(mail.text).toContain('Bayerisches Landesamt für Datenschutzaufsicht');
    expect(mail.html).toContain('<html lang="de">');
    expect(mail.text).not.toContain('What happened');
    const english = await waitFor(() => smtp.messages.find((m) => to(m) === 'bob@example.org'), 'the English Art. 34 mail');
    expect(english.text).toContain('What happened');

    const page = await waitFor(async () => {
      const html = await (await get(subjects, 'dpo')).text();
      return (html.match(/Delivered \w+day/g) ?? []).length === 2 ? html : undefined;
    }, 'both deliveries on the page');
    expect(page).toContain('kept as sent');
  });

  it('exports the register, audited', async () => {
    const csv = await get('/staff/breaches.csv', 'dpo');
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="breach-register-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(await csv.text()).toContain('notified on time');
    const json = (await (await get('/staff/breaches.json', 'admin')).json()) as { breaches: Array<{ art34: { people: { sent: number } } }> };
    expect(json.breaches[0]!.art34.people.sent).toBe(2);
    const audited = await portal.db.selectFrom('audit_events').select(['actor_id', 'details']).where('action', '=', 'breach.register_exported').execute();
    expect(audited.map((a) => a.actor_id)).toEqual(expect.arrayContaining([dpo.id, admin.id]));
  });
});
