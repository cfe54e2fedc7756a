import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../db/client';
import { createSessionCookie, createUser } from '../support/users';
import { fileRequest } from '../support/requests';
import { recordBreachFixture } from '../support/breaches';
import { seedInboxItem } from '../support/inbox';
import { startTestPortal, type TestPortal } from '../support/portal';
import { createThrowawayCluster, type Cluster } from './support';
import { createStatusComponent } from '../support/status';
import { openIncident } from '../../app/models/status/incidents.server';

/** A status component with an open incident, for the status routes to act on. */
async function seedStatus(db: DB) {
  const statusComponentId = await createStatusComponent(db, { name: 'Fuzzed component' });
  const { id } = await openIncident(db, { name: 'Fuzzed incident', status: 'investigating', impact: 'minor', body: 'x', components: { [statusComponentId]: 'degraded_performance' }, notify: false }, { id: null, source: 'staff' });
  return { statusComponentId, statusIncidentId: id };
}

/**
 * Every form and JSON endpoint driven by fast-check with generated input: arbitrary and
 * hostile strings, unicode edge cases, huge and empty values, wrong types and content types,
 * duplicated fields, invalid UTF-8, as every role. Zero 5xx, the process alive, and no row that
 * existed before the run changed. Bounded in time for CI (FUZZ_SECONDS per backend, default 15).
 */
const FUZZ_MS = Number(process.env.FUZZ_SECONDS ?? 15) * 1000;
const root = path.resolve(__dirname, '../..');

