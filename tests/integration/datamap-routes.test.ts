import fs from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';
import { parse as parseCsv } from 'csv-parse/sync';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { RECORD_CSV_COLUMNS } from '../../app/models/datamap/record.server';
import { requestVersion } from '../../app/models/requests/staff.server';
import { confirmVerification } from '../../app/models/requests/verification.server';
import { startTestPortal, type TestPortal } from '../support/portal';
import { fileRequest, rules } from '../support/requests';
import { createSessionCookie, createUser, type TestUser } from '../support/users';

/**
 * Issue 20 over HTTP: the map imported through /staff/data-map, an access request answered by
 * two systems (the third holds nothing) whose summary names exactly their processing in three
 * languages, the Art. 30 record with every column and its history, the public notice, and who
 * may do what.
 */
const FIXTURE = fs.readFileSync(new URL('../fixtures/datamap/three-systems.yml', import.meta.url), 'utf8');
let portal: TestPortal;
let admin: TestUser;
let staff: TestUser;
let adminCookie: string;
let staffCookie: string;
let subjectCookie: string;

beforeAll(async () => {
  portal = await startTestPortal({ SUBPROCESSOR_DEMO: 'on' });
  admin = await createUser(portal.db, { role: 'admin' });
  staff = await createUser(portal.db, { role: 'staff' });
  const subject = await createUser(portal.db, { role: 'subject' });
  adminCookie = await createSessionCookie(portal.db, admin);
  staffCookie = await createSessionCookie(portal.db, staff);
  subjectCookie = await createSessionCookie(portal.db, subject);
});
afterAll(async () => {
  await portal?.stop();
});

const get = (path: string, cookie = staffCookie) => fetch(portal.url + path, { headers: { Cookie: cookie }, redirect: 'manual' });
const post = (path: string, fields: Record<string, string>, cookie = adminCookie) =>
  fetch(portal.url + path, {
    method: 'POST',
    redirect: 'manual',
    headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', Origin: portal.url },
    body: new URLSearchParams(fields),
  });
const postMultipart = (path: string, form: FormData, cookie = adminCookie) =>
  fetch(portal.url + path, { method: 'POST', redirect: 'manual', headers: { Cookie: cookie, Origin: portal.url }, body: form });
const systemId = async (key: string) => (await portal.db.selectFrom('connected_systems').select('id').where('fides_key', '=', key).executeTakeFirstOrThrow()).id;
const current = (id: string) => portal.db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('import and export through the pages', () => {
  it('refuses a staff member who is not the DPO, then imports the file for an administrator and exports it unchanged', async () => {
    const form = () => {
      const f = new FormData();
      f.append('intent', 'import');
      f.append('file', new Blob([FIXTURE], { type: 'application/yaml' }), 'map.yml');
      return f;
    };
    expect((await postMultipart('/staff/data-map', form(), staffCookie)).status).toBe(403);
    const res = await postMultipart('/staff/data-map', form());
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toContain('created=3');

    const yaml = await get('/staff/data-map/export.yaml');
    expect(yaml.status).toBe(200);
    expect(yaml.headers.get('content-disposition')).toMatch(/attachment; filename="data-map-\d{4}-\d{2}-\d{2}\.yml"/);
    const exported = parseYaml(await yaml.text()) as { system: Array<{ fides_key: string }> };
    expect(exported.system.filter((s) => s.fides_key !== 'privacy_portal')).toEqual((parseYaml(FIXTURE) as { system: unknown[] }).system);
    const json = (await (await get('/staff/data-map/export.json')).json()) as { system: Array<{ fides_key: string }> };
    expect(json.system.map((s) => s.fides_key)).toEqual(exported.system.map((s) => s.fides_key));
    const audited = await portal.db.selectFrom('audit_events').select('action').where('action', 'in', ['datamap.imported', 'datamap.exported']).execute();
    expect(audited.map((a) => a.action).sort()).toEqual(['datamap.exported', 'datamap.exported', 'datamap.imported']);
  });

  it('a bad file is refused with its reason, keeping what was pasted', async () => {
    const f = new FormData();
    f.append('intent', 'import');
    f.append('document', 'system:\n  - name: no key');
    const res = await postMultipart('/staff/data-map', f);
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('Nothing was imported. System 1 has no valid fides_key.');
    // FormData sends line breaks as CRLF: what comes back is what the browser sent.
    expect(html).toMatch(/<textarea[^>]*name="document"[^>]*>system:\r?\n {2}- name: no key<\/textarea>/);
  });
});

