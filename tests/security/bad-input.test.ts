import fs from 'node:fs';
import path from 'node:path';
import { Parser } from 'htmlparser2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../db/schema';
import { createRequest } from '../../app/models/requests/requests.server';
import { confirmVerification } from '../../app/models/requests/verification.server';
import { requestInformation, transitionRequest } from '../../app/models/requests/transitions.server';
import { fileObjection } from '../../app/models/subprocessors/objections.server';
import { addDays, todayIn } from '../../app/utils/calendar';
import { startTestPortal, type TestPortal } from '../support/portal';
import { intakeInput, rules } from '../support/requests';
import { createSessionCookie, createUser, uniqueEmail, type TestUser } from '../support/users';
import { recordBreachFixture } from '../support/breaches';
import { seedInboxItem } from '../support/inbox';
import { createStatusComponent } from '../support/status';
import { openIncident } from '../../app/models/status/incidents.server';
import { eraseSubject } from '../../app/models/requests/erasure.server';
import { requestVersion } from '../../app/models/requests/staff.server';
import { logReceivedRequest } from '../../app/models/requests/received.server';
import { ROUTES } from './route-table';

/**
 * Issue 24 item 8: bad input is a 4xx, never a 5xx, in every field of every form and every
 * filter, as every role. The forms are not listed here: each role crawls the portal from its
 * start pages (following links, as a person would), reads every form on every page it reaches,
 * fills it validly, then sends it again and again with one field at a time made hostile: a NUL
 * (PostgreSQL cannot store one), out-of-range dates, wrong-shaped ids. Links with a query string
 * (filters, paging, the audit export) are treated as forms too. A route with an action that no
 * crawl reaches fails the coverage test, so a new form is probed the day it lands.
 */
const ROUTES_DIR = path.resolve(__dirname, '../../app/routes');
const MAX_PAGES = 150;

/** Route files whose forms only an emailed link reaches (a token this suite cannot read from the outbox, which is sealed). */
const REACHED_BY_EMAIL_ONLY = new Set([
  'account_.confirm.$token.tsx',
  'reset-password.$token.tsx',
  'subprocessors.subscribe_.confirm.tsx',
  'subprocessors.unsubscribe.tsx',
  // The first administrator's setup link is printed at start; an invitation arrives by email.
  'setup.$token.tsx',
  'invitation.$token.tsx',
  // Service-status alerts: the confirmation, unsubscribe and preferences links arrive by email.
  'service-status.subscribe_.confirm.tsx',
  'service-status.unsubscribe.tsx',
  'alerts.preferences.tsx',
  // A connected system's task, mailed to its owner (probed in tests/integration/systems-e2e.test.ts and the fuzz suite).
  'task.$token.tsx',
]);

/** Machine APIs called with an API key, not HTML forms: probed in service-status-http.test.ts and the fuzz suite. */
const MACHINE_APIS = new Set([
  'api.v1.pages.$pageId.components.$componentId.ts',
  'api.v1.pages.$pageId.incidents.ts',
  'api.v1.pages.$pageId.incidents_.$incidentId.ts',
  'api.v1.uptime-kuma.$componentId.ts',
  // Connected systems' signed callbacks (probed in tests/integration/systems-delivery.test.ts and the fuzz suite).
  'api.systems.tasks.$id.callback.ts',
  'api.systems.opendsr.$id.ts',
]);

const NUL = '\u0000';
const BAD_DATES = ['0000-01-01', '0001-01-01', '9999-12-31', '10000-01-01', '275760-09-13', '2026-02-30', '2026-13-01'];
const BAD_IDS = ['0', '-1', '99999999999999999999', 'x', '-'.repeat(36), 'ZZZZZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZZZZZZZ', '00000000-0000-0000-0000-000000000000', '1e3', ' 1'];
const looksLikeDate = (name: string, type: string) => type === 'date' || /date|^from$|^to$|^at$|On$|^due|period|before|after/.test(name);
const looksLikeId = (name: string, type: string) =>
  type === 'hidden' || type === 'select' || /id$|Id$|^id|assignee|original|version|user|reference|select-|^before$|^after$/i.test(name);