/** Every route with an action, and the path the fuzzer posts to (ids filled from the seeded data). */
const ACTION_ROUTES: Record<string, (ids: Ids) => string> = {
  'account.tsx': () => '/account',
  'account_.confirm.$token.tsx': (ids) => `/account/confirm/${ids.token}`,
  'account_.requests.tsx': () => '/account/requests',
  'account_.requests_.$id.tsx': (ids) => `/account/requests/${ids.requestId}`,
  'staff.jobs.tsx': () => '/staff/jobs',
  'staff.notifications.tsx': () => '/staff/notifications',
  'account_.requests_.$id_.reply.tsx': (ids) => `/account/requests/${ids.requestId}/reply`,
  'forgot-password.tsx': () => '/forgot-password',
  'login.tsx': () => '/login',
  'logout.tsx': () => '/logout',
  'requests.new.tsx': () => '/requests/new',
  'reset-password.$token.tsx': (ids) => `/reset-password/${ids.token}`,
  // A random token: the fuzz finds the dead-link answer (the real links are tested in admin-access.test.ts).
  'setup.$token.tsx': (ids) => `/setup/${ids.token}`,
  'invitation.$token.tsx': (ids) => `/invitation/${ids.token}`,
  'signup.tsx': () => '/signup',
  'staff.breaches.$id_.edit.tsx': (ids) => `/staff/breaches/${ids.breachId}/edit`,
  'staff.breaches.$id_.notify.tsx': (ids) => `/staff/breaches/${ids.breachId}/notify`,
  'staff.breaches.$id_.subjects.tsx': (ids) => `/staff/breaches/${ids.breachId}/subjects`,
  'staff.breaches.new.tsx': () => '/staff/breaches/new',
  'staff.breaches.officers.tsx': () => '/staff/breaches/officers',
  'staff.systems._index.tsx': () => '/staff/systems',
  'staff.inbox.$id.tsx': (ids) => `/staff/inbox/${ids.inboxId}`,
  'staff.systems.$id.tsx': (ids) => `/staff/systems/${ids.systemId}`,
  'staff.systems.$id_.activity.tsx': (ids) => `/staff/systems/${ids.systemId}/activity`,
  'staff.data-map._index.tsx': () => '/staff/data-map',
  'staff.data-map.vocabulary.tsx': () => '/staff/data-map/vocabulary',
  'staff.requests.$id_.systems.tsx': (ids) => `/staff/requests/${ids.requestId}/systems`,
  'staff.objections.$id.tsx': (ids) => `/staff/objections/${ids.objectionId}`,
  'staff.requests.$id.tsx': (ids) => `/staff/requests/${ids.requestId}`,
  'staff.requests.new.tsx': () => '/staff/requests/new',
  'staff.requests.$id_.erase.tsx': (ids) => `/staff/requests/${ids.requestId}/erase`,
  'staff.requests.$id_.authority.tsx': (ids) => `/staff/requests/${ids.requestId}/authority`,
  'staff.requests.$id_.identity.tsx': (ids) => `/staff/requests/${ids.requestId}/identity`,
  'staff.requests.$id_.art19.tsx': (ids) => `/staff/requests/${ids.requestId}/art19`,
  'staff.requests.$id_.package.tsx': (ids) => `/staff/requests/${ids.requestId}/package`,
  'staff.requests._index.tsx': () => '/staff/requests?index',
  'staff.reports.transparency.tsx': () => '/staff/reports/transparency',
  'staff.subprocessors.$id.art19.tsx': (ids) => `/staff/subprocessors/${ids.subprocessorId}/art19`,
  'staff.subprocessors.$id.edit.tsx': (ids) => `/staff/subprocessors/${ids.subprocessorId}/edit`,
  'staff.subprocessors.$id.retire.tsx': (ids) => `/staff/subprocessors/${ids.subprocessorId}/retire`,
  'staff.subprocessors.new.tsx': () => '/staff/subprocessors/new',
  'staff.users.tsx': () => '/staff/users',
  'status._index.tsx': () => '/status',
  'status.s.$token.tsx': (ids) => `/status/s/${ids.token}`,
  'status.s.$token_.reply.tsx': (ids) => `/status/s/${ids.token}/reply`,
  'subprocessors.changes.$changeId.tsx': (ids) => `/subprocessors/changes/${ids.changeId}`,
  'subprocessors.subscribe.tsx': () => '/subprocessors/subscribe',
  'subprocessors.subscribe_.confirm.tsx': () => '/subprocessors/subscribe/confirm',
  'subprocessors.unsubscribe.tsx': () => '/subprocessors/unsubscribe',
  'verify.$token.tsx': (ids) => `/verify/${ids.token}`,
  'alerts.preferences.tsx': (ids) => `/alerts/preferences?token=1.${ids.token}`,
  'service-status.incidents.$id.tsx': (ids) => `/service-status/incidents/${ids.statusIncidentId}`,
  'service-status.subscribe.tsx': () => '/service-status/subscribe',
  'service-status.subscribe_.confirm.tsx': () => '/service-status/subscribe/confirm',
  'service-status.unsubscribe.tsx': (ids) => `/service-status/unsubscribe?token=1.${ids.token}`,
  'staff.service-status._index.tsx': () => '/staff/service-status',
  'staff.service-status.components.new.tsx': () => '/staff/service-status/components/new',
  'staff.service-status.components.$id.tsx': (ids) => `/staff/service-status/components/${ids.statusComponentId}`,
  'staff.service-status.incidents.new.tsx': () => '/staff/service-status/incidents/new',
  'staff.service-status.incidents.$id.tsx': (ids) => `/staff/service-status/incidents/${ids.statusIncidentId}`,
  'staff.service-status.maintenance.new.tsx': () => '/staff/service-status/maintenance/new',
  'staff.service-status.api-keys.tsx': () => '/staff/service-status/api-keys',
  'api.v1.pages.$pageId.components.$componentId.ts': (ids) => `/api/v1/pages/any/components/${ids.statusComponentId}`,
  'api.v1.pages.$pageId.incidents.ts': () => '/api/v1/pages/any/incidents',
  'api.v1.pages.$pageId.incidents_.$incidentId.ts': (ids) => `/api/v1/pages/any/incidents/${ids.statusIncidentId}`,
  'api.v1.uptime-kuma.$componentId.ts': (ids) => `/api/v1/uptime-kuma/${ids.statusComponentId}`,
  'api.systems.tasks.$id.callback.ts': () => '/api/systems/tasks/00000000-0000-4000-8000-000000000000/callback',
  'api.systems.opendsr.$id.ts': () => '/api/systems/opendsr/00000000-0000-4000-8000-000000000000',
  'task.$token.tsx': (ids) => `/task/${ids.token}`,
};

