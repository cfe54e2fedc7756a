import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry, planAddition, viewRegistry } from '../../app/models/subprocessors/registry.server';
import { addDays, todayIn } from '../../app/utils/calendar';
import { startTestPortal, type TestPortal } from '../support/portal';
import { startSmtpServer, type TestSmtp } from '../support/smtp';

/**
 * A German visitor files a request and is answered in German, by mail and on the page; an
 * agent files for someone else; every page names the configured organisation and authority;
 * the registry page filters, downloads and explains its changes. The real server, a real
 * database and a real SMTP conversation.
 */
let portal: TestPortal;
let smtp: TestSmtp;
const PUBLIC_URL = 'https://privacy.example.test';
const ORG = {
  ORG_NAME: 'Beispiel Datenwerk GmbH',
  ORG_ADDRESS: 'Musterweg 5, 80331 München, Deutschland',
  ORG_PRIVACY_EMAIL: 'datenschutz@datenwerk.example',
  ORG_DPO_NAME: 'Dr. Petra Prüf',
  ORG_DPO_EMAIL: 'dsb@datenwerk.example',
  ORG_DPA_URL: 'https://datenwerk.example/avv',
  ORG_TRANSFERS_URL: 'https://datenwerk.example/transfers',
  AUTHORITY_NAME: 'Bayerisches Landesamt für Datenschutzaufsicht',
  AUTHORITY_ADDRESS: 'Promenade 18, 91522 Ansbach',
  AUTHORITY_URL: 'https://www.lda.bayern.de/',
};

beforeAll(async () => {
  smtp = await startSmtpServer();
  portal = await startTestPortal({ SMTP_URL: smtp.url, PUBLIC_URL, SUBPROCESSOR_DEMO: 'on', PORTAL_TIMEZONE: 'Europe/Berlin', ...ORG });
});
afterAll(async () => {
  await portal?.stop();
  await smtp?.close();
});

async function waitForMail(predicate: (m: ParsedMail) => boolean, timeoutMs = 20_000): Promise<ParsedMail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = smtp.messages.find(predicate);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no such mail among ${smtp.messages.map((m) => m.subject).join(' | ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const to = (m: ParsedMail) => (m.to && 'text' in m.to ? m.to.text : '');
const local = (url: string) => url.replace(PUBLIC_URL, portal.url);
const get = (path: string, headers: Record<string, string> = {}) => fetch(`${portal.url}${path}`, { redirect: 'manual', headers });

async function formKey(headers: Record<string, string> = {}) {
  const html = await (await get('/requests/new', headers)).text();
  return /name="submissionId" value="([^"]+)"/.exec(html)![1]!;
}

function intake(fields: Record<string, string>) {
  const form = new FormData();
  const all: Record<string, string> = { type: 'access', name: 'Test Person', requesterRole: 'self', confirm: 'yes', website: '', ...fields };
  for (const [k, v] of Object.entries(all)) form.set(k, v);
  return form;
}