type Field = { name: string; type: string; value: string; options?: string[]; required?: boolean; checked?: boolean };
type FoundForm = { page: string; method: 'GET' | 'POST'; action: string; multipart: boolean; fields: Field[]; role: Who };
type Who = 'signed-out' | 'subject' | 'staff' | 'admin';

let portal: TestPortal;
const users = {} as Record<Exclude<Who, 'signed-out'>, TestUser>;
const seeds = {} as Record<Who, string[]>;
let clientNumber = 0;
const client = () => `198.51.100.${(clientNumber++ % 250) + 1}`;

beforeAll(async () => {
  portal = await startTestPortal({ NODE_ENV: 'production', LOG_LEVEL: 'silent', SUBPROCESSOR_DEMO: 'on' });
  const db = portal.db;
  users.subject = await createUser(db);
  users.staff = await createUser(db, { role: 'staff' });
  users.admin = await createUser(db, { role: 'admin' });
  const staffActor = { kind: 'staff' as const, id: users.staff.id };
  // The subject's own request, waiting on them (the reply forms are live).
  const own = await createRequest(db, { ...intakeInput({ email: users.subject.email }), userId: users.subject.id }, { rules });
  if (own.outcome !== 'created') throw new Error('fixture request not created');
  await transitionRequest(db, { requestId: own.request.id, action: 'start', actor: staffActor }, { rules });
  await requestInformation(db, { requestId: own.request.id, staffId: users.staff.id, question: 'Proof, please.' }, { rules });
  // Someone else's, by status link, also waiting on them.
  const linked = await createRequest(db, intakeInput(), { rules });
  if (linked.outcome !== 'created') throw new Error('fixture request not created');
  const confirmed = await confirmVerification(db, linked.verifyToken!, { rules });
  if (confirmed.status !== 'verified') throw new Error('fixture request not verified');
  await transitionRequest(db, { requestId: linked.request.id, action: 'start', actor: staffActor }, { rules });
  await requestInformation(db, { requestId: linked.request.id, staffId: users.staff.id, question: 'Which account?' }, { rules });
  // One never confirmed (the verify page's form), and an erasure and an access request being worked on.
  const unverified = await createRequest(db, intakeInput(), { rules });
  if (unverified.outcome !== 'created') throw new Error('fixture request not created');
  let accessId = '';
  let erasureId = '';
  for (const type of ['erasure', 'access', 'rectification'] as const) {
    const filed = await createRequest(db, intakeInput({ type, details: 'Please act on this.' }), { rules });
    if (filed.outcome !== 'created') throw new Error('fixture request not created');
    await confirmVerification(db, filed.verifyToken!, { rules });
    await transitionRequest(db, { requestId: filed.request.id, action: 'start', actor: staffActor }, { rules });
    if (type === 'access') accessId = filed.request.id;
    if (type === 'erasure') erasureId = filed.request.id;
  }
  // A connected system with a declared activity (the data map's system, activity and answer forms).
  // It takes access requests, so the request's systems panel shows its forms.
  const system = await db.insertInto('connected_systems').values({ name: 'Fixture CRM', fides_key: 'fixture_crm', request_types: ['access'] }).returning('id').executeTakeFirstOrThrow();
  // An erasure already carried out, with a recipient to tell by hand (its Art. 19 page's forms).
  await db.updateTable('subprocessors').set({ receives_personal_data: true, privacy_contact_email: null }).execute();
  const erased = await createRequest(db, intakeInput({ type: 'erasure' }), { rules });
  if (erased.outcome !== 'created') throw new Error('fixture request not created');
  await confirmVerification(db, erased.verifyToken!, { rules });
  const toErase = await db.selectFrom('requests').selectAll().where('id', '=', erased.request.id).executeTakeFirstOrThrow();
  await eraseSubject(db, { requestId: toErase.id, version: requestVersion(toErase), answer: 'Erased.' }, { id: users.staff.id }, { rules, organisation: portal.config.organisation });
  // A representative's request about the subject (the subject's confirm form on /account/requests, the authority page for staff).
  const onBehalf = await createRequest(
    db,
    intakeInput({ requesterRole: 'representative', subjectName: 'Subject A', subjectEmail: users.subject.email, agentRelationship: 'lawyer' }),
    { rules, exportKey: portal.config.secrets.exportKey },
  );
  if (onBehalf.outcome !== 'created') throw new Error('fixture request not created');
  await confirmVerification(db, onBehalf.verifyToken!, { rules });
  // A job that failed for good (the retry form on /staff/jobs).
  await db.insertInto('jobs').values({ kind: 'mail.deliver', payload: JSON.stringify({ id: 'fixture' }), state: 'failed', attempts: 5, max_attempts: 5, last_error: 'fixture: SMTP refused' }).execute();
  // A status component and an open incident (the staff status console and the public incident page).
  const componentId = await createStatusComponent(db, { name: 'Fixture component' });
  const incident = await openIncident(db, { name: 'Fixture incident', status: 'investigating', impact: 'minor', body: 'Looking into it.', components: { [componentId]: 'degraded_performance' }, notify: false }, { id: null, source: 'staff' });
  // An objection to the demo registry's planned change (the staff answer form).
  const planned = await db.selectFrom('subprocessor_changes').select('id').where('effective_on', '>', todayIn(portal.config.timeZone)).executeTakeFirst();
  if (planned) {
    await fileObjection(db, { changeId: planned.id, organisation: 'Fixture Ltd', email: uniqueEmail('objector'), reason: 'We object to this change.' }, portal.config);
  }
  const common = ['/', '/requests/new', '/subprocessors', '/status', '/login', '/signup', '/forgot-password', '/subprocessors/subscribe'];
  seeds['signed-out'] = [...common, `/status/s/${confirmed.statusToken}`, `/verify/${unverified.verifyToken}`, `/service-status/incidents/${incident.id}`];
  seeds.subject = [...common, '/account', '/account/requests', `/account/requests/${own.request.id}`];
  seeds.staff = [
    '/staff', '/staff/requests', '/staff/subprocessors', '/staff/objections', '/staff/requests?state=all', '/staff/service-status', `/staff/requests/${erased.request.id}`,
    `/staff/requests/${onBehalf.request.id}`, `/staff/requests/${onBehalf.request.id}/identity`, `/staff/requests/${erasureId}/erase`, `/staff/requests/${accessId}/systems`, '/staff/systems', '/staff/record-of-processing',
    '/staff/inbox', `/staff/inbox/${await seedInboxItem(db, portal.config.secrets.exportKey)}`,
  ];
  // A request received by letter from a subject with no email (issue 21): the log form, the request and its letter.
  const byPost = await logReceivedRequest(
    db,
    { channel: 'letter', receivedAt: new Date(), types: ['access'], name: 'Crawl Post', postalAddress: '1 Crawl Road\nLeeds', lang: 'de', note: 'A letter.' },
    { id: users.staff.id },
    { rules, exportKey: portal.config.secrets.exportKey },
  );
  const postId = byPost.created[0]!.id;
  // The erase form is seeded too: the pages above would otherwise crowd it out of the crawl's page budget.
  seeds.staff.push(`/staff/requests/${erasureId}/erase`, '/staff/requests/new', '/staff/requests/new?channel=email&received_at=2026-03-02T09:30:00Z&name=Crawl&inbox=7', `/staff/requests/${postId}`, `/staff/requests/${postId}/letter`);
  // A breach on record (administrators keep the register): its record, edit, notify and Art. 34 pages.
  const breach = await recordBreachFixture(db, users.admin.id);
  const breachPages = ['', '/edit', '/notify', '/subjects'].map((tail) => `/staff/breaches/${breach.id}${tail}`);
  seeds.admin = [...seeds.staff, `/staff/systems/${system.id}`, `/staff/systems/${system.id}/activity`, '/staff/data-map', '/staff/data-map/vocabulary', '/staff/users', '/staff/audit', '/staff/jobs', '/staff/reports/transparency', '/staff/breaches', '/staff/breaches/new', '/staff/breaches/officers', ...breachPages];
}, 120_000);
afterAll(async () => {
  await portal?.stop();
});