/** Documents and JSON read with generated query strings (ids filled from the seeded data). */
const getPaths = (ids: Ids) => [
  '/subprocessors.json',
  '/subprocessors/feed.json',
  '/subprocessors/feed.rss',
  '/subprocessors/feed.atom',
  '/subprocessors',
  '/requests/new',
  '/login',
  '/staff/subprocessors',
  '/staff/objections',
  '/staff/inbox',
  '/staff/inbox?show=all',
  `/staff/inbox/${ids.inboxId}`,
  '/account/requests',
  '/staff/requests',
  '/staff/reports',
  '/staff/reports/figures.csv',
  '/transparency',
  '/staff/breaches',
  '/staff/breaches/new',
  '/staff/breaches.csv',
  '/staff/breaches.json',
  '/staff/breaches/officers',
  `/staff/breaches/${ids.breachId}`,
  `/staff/breaches/${ids.breachId}/edit`,
  `/staff/breaches/${ids.breachId}/notify`,
  `/staff/breaches/${ids.breachId}/subjects`,
  '/service-status',
  '/service-status/history',
  '/service-status/feed.rss',
  '/service-status/feed.atom',
  '/service-status/feed.json',
  '/api/v2/summary.json',
  '/api/v2/incidents.json',
  '/api/v2/scheduled-maintenances/active.json',
  '/staff/service-status',
  '/staff/systems',
  `/staff/systems/${ids.systemId}`,
  `/staff/systems/${ids.systemId}/activity`,
  '/staff/data-map',
  '/staff/data-map/export.yaml',
  '/staff/record-of-processing',
  '/staff/record-of-processing.csv',
  '/staff/record-of-processing.json',
  '/staff/record-of-processing/print',
  '/privacy/processing',
  `/staff/requests/${ids.requestId}/systems`,
  '/staff/requests/new',
  `/staff/requests/${ids.requestId}/letter`,
];

const FIELD_NAMES = [
  'jobId', 'notify',
  'accountIdentifier', 'answer', 'at', 'attachmentId', 'confirm', 'correction', 'currentPassword', 'dataCategories',
  'details', 'effectiveOn', 'email', 'files', 'intent', 'legalEntity', 'locations', 'message', 'name', 'newPassword',
  'organisation', 'password', 'purpose', 'reason', 'redirectTo', 'requesterRole', 'submissionId', 'summary', 'token',
  'transferMechanism', 'type', 'website', 'role', 'userId', 'id', 'assignee', 'denialReason', 'due', 'extensionReason',
  'months', 'note', 'outcome', 'question', 'state', 'version', 'within', 'q', 'bulkAction', 'original',
  'refusalGround', 'year', 'period', 'from', 'to', 'channel', 'receivedAt', 'receiptReason', 'postalAddress', 'type_access', 'inbox',
  'title', 'detectedAt', 'awareAt', 'awarenessReason', 'confidentiality', 'availability', 'nature', 'subjectsApprox', 'dpoContact',
  'risk', 'riskReasoning', 'phase', 'filedAt', 'lateReasons', 'addresses', 'source', 'lang', 'exemption', 'ground', 'subjectId',
  'documentKind', 'document', 'checked', 'noticeId', 'how', 'requestId',
  'systemId', 'activityId', 'taskId', 'providedSecret', 'kind', 'endpointUrl', 'allowlisted', 'deadlineDays', 'onMissed', 'fanOutOn', 'processorDomain', 'systemsOverride', 'attestedBy', 'description', 'ownerName', 'ownerEmail', 'securityMeasures', 'subprocessorId', 'dataUse', 'legalBasis',
  'art9Condition', 'legitimateInterest', 'consentWithdrawal', 'retentionKind', 'retentionPeriod', 'retentionUnit', 'retentionTrigger',
  'retentionRule', 'sourceFromSubject', 'sourceOther', 'otherRecipients', 'transfer0Country', 'transfer0Safeguard', 'automatedMade',
  'automatedLogic', 'controllerName', 'cat:user.name', 'subj:customer', 'rcp:system:fuzz_crm', 'rt:access', 'kind', 'parentKey', 'key', 't_de_name',
];

/** Protected tables: fuzzing may add rows (a rate-limit hit, a failed sign-in) but never alter one. */
const PROTECTED = [
  'users', 'subprocessors', 'subprocessor_changes', 'requests', 'request_events', 'request_tokens', 'audit_events',
  'subprocessor_subscriptions', 'subprocessor_objections', 'request_attachments', 'breaches', 'breach_filings', 'status_components',
  'status_incidents', 'processing_activities', 'system_tasks',
];