describe('languages', () => {
  it('a German visitor files a request, gets the German email and sees the German status page', async () => {
    const de = { 'Accept-Language': 'de-DE,de;q=0.9,en;q=0.5' };
    const page = await (await get('/requests/new', de)).text();
    expect(page).toContain('<html lang="de"');
    expect(page).toContain('Antrag stellen');
    expect(page).toContain('Wie wir Ihre Angaben verwenden');
    const submissionId = await formKey(de);
    const posted = await fetch(`${portal.url}/requests/new`, {
      method: 'POST',
      redirect: 'manual',
      headers: de,
      body: intake({
        email: 'jana@example.de',
        name: 'Jana Schmidt',
        submissionId,
        scope: 'Meine Bestellungen',
        periodFrom: '2025-01-01',
        periodTo: '2025-06-30',
        aliases: 'jana.s@example.net',
        preferredFormat: 'csv',
        country: 'AT',
      }),
    });
    expect(posted.status).toBe(302);
    expect(posted.headers.get('location')).toBe('/requests/sent');
    const stored = await portal.db.selectFrom('requests').selectAll().where('email', '=', 'jana@example.de').executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ lang: 'de', scope: 'Meine Bestellungen', period_from: '2025-01-01', period_to: '2025-06-30', preferred_format: 'csv', country: 'AT' });

    const receipt = await waitForMail((m) => to(m) === 'jana@example.de');
    expect(receipt.subject).toBe(`Bestätigen Sie Ihren Antrag — Antrag auf Auskunft (Art. 15) ${stored.reference}`);
    expect(receipt.text).toContain('Wir haben Ihren Antrag auf Auskunft (Art. 15) erhalten');
    expect(receipt.text).toContain('Beispiel Datenwerk GmbH');
    expect(receipt.text).toContain('Bayerisches Landesamt für Datenschutzaufsicht');
    expect(receipt.html).toContain('<html lang="de">');

    // The link from the email, opened in a browser that sends no language preference: the request remembers German.
    const verifyUrl = local(/https:\/\/privacy\.example\.test\/verify\/[\w-]{43}/.exec(receipt.text!)![0]);
    const confirmed = await fetch(verifyUrl, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...de },
      body: 'intent=confirm',
    });
    expect(confirmed.status).toBe(302);
    const status = await (await get(confirmed.headers.get('location')!, de)).text();
    expect(status).toContain('<html lang="de"');
    expect(status).toContain(`Antrag ${stored.reference}`);
    expect(status).toContain('Worum Sie gebeten haben');
    expect(status).toContain('Meine Bestellungen');
    expect(status).toContain('1. Januar 2025 bis 30. Juni 2025');
    expect(status).toContain('CSV (Tabelle)');
    expect(status).toContain('Österreich');
    expect(status).toContain('Wie es weitergeht');
    expect(status).toContain('datenschutz@datenwerk.example');
    expect(status).toMatch(/Mitteleuropäische (Normal|Sommer)zeit/);

    const verified = await waitForMail((m) => to(m) === 'jana@example.de' && m.subject!.startsWith('Ihr Antrag ist bestätigt'));
    expect(verified.text).toMatch(/Wir antworten bis \w+, \d{1,2}\. \p{L}+ \d{4}\./u);
    // Confirmed: no warning that an unconfirmed request expires.
    expect(verified.text).not.toContain('unbestätigter Antrag');
  });

  it('the registry page, served from the public cache, answers each visitor in their language', async () => {
    for (let i = 0; i < 2; i++) {
      const de = await (await get('/subprocessors', { 'Accept-Language': 'de-CH, de;q=0.9' })).text();
      expect(de).toContain('<html lang="de"');
      expect(de).toContain('Aktuelle Unterauftragsverarbeiter');
      const fr = await (await get('/subprocessors', { 'Accept-Language': 'fr' })).text();
      expect(fr).toContain('<html lang="fr"');
      const en = await (await get('/subprocessors')).text();
      expect(en).toContain('<html lang="en"');
      expect(en).toContain('Current subprocessors');
    }
  });

  it('a switcher link (?lng=) renders the page in that language and remembers it in a cookie', async () => {
    const res = await get('/?lng=fr', { 'Accept-Language': 'de' });
    expect(res.headers.getSetCookie().join()).toMatch(/^lang=fr; Path=\/; Max-Age=31536000; SameSite=Lax/);
    const html = await res.text();
    expect(html).toContain('<html lang="fr"');
    expect(html).toContain('Vos données, vos droits');
    const again = await (await get('/subprocessors', { Cookie: 'lang=fr', 'Accept-Language': 'de' })).text();
    expect(again).toContain('<html lang="fr"');
    expect(again).toContain('Sous-traitants actuels');
  });

  it('errors are listed at the top with links to their fields, and the title says so', async () => {
    const res = await fetch(`${portal.url}/requests/new`, {
      method: 'POST',
      headers: { 'Accept-Language': 'fr' },
      body: intake({ email: 'nope', submissionId: await formKey(), requesterRole: 'representative', confirm: '' }),
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('<title>Erreur : Faire une demande — Beispiel Datenwerk GmbH</title>');
    expect(html).toContain('<h2 id="error-summary-title">Il y a un problème</h2>');
    for (const field of ['email', 'subjectName', 'subjectEmail', 'agentRelationship', 'authorisation', 'confirm']) {
      expect(html).toContain(`href="#field-${field}"`);
    }
  });
});