async function cookieFor(who: Who): Promise<Record<string, string>> {
  if (who === 'signed-out') return {};
  const user = users[who];
  return { Cookie: await createSessionCookie(portal.db, { id: user.id, role: user.role as Role }, 'production') };
}

/** The answer; a connection dropped mid-answer (a 200 whose body failed) counts as a server error, 599. */
async function send(who: Who, method: string, url: string, body?: BodyInit, headers: Record<string, string> = {}) {
  try {
    const res = await fetch(`${portal.url}${url}`, {
      method,
      redirect: 'manual',
      headers: { 'X-Forwarded-For': client(), Origin: portal.url, ...(await cookieFor(who)), ...headers },
      body,
    });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  } catch {
    return { status: 599, type: '', text: '' };
  }
}

/** Forms (one per named submit button) and same-site links of a page. */
function readPage(html: string, page: string, role: Who): { forms: FoundForm[]; links: string[] } {
  const forms: FoundForm[] = [];
  const links: string[] = [];
  let form: (Omit<FoundForm, 'fields'> & { fields: Field[]; buttons: Field[] }) | null = null;
  let select: Field | null = null;
  let textarea: Field | null = null;
  const parser = new Parser(
    {
      onopentag(tag, a) {
        if (tag === 'a' && a.href?.startsWith('/') && !a.href.startsWith('//')) links.push(a.href.replace(/&amp;/g, '&'));
        if (tag === 'form') {
          form = {
            page,
            role,
            method: (a.method ?? 'get').toUpperCase() === 'POST' ? 'POST' : 'GET',
            action: a.action && a.action !== '' ? a.action : page,
            multipart: (a.enctype ?? '').includes('multipart'),
            fields: [],
            buttons: [],
          };
        }
        if (!form || !a.name) return;
        if (tag === 'input') {
          const type = (a.type ?? 'text').toLowerCase();
          if (type === 'submit' || type === 'image') form.buttons.push({ name: a.name, type, value: a.value ?? '' });
          else if (type !== 'file' && type !== 'reset' && type !== 'button')
            form.fields.push({ name: a.name, type, value: a.value ?? (type === 'checkbox' ? 'on' : ''), required: a.required !== undefined, checked: a.checked !== undefined });
        }
        if (tag === 'button' && (a.type ?? 'submit') === 'submit') form.buttons.push({ name: a.name, type: 'submit', value: a.value ?? '' });
        if (tag === 'select') select = { name: a.name, type: 'select', value: '', options: [] };
        if (tag === 'option' && select) {
          const value = a.value ?? '';
          select.options!.push(value);
          if (a.selected !== undefined || (select.value === '' && value !== '')) select.value = value;
        }
        if (tag === 'textarea') textarea = { name: a.name, type: 'textarea', value: '', required: a.required !== undefined };
      },
      ontext(text) {
        if (textarea) textarea.value += text;
      },
      onclosetag(tag) {
        if (tag === 'select' && select && form) {
          form.fields.push(select);
          select = null;
        }
        if (tag === 'textarea' && textarea && form) {
          form.fields.push(textarea);
          textarea = null;
        }
        if (tag === 'form' && form) {
          const { buttons, ...rest } = form;
          if (buttons.length === 0) forms.push(rest);
          for (const button of buttons) forms.push({ ...rest, fields: [...rest.fields, button] });
          form = null;
        }
      },
    },
    { decodeEntities: true, lowerCaseAttributeNames: true },
  );
  parser.end(html);
  return { forms, links };
}