type Ids = {
  requestId: string;
  subprocessorId: string;
  changeId: string;
  objectionId: string;
  token: string;
  breachId: string;
  statusComponentId: string;
  statusIncidentId: string;
  systemId: string;
  inboxId: string;
};

const hostile = fc.constantFrom(
  '', ' ', '\u0000', '\ud800', '\udfff', '\u202e', '\ufeff', 'é', 'e\u0301', '👩‍👩‍👧', '\r\n', '%00', '%', '../../etc/passwd',
  '<script>alert(1)</script>', "' or 1=1 --", '${7*7}', '{{7*7}}', 'javascript:alert(1)', '//evil.example', '\\\\evil',
  'yes', 'on', 'self', 'representative', 'access', 'erasure', 'confirm', 'withdraw', 'delete', 'staff', 'admin',
  'a@b.c', 'x'.repeat(5_000), 'NaN', '-1', '1e309', 'null', 'undefined', '[]', '{}', '2026-02-30', '0000-00-00',
);
const value = fc.oneof(
  { weight: 3, arbitrary: hostile },
  { weight: 3, arbitrary: fc.string({ maxLength: 80 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.nat({ max: 300_000 }).map((n) => 'z'.repeat(n)) },
);
const key = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...FIELD_NAMES) }, { weight: 1, arbitrary: fc.string({ maxLength: 20 }) });
// Duplicates come free: the same key may appear several times.
const pairs = fc.array(fc.tuple(key, value), { maxLength: 14 });

const body = fc.oneof(
  { weight: 5, arbitrary: pairs.map((p) => ({ kind: 'urlencoded' as const, pairs: p })) },
  { weight: 2, arbitrary: pairs.map((p) => ({ kind: 'multipart' as const, pairs: p })) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((json) => ({ kind: 'json' as const, json })) },
  {
    weight: 1,
    arbitrary: fc.record({
      bytes: fc.uint8Array({ maxLength: 400 }),
      type: fc.constantFrom(
        'application/x-www-form-urlencoded',
        'application/x-www-form-urlencoded; charset=latin1',
        'multipart/form-data',
        'multipart/form-data; boundary=x',
        'text/plain',
        'application/octet-stream',
        '',
        'text/html; charset=utf-8',
      ),
    }).map((r) => ({ kind: 'raw' as const, ...r })),
  },
);

type Body = typeof body extends fc.Arbitrary<infer B> ? B : never;

function encode(b: Body): { headers: Record<string, string>; payload: BodyInit } {
  switch (b.kind) {
    case 'urlencoded': {
      const params = new URLSearchParams();
      for (const [k, v] of b.pairs) params.append(k, v);
      return { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, payload: params.toString() };
    }
    case 'multipart': {
      const form = new FormData();
      for (const [i, [k, v]] of b.pairs.entries()) {
        if (i % 4 === 3) form.append(k, new Blob([v]), `${v.slice(0, 20)}.pdf`);
        else form.append(k, v);
      }
      return { headers: {}, payload: form };
    }
    case 'json':
      return { headers: { 'Content-Type': 'application/json' }, payload: JSON.stringify(b.json) ?? 'null' };
    case 'raw':
      return { headers: b.type ? { 'Content-Type': b.type } : {}, payload: Buffer.from(b.bytes) };
  }
}

async function snapshot(db: DB): Promise<Map<string, string>> {
  const rows = new Map<string, string>();
  for (const table of PROTECTED) {
    const { rows: all } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db);
    for (const row of all) rows.set(`${table}:${String(row.id ?? JSON.stringify(row))}`, JSON.stringify(row));
  }
  return rows;
}

let cluster: Cluster;
beforeAll(async () => {
  cluster = await createThrowawayCluster();
});
afterAll(async () => {
  await cluster?.destroy();
});

describe('every action route has a fuzz entry', () => {
  it('names each route file with an action', () => {
    const withAction = fs
      .readdirSync(path.join(root, 'app/routes'))
      .filter((f) => /export (async function|const) action\b/.test(fs.readFileSync(path.join(root, 'app/routes', f), 'utf8')));
    expect(withAction.filter((f) => !(f in ACTION_ROUTES))).toEqual([]);
  });
});

