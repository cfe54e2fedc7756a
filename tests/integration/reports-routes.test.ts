import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actOnRequest, requestVersion, type StaffAction } from '../../app/models/requests/staff.server';
import { createRequest } from '../../app/models/requests/requests.server';
import { DEMO_ORGANISATION } from '../../app/utils/env.server';
import { intakeInput, rules } from '../support/requests';
import { startTestPortal, type TestPortal } from '../support/portal';
import { createSessionCookie, createUser, type TestUser } from '../support/users';

/**
 * /staff/reports and its exports, and the public /transparency, over HTTP against the real
 * server: who may see them, what a bad query gets, that every export and view is audited, that
 * the CSV reads back through a CSV parser with no email in it, and that the public report
 * shows nothing before it is published and nothing personal after.
 */
let portal: TestPortal;
let staff: TestUser;
let admin: TestUser;
let staffCookie: string;
let adminCookie: string;
let subjectCookie: string;
const SUBJECTS = [
  { email: 'zebulon.quark@example.test', name: 'Zebulon Quark' },
  { email: 'ottilie.fernsby@example.test', name: 'Ottilie Fernsby' },
  { email: 'mirabel.ashcombe@example.test', name: 'Mirabel Ashcombe' },
];
const ids: string[] = [];

async function act(id: string, when: string, action: Record<string, unknown> & { intent: string }) {
  const request = await portal.db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  await actOnRequest(
    portal.db,
    { requestId: id, action: { version: requestVersion(request), ...action } as StaffAction },
    { id: staff.id, ip: null },
    { rules, organisation: DEMO_ORGANISATION, now: new Date(when) },
  );
}

/**
 * A request filed on `at` by a signed-in subject with their own confirmed address: verified at
 * once. Filed unverified and confirmed a moment later, the server's job worker (it runs here)
 * could expire it in between, since on today's clock its 7 days ran out long ago.
 */
async function verified(type: string, subject: (typeof SUBJECTS)[number], at: string) {
  const account = await createUser(portal.db, { role: 'subject', email: subject.email });
  const result = await createRequest(portal.db, { ...intakeInput({ type: type as never, ...subject }), userId: account.id }, { rules, now: new Date(at) });
  if (result.outcome !== 'created' || result.request.state !== 'open') throw new Error(`expected a verified request, got ${result.outcome}`);
  ids.push(result.request.id);
  return result.request.id;
}

const get = (path: string, cookie?: string, headers: Record<string, string> = {}) =>
  fetch(portal.url + path, { redirect: 'manual', headers: { ...(cookie ? { Cookie: cookie } : {}), ...headers } });
const post = (path: string, fields: Record<string, string>, cookie: string) =>
  fetch(portal.url + path, {
    method: 'POST',
    redirect: 'manual',
    headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', Origin: portal.url },
    body: new URLSearchParams(fields),
  });
/** A page's HTML without the empty comments React puts between adjacent text parts. */
const html = async (res: Response) => (await res.text()).replace(/<!-- -->/g, '');
/** A table row's cells, `|`-separated: `|Label||1||2|`. */
const row = (html: string, label: string) => new RegExp(`<th scope="row">${label}</th>(<td[^>]*>[^<]*</td>){5}`).exec(html)?.[0].replace(/<[^>]+>/g, '|');
const audits = (action: string) =>
  portal.db.selectFrom('audit_events').select(['action', 'actor_id', 'details']).where('action', '=', action).orderBy('id').execute();

beforeAll(async () => {
  portal = await startTestPortal();
  staff = await createUser(portal.db, { role: 'staff' });
  admin = await createUser(portal.db, { role: 'admin' });
  const subject = await createUser(portal.db, { role: 'subject' });
  staffCookie = await createSessionCookie(portal.db, staff);
  adminCookie = await createSessionCookie(portal.db, admin);
  subjectCookie = await createSessionCookie(portal.db, subject);
  // 2025: an access request completed on time, an erasure refused late, a restriction still open.
  const a = await verified('rectification', SUBJECTS[0]!, '2025-03-03T10:00:00Z');
  await act(a, '2025-03-04T10:00:00Z', { intent: 'start' });
  await act(a, '2025-03-20T10:00:00Z', { intent: 'complete', outcome: 'rectified', answer: 'Corrected, Zebulon.' });
  const b = await verified('erasure', SUBJECTS[1]!, '2025-05-02T10:00:00Z');
  await act(b, '2025-06-10T10:00:00Z', { intent: 'deny', refusalGround: 'erasure_exemption', denialReason: 'Invoices for Ottilie must be kept.' });
  await verified('restriction', SUBJECTS[2]!, '2025-12-15T10:00:00Z');
}, 60_000);