describe('the reply page speaks the subject\'s language', () => {
  it('says what is wrong with a reply in German, and with a refused file, naming it', async () => {
    const { createRequest } = await import('../../app/models/requests/requests.server');
    const { confirmVerification } = await import('../../app/models/requests/verification.server');
    const { transitionRequest } = await import('../../app/models/requests/transitions.server');
    const { issueToken } = await import('../../app/models/requests/tokens.server');
    const { intakeInput, rules } = await import('../support/requests');
    const created = await createRequest(portal.db, intakeInput({ type: 'access' }), { rules });
    if (created.outcome !== 'created') throw new Error('not created');
    await confirmVerification(portal.db, created.verifyToken!, { rules });
    for (const action of ['start', 'request_information'] as const) {
      await transitionRequest(portal.db, { requestId: created.request.id, action, actor: { kind: 'staff' }, note: 'Welche Kundennummer?' }, { rules });
    }
    const token = await issueToken(portal.db, created.request.id, 'status');
    const post = (form: FormData) =>
      fetch(`${portal.url}/status/s/${token}/reply`, { method: 'POST', headers: { 'Accept-Language': 'de', Origin: portal.url }, body: form });
    const empty = new FormData();
    empty.append('message', ' ');
    const res = await post(empty);
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('Schreiben Sie eine Antwort.');
    expect(html).toContain('Ihre Antwort muss noch korrigiert werden.');
    const wrong = new FormData();
    wrong.append('message', 'Hier ist sie');
    wrong.append('files', new Blob(['just text']), 'notiz.txt');
    const refused = await (await post(wrong)).text();
    expect(refused).toContain('notiz.txt ist keine PDF-, PNG- oder JPEG-Datei.');
  });
});

describe('agents', () => {
  it('an agent files for someone else with an authorisation: both are asked to confirm, the document is kept encrypted', async () => {
    const form = intake({
      email: 'agent@lawfirm.example',
      name: 'Alex Agent',
      requesterRole: 'representative',
      subjectName: 'Sam Subject',
      subjectEmail: 'sam@example.org',
      agentRelationship: 'lawyer',
      submissionId: await formKey(),
    });
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
    form.set('authorisation', new Blob([pdf], { type: 'application/pdf' }), 'mandate.pdf');
    const res = await fetch(`${portal.url}/requests/new`, { method: 'POST', redirect: 'manual', body: form });
    expect(res.status).toBe(302);
    const stored = await portal.db.selectFrom('requests').selectAll().where('email', '=', 'agent@lawfirm.example').executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ requester_role: 'representative', subject_name: 'Sam Subject', subject_email: 'sam@example.org', agent_relationship: 'lawyer' });
    const files = await portal.db.selectFrom('request_attachments').select(['filename', 'content_type', 'ciphertext']).where('request_id', '=', stored.id).execute();
    expect(files.map((f) => [f.filename, f.content_type])).toEqual([['mandate.pdf', 'application/pdf']]);
    expect(Buffer.from(files[0]!.ciphertext).includes(pdf)).toBe(false);

    const forAgent = await waitForMail((m) => to(m) === 'agent@lawfirm.example');
    const forSubject = await waitForMail((m) => to(m) === 'sam@example.org');
    expect(forAgent.text).toContain('We have also sent a confirmation link to Sam Subject');
    expect(forSubject.text).toContain('Alex Agent made this request on your behalf, as your Lawyer or legal representative.');
    expect(/\/verify\/[\w-]{43}/.test(forSubject.text!)).toBe(true);
  });

  it('refuses an authorisation that is not a PDF, PNG or JPEG, with the form kept', async () => {
    const form = intake({
      email: 'agent2@lawfirm.example',
      requesterRole: 'representative',
      subjectName: 'Kim',
      subjectEmail: 'kim@example.org',
      agentRelationship: 'parent',
      submissionId: await formKey(),
    });
    form.set('authorisation', new Blob(['MZ not a pdf'], { type: 'application/pdf' }), 'mandate.pdf');
    const res = await fetch(`${portal.url}/requests/new`, { method: 'POST', body: form });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('The authorisation must be a PDF, JPEG or PNG file');
    expect(html).toContain('value="kim@example.org"');
    expect(await portal.db.selectFrom('requests').select('id').where('email', '=', 'agent2@lawfirm.example').execute()).toEqual([]);
  });
});