describe.each(['pglite', 'postgres'] as const)('fuzzing on %s', (backend) => {
  let portal: TestPortal;
  let cookies: Record<'anonymous' | 'subject' | 'staff' | 'admin', string | undefined>;
  let ids: Ids;

  beforeAll(async () => {
    const env: Record<string, string> = { SUBPROCESSOR_DEMO: 'on' };
    if (backend === 'postgres') {
      env.DATABASE_URL = await cluster.createDatabase('pp_fuzz');
    } else {
      env.DATABASE_URL = '';
    }
    portal = await startTestPortal(env);
    const db = portal.db;
    const subject = await createUser(db, { role: 'subject' });
    const staff = await createUser(db, { role: 'staff' });
    const admin = await createUser(db, { role: 'admin' });
    const filed = await fileRequest(db, { email: subject.email });
    await db.updateTable('requests').set({ user_id: subject.id }).where('id', '=', filed.request.id).execute();
    const breach = await recordBreachFixture(db, admin.id);
    const change = await db.selectFrom('subprocessor_changes').select(['id', 'subprocessor_id']).executeTakeFirstOrThrow();
    ids = {
      requestId: filed.request.id,
      subprocessorId: change.subprocessor_id,
      changeId: change.id,
      objectionId: '1',
      token: randomBytes(32).toString('base64url'),
      breachId: breach.id,
      systemId: (await db.insertInto('connected_systems').values({ name: 'Fuzzed CRM', fides_key: 'fuzz_crm' }).returning('id').executeTakeFirstOrThrow()).id,
      inboxId: await seedInboxItem(db, portal.config.secrets.exportKey),
      ...(await seedStatus(db)),
    };
    cookies = {
      anonymous: undefined,
      subject: await createSessionCookie(db, subject),
      staff: await createSessionCookie(db, staff),
      admin: await createSessionCookie(db, admin),
    };
  });

  afterAll(async () => {
    await portal?.stop();
  });

  it('answers generated input with no 5xx and changes no existing row', async () => {
    const before = await snapshot(portal.db);
    const routes = Object.keys(ACTION_ROUTES);
    const statuses = new Map<number, number>();
    let sent = 0;
    const request = fc.record({
      route: fc.constantFrom(...routes),
      role: fc.constantFrom('anonymous', 'subject', 'staff', 'admin') as fc.Arbitrary<keyof typeof cookies>,
      body,
      getPath: fc.constantFrom(...getPaths(ids)),
      query: fc.array(fc.tuple(key, value.filter((v) => v.length < 2_000)), { maxLength: 4 }),
      asGet: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ route, role, body: b, getPath, query, asGet }) => {
        // Signing out would end the session the rest of the run uses: only anonymously.
        const cookie = route === 'logout.tsx' ? undefined : cookies[role];
        const headers: Record<string, string> = { Origin: portal.url, ...(cookie ? { Cookie: cookie } : {}) };
        let res: Response;
        if (asGet) {
          const qs = new URLSearchParams(query).toString();
          res = await fetch(`${portal.url}${getPath}${qs ? `?${qs}` : ''}`, { headers, redirect: 'manual' });
        } else {
          const { headers: h, payload } = encode(b);
          res = await fetch(`${portal.url}${ACTION_ROUTES[route]!(ids)}`, {
            method: 'POST',
            headers: { ...headers, ...h },
            body: payload,
            redirect: 'manual',
          });
        }
        await res.arrayBuffer();
        sent++;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status, `${asGet ? getPath : route} as ${role}`).toBeLessThan(500);
      }),
      { numRuns: 5_000, interruptAfterTimeLimit: FUZZ_MS, markInterruptAsFailure: false },
    );
    expect(sent).toBeGreaterThan(100);
    const after = await snapshot(portal.db);
    const changed = [...before].filter(([id, row]) => after.get(id) !== row).map(([id]) => id);
    expect(changed).toEqual([]);
    console.log(`FUZZ ${backend}: ${sent} requests in ${FUZZ_MS / 1000} s, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
  });
});