afterAll(async () => {
  await portal?.stop();
});

describe('/staff/reports', () => {
  it('is for staff only', async () => {
    expect((await get('/staff/reports')).status).toBe(302);
    expect((await get('/staff/reports', subjectCookie)).status).toBe(403);
  });

  it('shows the figures with four charts, each an image with a title, a description and a table beside it; audited', async () => {
    const res = await get('/staff/reports?period=2025', staffCookie);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html.match(/<svg[^>]*role="img"/g)).toHaveLength(4);
    for (const title of ['Requests received per week, by type', 'Answers by the share of the time allowed they used', 'Answers given on time, by month', 'Requests open at the end of each week']) {
      expect(html).toContain(`>${title}</title>`);
    }
    expect(html.match(/<desc id="chart-[a-z-]+-desc">/g)).toHaveLength(4);
    // The figures: 3 received, 2 answered (1 on time), 1 refused on the ground given.
    expect(html).toMatch(/<th scope="row">Received<\/th><td data-label="Number" class="number">3<\/td>/);
    expect(html).toMatch(/<th scope="row">On time<\/th><td data-label="Number" class="number">50%<\/td>/);
    expect(html).toMatch(/Erasure exemption applies \(Art\. 17\(3\)\)<\/th><td data-label="Refusals" class="number">1</);
    // Colour is not the only carrier: patterns per type and a hatched "late".
    expect(html).toContain('<pattern id="chart-volume-rectification"');
    expect(html).toContain('Late (hatched)');
    const [view] = await audits('report.view');
    expect(view).toMatchObject({ actor_id: staff.id, details: { from: '2025-01-01', to: '2025-12-31', type: null, channel: null, assignee: null } });
  });

  it('answers a query it cannot read with a 400 that names the problem and keeps what was asked', async () => {
    for (const [query, message] of [
      ['period=2025-13', 'Choose a period'],
      ['period=custom&from=2025-02-30&to=2025-03-01', 'give both the first and the last day'],
      ['period=custom&from=2025-03-01&to=2025-02-01', 'must not be before'],
      ['period=custom&from=2020-01-01&to=2025-01-01', 'at most three years'],
      ['type=gossip', 'Choose one of the request types'],
      ['channel=pigeon', 'Choose one of the channels'],
      ['assignee=not-a-uuid', 'Choose a member of staff'],
    ] as const) {
      const res = await get(`/staff/reports?${query}`, staffCookie);
      expect(res.status, query).toBe(400);
      const html = await res.text();
      expect(html, query).toContain(message);
      expect(html).toContain('<form method="get"');
    }
    const csv = await get('/staff/reports/figures.csv?type=gossip', staffCookie);
    expect(csv.status).toBe(400);
  });

  it('exports the figures as CSV that reads back through a CSV parser, with no email in it; audited', async () => {
    const res = await get('/staff/reports/figures.csv?period=2025', staffCookie);
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('Content-Disposition')).toBe('attachment; filename="figures-2025.csv"');
    const text = await res.text();
    expect(text).not.toContain('@');
    const rows: string[][] = parse(text);
    expect(rows[0]).toEqual(['section', 'item', 'detail', 'value']);
    const value = (section: string, item: string, detail = '') => rows.find((r) => r[0] === section && r[1] === item && r[2] === detail)?.[3];
    expect(value('totals', 'received')).toBe('3');
    expect(value('totals', 'answered')).toBe('2');
    expect(value('totals', 'on_time_percent')).toBe('50');
    expect(value('refused_by_ground', 'erasure_exemption')).toBe('1');
    expect(value('days_to_close', 'calendar_days', 'median')).toBe('28'); // 17 and 39 days
    expect(value('open_now', 'open', rows.find((r) => r[0] === 'open_now')![2]!)).toBe('1');
    expect(rows.filter((r) => r[0] === 'received_by_week').reduce((s, r) => s + Number(r[3]), 0)).toBe(3);
    expect(rows.every((r) => r.length === 4)).toBe(true);
    const exports = await audits('report.exported');
    expect(exports.at(-1)).toMatchObject({ actor_id: staff.id, details: { export: 'figures', from: '2025-01-01' } });
  });

  it('exports the requests behind the figures without personal data; audited', async () => {
    const res = await get('/staff/reports/requests.csv?period=2025', staffCookie);
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const s of SUBJECTS) {
      expect(text).not.toContain(s.email);
      expect(text).not.toContain(s.name.split(' ')[0]);
    }
    expect(text).not.toContain('@');
    const records: Record<string, string>[] = parse(text, { columns: true });
    expect(records).toHaveLength(3);
    expect(Object.keys(records[0]!)).toEqual([
      'reference', 'type', 'channel', 'state', 'outcome', 'refusal_ground', 'filed_on', 'received_on', 'due_on', 'extension_months',
      'extended_on', 'paused_days', 'closed_on', 'on_time', 'days_to_close', 'share_of_time_allowed_percent',
    ]);
    const refused = records.find((r) => r.type === 'erasure')!;
    expect(refused).toMatchObject({
      channel: 'web', state: 'denied', refusal_ground: 'erasure_exemption', received_on: '2025-05-02', due_on: '2025-06-02',
      closed_on: '2025-06-10', on_time: 'false', days_to_close: '39', share_of_time_allowed_percent: '126',
    });
    // Filtered: only the rectification.
    const one: Record<string, string>[] = parse(await html(await get('/staff/reports/requests.csv?period=2025&type=rectification', staffCookie)), { columns: true });
    expect(one.map((r) => r.type)).toEqual(['rectification']);
    const exports = await audits('report.exported');
    expect(exports.filter((e) => (e.details as { export?: string }).export === 'requests')).toHaveLength(2);
  });

  it('prints the report on a page of its own; audited as printed', async () => {
    const res = await get('/staff/reports/print?period=2025-Q2', staffCookie);
    expect(res.status).toBe(200);
    const html = (await res.text()).replace(/<!-- -->/g, '');
    expect(html).toContain('Request report: Q2 2025');
    expect(html.match(/<svg[^>]*role="img"/g)).toHaveLength(4);
    expect((await audits('report.printed')).at(-1)).toMatchObject({ actor_id: staff.id, details: { from: '2025-04-01', to: '2025-06-30' } });
  });
});