describe('an access request answered by two of the three systems', () => {
  let requestId: string;

  it('records each system’s answer by hand, and lists only the two that hold data in summary.html and data.json', async () => {
    const { request, verifyToken } = await fileRequest(portal.db, { type: 'access', name: 'Grace Hopper' });
    requestId = request.id;
    expect((await confirmVerification(portal.db, verifyToken!, { rules })).status).toBe('verified');
    await post(`/staff/requests/${request.id}`, { intent: 'start', version: requestVersion(await current(request.id)) }, staffCookie);

    // A refusal needs its reason; a bad system id is refused by the form.
    const refused = await post(`/staff/requests/${request.id}/systems`, { systemId: await systemId('crm'), outcome: 'refused', note: '' }, staffCookie);
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain('Say why the system refused.');
    for (const [key, outcome] of [
      ['crm', 'data'],
      ['newsletter', 'data'],
      ['support_desk', 'no_data'],
    ] as const) {
      const res = await post(`/staff/requests/${request.id}/systems`, { systemId: await systemId(key), outcome, note: '' }, staffCookie);
      expect(res.status).toBe(302);
    }
    const again = await post(`/staff/requests/${request.id}/systems`, { systemId: await systemId('crm'), outcome: 'no_data', note: '' }, staffCookie);
    expect(again.status).toBe(409);
    const page = await (await get(`/staff/requests/${request.id}/systems`)).text();
    expect(page).toContain('Holds no data about the person');

    const done = await post(
      `/staff/requests/${request.id}`,
      { intent: 'complete', version: requestVersion(await current(request.id)), outcome: 'fulfilled', answer: 'Here is your data.' },
      staffCookie,
    );
    expect(done.status).toBe(302);
    const pkg = await portal.db.selectFrom('access_packages').select('id').where('request_id', '=', request.id).executeTakeFirst();
    expect(pkg).toBeTruthy();
    const { downloadPackage } = await import('../../app/models/requests/packages.server');
    const file = await downloadPackage(portal.db, { requestId: request.id, via: 'status_link', userId: null, ip: null }, { exportKey: portal.config.secrets.exportKey });
    const zip = unzipSync(new Uint8Array(await new Response(file!.body).arrayBuffer()));
    const data = JSON.parse(strFromU8(zip['data.json']!));
    const systems = data.processing.systems as Array<{ system: string; why: string; activities: Array<{ name: string; legalBasis: string; rightToObject: boolean }> }>;
    expect(systems.map((s) => s.system)).toEqual(['Privacy portal', 'Customer CRM', 'Mailchimp newsletter']);
    expect(systems[0]!.why).toBe('portal');
    const crm = systems[1]!;
    expect(crm.activities.map((a) => a.name)).toEqual(['Customer contracts', 'Sales prospecting']);
    expect(crm.activities[1]).toMatchObject({ legalBasis: 'Legitimate interests (Art. 6(1)(f) GDPR)', rightToObject: true });

    const summary = strFromU8(zip['summary.html']!);
    for (const text of [
      'To make and keep contracts with our customers.',
      'Contract (Art. 6(1)(b) GDPR)',
      'To contact people who may become customers.',
      'Our legitimate interest: Finding new customers',
      'You may object to this processing at any time',
      'Product newsletter',
      'Consent (Art. 6(1)(a) GDPR)',
      'You may withdraw your consent at any time: The unsubscribe link in every newsletter.',
      '10 years after the contract ends',
      '2 years after the last contact',
      'Until you unsubscribe',
      'Job Title',
      'Support desk',
      'United States: EU-US Data Privacy Framework',
      'Professional networks and trade fairs.',
      'Answering data-protection requests',
    ]) {
      expect(summary, text).toContain(text);
    }
    // The support desk answered "no data": its purpose is not listed as a holder's.
    expect(summary).not.toContain('Answer support tickets');
    expect(summary).not.toContain('3 years after the ticket is closed');
    // The fixed sentences are gone.
    expect(summary).not.toContain('for other purposes');
    expect(summary).not.toContain('This portal makes no decision about you');
  });

  it('shows the same processing in German and French, translated where the organisation translated it', async () => {
    for (const [lang, expected] of [
      ['de', ['Kundenverträge', 'Um Verträge mit unseren Kunden zu schließen und zu erfüllen.', 'Vertrag (Art. 6 Abs. 1 lit. b DSGVO)', 'nach Vertragsende', '10 Jahre', 'Sie können dieser Verarbeitung']],
      ['fr', ['Contrats clients', 'Pour conclure et exécuter les contrats avec nos clients.', 'Contrat (art. 6, par. 1, b, du RGPD)', 'après la fin du contrat', '10 ans', 'Vous pouvez vous opposer']],
    ] as const) {
      await portal.db.updateTable('requests').set({ lang }).where('id', '=', requestId).execute();
      const res = await get(`/staff/requests/${requestId}/package-preview`);
      expect(res.status).toBe(200);
      const summary = strFromU8(unzipSync(new Uint8Array(await res.arrayBuffer()))['summary.html']!);
      expect(summary).toContain(`<html lang="${lang}"`);
      for (const text of expected) expect(summary, `${lang}: ${text}`).toContain(text);
      expect(summary).not.toContain('Answer support tickets');
    }
  });
});