describe('identity on every public page', () => {
  it.each(['/', '/requests/new', '/requests/sent', '/subprocessors', '/subprocessors/subscribe', '/login', '/no-such-page'])(
    '%s names the organisation, its contacts and the supervisory authority',
    async (path) => {
      const html = await (await get(path)).text();
      for (const text of ['Beispiel Datenwerk GmbH', 'datenschutz@datenwerk.example', 'Dr. Petra Prüf', 'Bayerisches Landesamt für Datenschutzaufsicht', 'https://www.lda.bayern.de/']) {
        expect(html).toContain(text);
      }
      expect(html).not.toContain('Example Ltd');
    },
  );
});

describe('the registry page', () => {
  it('states the notice period, dates the last update by the latest announcement, and links every change', async () => {
    const html = await (await get('/subprocessors')).text();
    expect(html).toContain('at least 30 days before it takes effect');
    expect(html).toMatch(/Last updated: \d{1,2} \w+ \d{4}/);
    expect(html).not.toMatch(/(?<!["=\d-])\d{4}-\d{2}-\d{2}(?![\d"])/);
    expect(html).not.toContain('..');
    expect(html).toMatch(/href="\/subprocessors\/changes\/\d+"/);
    expect(html).toContain('href="https://datenwerk.example/avv"');
  });

  it('filters by search and category without JavaScript, and downloads CSV', async () => {
    const all = await (await get('/subprocessors')).text();
    const count = (html: string) => Number(/(\d+) subprocessors? as of/.exec(html)?.[1] ?? '0');
    expect(count(all)).toBeGreaterThan(1);
    const none = await (await get('/subprocessors?q=zzzz-nothing')).text();
    expect(none).toContain('No subprocessor matches this search.');
    const csv = await get('/subprocessors.csv');
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="subprocessors-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = (await csv.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe('"name","legal_entity","category","purpose","data_categories","locations","transfer_mechanism","website","since"');
    expect(lines.length - 1).toBe(count(all));
    const first = /"([^"]+)"/.exec(lines[1]!)![1]!;
    const searched = await (await get(`/subprocessors?q=${encodeURIComponent(first)}`)).text();
    expect(count(searched)).toBeGreaterThanOrEqual(1);
    const other = await (await get('/subprocessors?category=affiliates')).text();
    expect(other).toContain('<option value="affiliates" selected="">');
  });

  it('a change page shows the subprocessor before and after, with the date in the caption', async () => {
    const html = await (await get('/subprocessors')).text();
    const id = /href="\/subprocessors\/changes\/(\d+)"/.exec(html)![1];
    const change = await (await get(`/subprocessors/changes/${id}`)).text();
    expect(change).toContain('Before this change');
    expect(change).toMatch(/<h2>From \d{1,2} \w+ \d{4}<\/h2>/);
    expect(change).not.toContain('Details from this change on<');
  });

  it('staff file a subprocessor under a category; the filter finds it there and nowhere else', async () => {
    const effectiveOn = addDays(todayIn('Europe/Berlin'), 31);
    await planAddition(
      portal.db,
      {
        details: {
          name: 'Zahlwerk Payments',
          legalEntity: 'Zahlwerk AG',
          purpose: 'Card payments',
          dataCategories: ['Payment details'],
          locations: ['DE'],
          transferMechanism: 'eea-only',
          website: 'https://zahlwerk.example/',
        },
        effectiveOn,
        category: 'payments',
      },
      { actorId: null, ip: null, timeZone: 'Europe/Berlin', noticeDays: 30 },
    );
    // From its effective date it is listed under its category.
    const later = viewRegistry(await loadRegistry(portal.db), effectiveOn, effectiveOn);
    expect(later.active.find((e) => e.name === 'Zahlwerk Payments')?.category).toBe('payments');
    // The page's filter keeps one group: the demo's infrastructure, not its support tools.
    const infrastructure = await (await get('/subprocessors?category=infrastructure')).text();
    const table = infrastructure.slice(infrastructure.indexOf('<table'), infrastructure.indexOf('</table>'));
    expect(table).toContain('Amazon Web Services');
    expect(table).not.toContain('Zendesk');
    expect(table).toContain('Infrastructure');
  });

  it('the feed names the organisation as its author', async () => {
    const atom = await (await get('/subprocessors/feed.atom')).text();
    expect(atom).toContain('<name>Beispiel Datenwerk GmbH</name>');
    expect(atom).toContain('<email>datenschutz@datenwerk.example</email>');
  });
});