/** A value each kind of field accepts, so that only the field made hostile is wrong. */
function validValue(field: Field, today: string): string {
  if (field.value !== '' || field.type === 'hidden' || field.type === 'select' || field.type === 'submit') {
    if (field.type === 'textarea' && field.value.trim() === '') return 'A sample text long enough to pass every minimum length rule.';
    return field.value;
  }
  if (field.type === 'email' || /email/i.test(field.name)) return uniqueEmail('probe');
  if (field.type === 'password' || /password/i.test(field.name)) return 'a long sample passphrase 4711';
  if (field.type === 'date' || /date|On$/.test(field.name)) return addDays(today, 60);
  if (field.type === 'number') return '1';
  if (field.type === 'url' || /website|url/i.test(field.name)) return 'https://example.org';
  if (field.type === 'textarea') return 'A sample text long enough to pass every minimum length rule.';
  return 'Sample text';
}

function encode(form: FoundForm, values: Array<[string, string]>): { url: string; body?: BodyInit; headers: Record<string, string> } {
  const action = form.action;
  if (form.method === 'GET') {
    const base = action.split('?')[0]!;
    const query = new URLSearchParams(values).toString();
    return { url: `${base}?${query}`, headers: {} };
  }
  if (form.multipart) {
    const data = new FormData();
    for (const [k, v] of values) data.append(k, v);
    return { url: action, body: data, headers: {} };
  }
  return { url: action, body: new URLSearchParams(values).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } };
}