describe('the Art. 30 record', () => {
  it('has every column of Art. 30(1)(a)-(g) in its CSV, with the controller and the DPO from configuration', async () => {
    const res = await get('/staff/record-of-processing.csv');
    expect(res.status).toBe(200);
    const rows = parseCsv(await res.text(), { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(rows[0]!)).toEqual([...RECORD_CSV_COLUMNS]);
    const contracts = rows.find((r) => r.activity === 'Customer contracts')!;
    expect(contracts).toMatchObject({
      controller_name: portal.config.organisation.name,
      system: 'Customer CRM',
      purposes: 'To make and keep contracts with our customers.',
      recipients: 'Support desk',
      retention: '10 years after the contract ends',
    });
    expect(contracts.security_measures).toContain('Single sign-on with MFA');
    expect(contracts.dpo).toContain(portal.config.organisation.dpo!.name);
    const json = await (await get('/staff/record-of-processing.json')).json();
    expect(json.rows.length).toBe(rows.length);
  });

  it('is readable by a German and a French DPO: the labels are translated', async () => {
    const de = await (await get('/staff/record-of-processing?lang=de')).text();
    for (const label of ['Verzeichnis von Verarbeitungstätigkeiten', 'Kategorien betroffener Personen (c)', 'Fristen für die Löschung (f)', 'Kundenverträge']) expect(de).toContain(label);
    const fr = await (await get('/staff/record-of-processing/print?lang=fr')).text();
    for (const label of ['Registre des activités de traitement', 'Catégories de destinataires (d)', 'Délais prévus pour l’effacement (f)', 'Contrats clients']) expect(fr).toContain(label);
  });

  it('shows an earlier version with ?at=, and refuses a bad date with a reason', async () => {
    const support = await systemId('support_desk');
    const [ticket] = await portal.db
      .selectFrom('processing_activities')
      .select(['activity_id', 'declaration'])
      .where('system_id', '=', support)
      .execute();
    // Move the first version a day back, as if saved yesterday, then change the activity today.
    // (The table refuses updates: the test lifts its trigger for this one backdating.)
    await sql`alter table processing_activities disable trigger processing_activities_keep`.execute(portal.db);
    await sql`update processing_activities set recorded_at = recorded_at - interval '2 days'`.execute(portal.db);
    await sql`alter table processing_activities enable trigger processing_activities_keep`.execute(portal.db);
    const values: Record<string, string> = {
      name: 'Answer support tickets',
      purpose: 'To answer support tickets, second version.',
      role: 'controller',
      dataUse: 'essential.service.operations.support',
      'cat:user.contact.email': 'on',
      'subj:customer': 'on',
      legalBasis: 'b',
      retentionKind: 'rule',
      retentionRule: '3 years after the ticket is closed',
      sourceFromSubject: 'on',
      automatedMade: 'no',
      activityId: ticket!.activity_id,
    };
    const saved = await post(`/staff/systems/${support}/activity`, values);
    expect(saved.status).toBe(302);
    const today = await (await get('/staff/record-of-processing')).text();
    expect(today).toContain('To answer support tickets, second version.');
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const then = await (await get(`/staff/record-of-processing?at=${yesterday}`)).text();
    expect(then).not.toContain('second version');
    expect(then).toContain('Answer support tickets');
    const bad = await get('/staff/record-of-processing?at=2999-01-01');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('not a future one');
  });
});

describe('the declaration form', () => {
  it('keeps what was typed and names each missing field', async () => {
    const support = await systemId('support_desk');
    const res = await post(`/staff/systems/${support}/activity`, { name: 'Half typed', purpose: '', legalBasis: 'f', retentionKind: 'period', 'cat:user.name': 'on' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('value="Half typed"');
    for (const message of ['Say what the processing is for', 'Choose at least one category of data subjects', 'Say which legitimate interest is pursued']) expect(html).toContain(message);
    expect(html).toMatch(/name="cat:user.name"[^>]*checked/);
  });
});

describe('the public notice and who may see what', () => {
  it('is 404 until published, then lists the purposes in the visitor’s language, saying when texts are untranslated', async () => {
    expect((await fetch(`${portal.url}/privacy/processing`)).status).toBe(404);
    expect(await (await fetch(`${portal.url}/subprocessors`)).text()).not.toContain('/privacy/processing');
    const f = new FormData();
    f.append('intent', 'publish');
    expect((await postMultipart('/staff/data-map', f, staffCookie)).status).toBe(403);
    expect((await postMultipart('/staff/data-map', f)).status).toBe(302);
    const en = await fetch(`${portal.url}/privacy/processing`);
    expect(en.status).toBe(200);
    const html = await en.text();
    expect(html).toContain('To make and keep contracts with our customers.');
    expect(html).toContain('Answering data-protection requests');
    expect(html).not.toContain('have not been translated');
    const de = await (await fetch(`${portal.url}/privacy/processing`, { headers: { 'Accept-Language': 'de' } })).text();
    expect(de).toContain('Wie wir personenbezogene Daten verarbeiten');
    expect(de).toContain('Kundenverträge');
    // The support desk's texts have no German translation: the page says so.
    expect(de).toContain('Einige Texte dieser Seite hat');
    expect(await (await fetch(`${portal.url}/subprocessors`)).text()).toContain('href="/privacy/processing"');
  });

  it('lets staff read the map and the record, and keeps subjects and signed-out visitors out', async () => {
    for (const path of ['/staff/systems', '/staff/data-map', '/staff/data-map/vocabulary', '/staff/record-of-processing', `/staff/systems/${await systemId('crm')}`]) {
      expect((await get(path)).status, path).toBe(200);
      expect((await get(path, subjectCookie)).status, path).toBe(403);
      expect((await get(path, '')).status, path).toBe(302);
    }
    expect((await get(`/staff/systems/${await systemId('crm')}/activity`)).status).toBe(403);
    expect((await post('/staff/systems', { name: 'Sneaky' }, staffCookie)).status).toBe(403);
    expect((await get('/staff/data-map/export.yaml', subjectCookie)).status).toBe(403);
  });

  it('counts the gaps on /staff', async () => {
    const crm = await systemId('crm');
    const res = await post(`/staff/systems/${crm}/activity`, {
      name: 'Forever activity',
      purpose: 'Keeping things.',
      role: 'controller',
      dataUse: 'essential.service',
      'cat:user.contact.email': 'on',
      'subj:customer': 'on',
      legalBasis: 'b',
      retentionKind: 'forever',
      sourceFromSubject: 'on',
      automatedMade: 'no',
    });
    expect(res.status).toBe(302);
    const home = await (await get('/staff')).text();
    expect(home).toMatch(/gaps to\s+fix: <strong>1<\/strong>/);
    const page = await (await get(`/staff/systems/${crm}`)).text();
    expect(page).toContain('The data is kept forever.');
  });
});

describe('the portal’s own activities in a package', () => {
  it('lists the account, alert and objection activities only to people who have them', async () => {
    const { fileRequest: file, rules: r } = await import('../support/requests');
    const { request, verifyToken } = await file(portal.db, { type: 'access' });
    await confirmVerification(portal.db, verifyToken!, { rules: r });
    await post(`/staff/requests/${request.id}`, { intent: 'start', version: requestVersion(await current(request.id)) }, staffCookie);
    const names = async () => {
      const zip = unzipSync(new Uint8Array(await (await get(`/staff/requests/${request.id}/package-preview`)).arrayBuffer()));
      const data = JSON.parse(strFromU8(zip['data.json']!));
      return (data.processing.systems[0].activities as Array<{ name: string }>).map((a) => a.name);
    };
    const without = await names();
    expect(without).toContain('Answering data-protection requests');
    expect(without).not.toContain('Your portal account');
    expect(without).not.toContain('Alerts you subscribed to');
    await createUser(portal.db, { role: 'subject', email: request.email });
    const withAccount = await names();
    expect(withAccount).toContain('Your portal account');
    expect(withAccount).toContain('Security of sign-in');
    expect(withAccount).not.toContain('Alerts you subscribed to');
  });
});