describe('/transparency', () => {
  it('shows nothing before a year is published', async () => {
    expect((await get('/transparency')).status).toBe(404);
    expect((await get('/transparency/2025')).status).toBe(404);
    // Staff may not publish; only admins.
    expect((await post('/staff/reports/transparency', { intent: 'publish', year: '2025' }, staffCookie)).status).toBe(403);
    expect((await get('/transparency')).status).toBe(404);
  });

  it('publishes a finished year only, once; audited', async () => {
    const thisYear = String(new Date().getUTCFullYear());
    const early = await post('/staff/reports/transparency', { intent: 'publish', year: thisYear }, adminCookie);
    expect(early.status).toBe(409);
    expect(await early.text()).toContain('Only a finished year can be published');
    const res = await post('/staff/reports/transparency', { intent: 'publish', year: '2025' }, adminCookie);
    expect(res.status).toBe(302);
    expect(res.headers.get('Location')).toBe('/staff/reports/transparency?year=2025&done=publish');
    const again = await post('/staff/reports/transparency', { intent: 'publish', year: '2025' }, adminCookie);
    expect(again.status).toBe(409);
    expect((await audits('transparency.published'))).toEqual([{ action: 'transparency.published', actor_id: admin.id, details: { version: 1 } }]);
  });

  it('shows the §7102 figures per right in English, German and French from the same snapshot, and nothing personal', async () => {
    const pages: Record<string, string> = {};
    const page = (lang: string) => pages[lang]!;
    for (const lang of ['en', 'de', 'fr']) {
      const res = await get('/transparency', undefined, { 'Accept-Language': lang });
      expect(res.status).toBe(200);
      pages[lang] = await html(res);
      for (const s of SUBJECTS) {
        expect(pages[lang]).not.toContain(s.email);
        expect(pages[lang]).not.toContain(s.name.split(' ')[1]);
      }
      expect(pages[lang]).not.toContain('DSR-');
    }
    expect(pages.en).toContain('Transparency report 2025');
    expect(pages.de).toContain('Transparenzbericht 2025');
    expect(pages.fr).toContain('Rapport de transparence 2025');
    expect(pages.en).toContain('Complied with in whole or in part');
    expect(pages.de).toContain('Ganz oder teilweise erfüllt');
    expect(pages.fr).toContain('Satisfaites en tout ou en partie');
    // Rectification: 1 received, 1 complied with, 0 denied, 17 days; erasure: 1 denied after 39 days.
    expect(row(page('en'), 'Rectification \\(Art\\. 16\\)')).toBe('|Rectification (Art. 16)||1||1||0||17||17|');
    expect(row(page('de'), 'Löschung \\(Art\\. 17\\)')).toBe('|Löschung (Art. 17)||1||0||1||39||39|');
    expect(row(page('fr'), 'Tous les droits')).toBe('|Tous les droits||3||1||1||28||28|');
    expect(await html(await get('/transparency/2025'))).toContain('Transparency report 2025');
  });

  it('stays frozen when the figures change, until a correction is published; the correction says what it changed', async () => {
    // A rectification of 2025 recorded late: answered in 2025 after 10 days.
    const late = await verified('rectification', { email: 'late.entry@example.test', name: 'Late Entry' }, '2025-11-03T10:00:00Z');
    await act(late, '2025-11-04T10:00:00Z', { intent: 'start' });
    await act(late, '2025-11-13T10:00:00Z', { intent: 'complete', outcome: 'rectified', answer: 'Done.' });
    const frozen = await html(await get('/transparency/2025'));
    expect(row(frozen, 'Rectification \\(Art\\. 16\\)')).toBe('|Rectification (Art. 16)||1||1||0||17||17|');
    expect(frozen).not.toContain('Corrected on');
    const admin_ = await html(await get('/staff/reports/transparency?year=2025', adminCookie));
    expect(admin_).toContain('The figures changed since version 1');
    const missing = await post('/staff/reports/transparency', { intent: 'correct', year: '2025' }, adminCookie);
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('Choose why the figures are corrected');
    const res = await post('/staff/reports/transparency', { intent: 'correct', year: '2025', reason: 'records_added_late' }, adminCookie);
    expect(res.status).toBe(302);
    const en = await html(await get('/transparency/2025', undefined, { 'Accept-Language': 'en' }));
    expect(en).toContain('requests recorded late were added');
    expect(en).toContain('Rectification (Art. 16), Received: 1 before, 2 now');
    expect(en).toContain('Rectification (Art. 16), Median days to respond: 17 before, 13.5 now');
    const de = await html(await get('/transparency/2025', undefined, { 'Accept-Language': 'de' }));
    expect(de).toContain('verspätet erfasste Anfragen wurden ergänzt');
    expect(de).toContain('Berichtigung (Art. 16), Erhalten: vorher 1, jetzt 2');
    // The first version is still there, as published, and says it was corrected.
    const v1 = await html(await get('/transparency/2025?version=1'));
    expect(v1).toContain('You are reading version 1 of this report');
    expect(v1).not.toContain('requests recorded late were added');
    expect((await get('/transparency/2025?version=9')).status).toBe(404);
    // Nothing changed since: no second correction.
    const again = await post('/staff/reports/transparency', { intent: 'correct', year: '2025', reason: 'counting_error' }, adminCookie);
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('nothing to correct');
    const versions = await portal.db.selectFrom('transparency_reports').select(['version', 'correction_reason']).orderBy('version').execute();
    expect(versions).toEqual([
      { version: 1, correction_reason: null },
      { version: 2, correction_reason: 'records_added_late' },
    ]);
  });
});