/** Every value a field is tried with, besides its valid one. */
function hostileValues(field: Field, valid: string): string[] {
  const values = [`${valid}${NUL}`, `${NUL}${valid}`];
  if (looksLikeDate(field.name, field.type)) values.push(...BAD_DATES);
  if (looksLikeId(field.name, field.type)) values.push(...BAD_IDS);
  return values;
}

const crawled = new Map<Who, FoundForm[]>();
/** The same form on another request or found by another role is probed once: what a form is, not where it was. */
const probedKinds = new Set<string>();
const formKind = (form: FoundForm) =>
  `${form.method} ${form.action.split('?')[0]!.replace(/\/\d+(?=\/|$)/g, '/N').replace(/\/[A-Za-z0-9_-]{43}(?=\/|$)/g, '/TOKEN')} ${form.fields
    .map((f) => `${f.name}${f.type === 'submit' ? `=${f.value}` : ''}`)
    .sort()
    .join('&')}`;

async function crawl(role: Who): Promise<FoundForm[]> {
  const seen = new Set<string>();
  const queue = [...seeds[role]];
  const forms: FoundForm[] = [];
  const formKeys = new Set<string>();
  while (queue.length > 0 && seen.size < MAX_PAGES) {
    const page = queue.shift()!;
    // One visit per path and set of parameter names: `?page=2` and `?page=3` show the same forms.
    const [pathname, query = ''] = page.split('?');
    const key = `${pathname}?${[...new URLSearchParams(query).keys()].sort().join('&')}`;
    if (seen.has(key) || /\/logout|^\/(account|status)\/.*\/package$|\/attachments\/|\/export|\.(json|rss|atom|csv)$|\/feed/.test(pathname!)) {
      // Links with a query string are forms too (filters, paging, the audit export): probe them without visiting.
      if (query && !seen.has(`link:${key}`)) {
        seen.add(`link:${key}`);
        forms.push({ page, role, method: 'GET', action: pathname!, multipart: false, fields: [...new URLSearchParams(query)].map(([name, value]) => ({ name, type: 'text', value })) });
      }
      continue;
    }
    seen.add(key);
    const res = await send(role, 'GET', page);
    expect(res.status, `GET ${page} as ${role}`).toBeLessThan(500);
    if (!res.type.startsWith('text/html')) continue;
    const found = readPage(res.text, page, role);
    for (const form of found.forms) {
      const formKey = `${form.method} ${form.action.split('?')[0]} ${form.fields.map((f) => `${f.name}=${f.type === 'submit' ? f.value : ''}`).join('&')}`;
      if (!formKeys.has(formKey)) {
        formKeys.add(formKey);
        forms.push(form);
      }
    }
    if (query) forms.push({ page, role, method: 'GET', action: pathname!, multipart: false, fields: [...new URLSearchParams(query)].map(([name, value]) => ({ name, type: 'text', value })) });
    for (const link of found.links) queue.push(link);
  }
  return forms;
}

/** The route file a URL path reaches, by the flat-routes naming rules (`$id` a segment, `_` no layout, `[.]` literal). */
function routePattern(file: string): RegExp {
  const name = file.replace(/\.(tsx?|jsx?)$/, '');
  const segments = name.match(/(\[[^\]]*\]|[^.[])+/g) ?? [];
  const parts: string[] = [];
  for (const raw of segments) {
    if (raw === '_index') continue;
    if (raw === '$') {
      parts.push('.*');
      continue;
    }
    const segment = raw.replace(/_$/, '');
    if (segment.startsWith('_')) continue;
    if (segment.startsWith('$')) parts.push('[^/]+');
    else parts.push(segment.replace(/\[([^\]]*)\]/g, '$1').replace(/[.*+?^${}()|\\]/g, '\\$&'));
  }
  return new RegExp(`^/${parts.join('/')}/?$`, 'i');
}

describe('every form field and filter, as every role', () => {
  it('is found by crawling the portal as each role', async () => {
    for (const role of ['signed-out', 'subject', 'staff', 'admin'] as const) crawled.set(role, await crawl(role));
    const allForms = [...crawled.values()].flat().filter((f) => f.method === 'POST');
    const withAction = Object.keys(ROUTES).filter((file) => /export\s+(async\s+function|const)\s+action\b/.test(fs.readFileSync(path.join(ROUTES_DIR, file), 'utf8')));
    const unreached = withAction.filter((file) => !REACHED_BY_EMAIL_ONLY.has(file) && !MACHINE_APIS.has(file) && !allForms.some((f) => routePattern(file).test(f.action.split('?')[0]!)));
    expect(unreached, 'route files with an action whose form no crawl reached: link it, or seed a page that shows it').toEqual([]);
  }, 240_000);

  it('answers NUL bytes, out-of-range dates and wrong-shaped ids in each of them with a 4xx, never a 5xx', async () => {
    const today = todayIn(portal.config.timeZone);
    const failures: string[] = [];
    let sent = 0;
    for (const [role, forms] of crawled) {
      for (const form of forms) {
        if (probedKinds.has(formKind(form))) continue;
        probedKinds.add(formKind(form));
        const valid: Array<[string, string]> = form.fields
          .filter((f) => f.type !== 'checkbox' || f.checked || f.required)
          .filter((f) => f.type !== 'radio' || f.checked || !form.fields.some((g) => g.name === f.name && g.checked))
          // A filter's empty fields stay empty (they are optional); a form's are filled in.
          .map((f) => [f.name, form.method === 'GET' && !f.required ? f.value : validValue(f, today)]);
        const names = [...new Set(valid.map(([name]) => name))];
        // Every date of a form at once too: `from=0001-01-01&to=9999-12-31` asks for the widest range there is.
        const dateNames = names.filter((n) => looksLikeDate(n, form.fields.find((f) => f.name === n)!.type));
        const ranges = dateNames.length > 1 ? [...BAD_DATES.map((d) => dateNames.map(() => d)), dateNames.map((_, i) => (i === 0 ? '0001-01-01' : '9999-12-31'))] : [];
        for (const range of ranges) {
          const values = valid.map(([n, v]): [string, string] => [n, dateNames.includes(n) ? range[dateNames.indexOf(n)]! : v]);
          const { url, body, headers } = encode(form, values);
          const res = await send(role, form.method, url, body, headers);
          sent++;
          if (res.status >= 500) failures.push(`${form.method} ${url.slice(0, 160)} as ${role} (form on ${form.page}, dates ${range.join(' ')}): ${res.status}`);
        }
        for (const name of names) {
          const field = form.fields.find((f) => f.name === name)!;
          const validValueOf = valid.find(([n]) => n === name)![1];
          for (const hostile of hostileValues(field, validValueOf)) {
            const values = valid.map(([n, v]): [string, string] => [n, n === name ? hostile : v]);
            const { url, body, headers } = encode(form, values);
            // As the role that saw the form, with every hostile value; as every other role, with a NUL in the first field.
            const whos: Who[] = hostile.startsWith(NUL) && name === names[0] ? ['signed-out', 'subject', 'staff', 'admin'] : [role];
            for (const who of whos) {
              const res = await send(who, form.method, url, body instanceof FormData ? encode(form, values).body : body, headers);
              sent++;
              if (res.status >= 500) failures.push(`${form.method} ${url.slice(0, 120)} as ${who} (form on ${form.page}, field ${name}=${JSON.stringify(hostile)}): ${res.status}`);
            }
          }
        }
      }
    }
    console.log(`bad-input probes: ${sent} requests, ${[...crawled.values()].flat().length} forms and filters`);
    expect(failures).toEqual([]);
  }, 600_000);
});
