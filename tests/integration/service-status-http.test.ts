import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseFeed } from '@rowanmanning/feed-parser';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { Statuspage } from 'statuspage.io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../app/models/audit.server';
import { openIncident, postUpdate, scheduleMaintenance } from '../../app/models/status/incidents.server';
import { sweepStatus } from '../../app/models/status/sweep.server';
import { issueApiToken, revokeApiToken } from '../../app/models/status/tokens.server';
import { startTestPortal, type TestPortal } from '../support/portal';
import { STATUSPAGE_SCHEMAS } from '../support/statuspage-schema';
import { seedStatusComponents } from '../support/status';
import { createUser } from '../support/users';

/**
 * The public API, feeds and monitor API of the status page, read and driven over HTTP by
 * clients that are not the portal's: the `statuspage.io` npm client, ajv with a schema written
 * from Statuspage's documented fields, an independent feed parser and xmllint.
 */
let portal: TestPortal;
let ids: Awaited<ReturnType<typeof seedStatusComponents>>;
let pageId: string;
const staff = { id: null, source: 'staff' as const };
const hour = 3600_000;

beforeAll(async () => {
  portal = await startTestPortal({ SUBPROCESSOR_DEMO: 'off' });
  const db = portal.db;
  const now = Date.now();
  ids = await seedStatusComponents(db, { now: new Date(now - 30 * 24 * hour) });
  // 52 resolved incidents long ago: the list holds the 50 most recent.
  for (let i = 0; i < 52; i++) {
    const when = new Date(now - (20 * 24 - i) * hour);
    const { id } = await openIncident(db, { name: `Old incident ${i}`, status: 'investigating', impact: 'minor', body: 'We are currently investigating this issue.', components: { [ids.website]: 'degraded_performance' }, notify: false }, staff, when);
    await postUpdate(db, { incidentId: id, status: 'resolved', body: 'This incident has been resolved.', components: {}, notify: false }, staff, new Date(when.getTime() + 60_000));
  }
  await openIncident(db, { name: 'Emails delayed', status: 'investigating', impact: 'major', body: 'We are currently investigating this issue.', components: { [ids.email]: 'major_outage' }, notify: false }, staff);
  await openIncident(db, { name: 'Slow pages', status: 'identified', impact: 'minor', body: 'The issue has been identified and a fix is being implemented.', components: { [ids.website]: 'degraded_performance' }, notify: false }, staff);
  await scheduleMaintenance(db, { name: 'Database upgrade', body: 'Planned.', componentIds: [ids.intake], scheduledFor: new Date(now + 48 * hour), scheduledUntil: new Date(now + 50 * hour), autoTransition: true, remindMinutes: 60, notify: false }, staff);
  await scheduleMaintenance(db, { name: 'Mail relay swap', body: 'Planned.', componentIds: [ids.email], scheduledFor: new Date(now - hour), scheduledUntil: new Date(now + hour), autoTransition: true, remindMinutes: null, notify: false }, staff, new Date(now - 2 * hour));
  await sweepStatus(db, new Date(now));
  pageId = (await db.selectFrom('status_page').select('page_id').executeTakeFirstOrThrow()).page_id;
});
afterAll(async () => {
  await portal?.stop();
});

describe('the statuspage.io client (3.3.8) reads the portal as a Statuspage', () => {
  it('summary, status, components and incidents', async () => {
    const client = new Statuspage('portal');
    client.setApiUrl(portal.url);
    const summary = await client.api.getSummary();
    expect(summary.page.id).toBe(pageId);
    expect(summary.status.indicator).toBe('critical');
    expect(summary.incidents.map((i) => i.name).sort()).toEqual(['Emails delayed', 'Slow pages']);
    // Maintenance started on it, but an open incident's status is the one shown.
    expect(summary.components.find((c) => c.name === 'Email delivery')!.status).toBe('major_outage');
    expect(summary.scheduled_maintenances.map((m) => [m.name, m.status])).toEqual([
      ['Mail relay swap', 'in_progress'],
      ['Database upgrade', 'scheduled'],
    ]);
    const status = await client.api.getStatus();
    expect(status.status).toEqual({ indicator: 'critical', description: 'Major System Outage' });
    const components = await client.api.getComponents();
    const group = components.components.find((c) => c.group)!;
    expect(group.name).toBe('Portal');
    expect(components.components.filter((c) => c.group_id === group.id).map((c) => c.name)).toEqual(['Website', 'Request intake']);
    const all = await client.api.incidents.getAll();
    expect(all.incidents).toHaveLength(50);
    expect(all.incidents[0]!.name).toMatch(/^(Emails delayed|Slow pages)$/);
    const unresolved = await client.api.incidents.getUnresolved();
    expect(unresolved.incidents).toHaveLength(2);
    // Its maintenance calls all read upcoming.json.
    const upcoming = await client.api.scheduledMaintenances.getUpcoming();
    expect(upcoming.scheduled_maintenances.map((m) => m.name)).toEqual(['Database upgrade']);
  });

  it('the active and full maintenance lists, read directly', async () => {
    const active = (await (await fetch(`${portal.url}/api/v2/scheduled-maintenances/active.json`)).json()) as { scheduled_maintenances: { name: string; status: string }[] };
    expect(active.scheduled_maintenances.map((m) => [m.name, m.status])).toEqual([['Mail relay swap', 'in_progress']]);
    const list = (await (await fetch(`${portal.url}/api/v2/scheduled-maintenances.json`)).json()) as { scheduled_maintenances: { name: string }[] };
    expect(list.scheduled_maintenances.map((m) => m.name).sort()).toEqual(['Database upgrade', 'Mail relay swap']);
  });
});

describe('every endpoint matches the Statuspage schema', () => {
  const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
  it.each(Object.keys(STATUSPAGE_SCHEMAS))('%s', async (endpoint) => {
    const res = await fetch(`${portal.url}${endpoint}`, { headers: { Origin: 'https://widget.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toContain('stale-if-error=');
    const validate = ajv.compile(STATUSPAGE_SCHEMAS[endpoint as keyof typeof STATUSPAGE_SCHEMAS]);
    const body = await res.json();
    expect(validate(body), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    // A conditional request with the tag is answered 304, without a body.
    const again = await fetch(`${portal.url}${endpoint}`, { headers: { 'If-None-Match': res.headers.get('etag')! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('a change changes the tag', async () => {
    const before = await fetch(`${portal.url}/api/v2/status.json`);
    const tag = before.headers.get('etag')!;
    await openIncident(portal.db, { name: 'Intake errors', status: 'investigating', impact: 'critical', body: 'x', components: {}, notify: false }, staff);
    const after = await fetch(`${portal.url}/api/v2/status.json`, { headers: { 'If-None-Match': tag } });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(tag);
  });

  it('bad input never gets a 5xx', async () => {
    for (const endpoint of Object.keys(STATUSPAGE_SCHEMAS)) {
      for (const query of ['?%00', '?page=%FF%FE', `?x=${'a'.repeat(3500)}`, '?limit=-1&limit=1e309']) {
        const res = await fetch(`${portal.url}${endpoint}${query}`);
        expect(res.status, `${endpoint}${query}`).toBe(200);
      }
      // Past the portal's cap on a request target (4096 characters): refused before anything reads it.
      expect((await fetch(`${portal.url}${endpoint}?x=${'a'.repeat(5000)}`)).status).toBe(414);
      const post = await fetch(`${portal.url}${endpoint}`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } });
      expect(post.status, `POST ${endpoint}`).toBe(405);
    }
  });
});

async function updatesInApi() {
  const incidents = (await (await fetch(`${portal.url}/api/v2/incidents.json`)).json()) as { incidents: { incident_updates: unknown[] }[] };
  const maintenance = (await (await fetch(`${portal.url}/api/v2/scheduled-maintenances.json`)).json()) as { scheduled_maintenances: { incident_updates: unknown[] }[] };
  return [...incidents.incidents, ...maintenance.scheduled_maintenances].reduce((n, i) => n + i.incident_updates.length, 0);
}

describe('feeds', () => {
  it('RSS, Atom and JSON Feed: an entry per update, stable ids, well-formed XML', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-status-feed-'));
    const ids1: string[][] = [];
    for (const [format, lng] of [
      ['rss', ''],
      ['atom', ''],
      ['atom', '?lng=de'],
    ] as const) {
      const res = await fetch(`${portal.url}/service-status/feed.${format}${lng}`);
      expect(res.status).toBe(200);
      const xml = await res.text();
      const file = path.join(dir, `feed-${format}.xml`);
      fs.writeFileSync(file, xml);
      execFileSync('xmllint', ['--noout', file]);
      const feed = parseFeed(xml);
      // One entry per update of the 50 most recent incidents and maintenance windows.
      expect(feed.items.length).toBe(await updatesInApi());
      expect(new Set(feed.items.map((i) => i.id)).size).toBe(feed.items.length);
      ids1.push(feed.items.map((i) => i.id!));
    }
    // The same ids in every format and language.
    expect(ids1[1]).toEqual(ids1[0]);
    expect(ids1[2]).toEqual(ids1[0]);
    const german = parseFeed(fs.readFileSync(path.join(dir, 'feed-atom.xml'), 'utf8'));
    expect(german.title).toContain('Dienststatus');
    const json = (await (await fetch(`${portal.url}/service-status/feed.json`)).json()) as { version: string; items: { id: string }[] };
    expect(json.version).toBe('https://jsonfeed.org/version/1.1');
    expect(json.items.map((i) => i.id)).toEqual(ids1[0]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a feed never fails on a bad query', async () => {
    for (const q of ['?lng=%00', '?lng=xx', '?%FF', `?lng=${'d'.repeat(3000)}`]) {
      expect((await fetch(`${portal.url}/service-status/feed.rss${q}`)).status).toBe(200);
    }
  });
});

describe('the monitor API', () => {
  let key: string;
  let expired: string;
  let revoked: string;
  let incidentsOnly: string;
  const patch = (componentId: string, body: unknown, auth: string | null, options: { page?: string; type?: string } = {}) =>
    fetch(`${portal.url}/api/v1/pages/${options.page ?? pageId}/components/${componentId}`, {
      method: 'PATCH',
      headers: { 'Content-Type': options.type ?? 'application/json', ...(auth ? { Authorization: auth } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    const admin = await createUser(portal.db, { role: 'admin' });
    const year = new Date(Date.now() + 365 * 24 * hour);
    key = (await issueApiToken(portal.db, { name: 'monitor', scopes: ['components', 'incidents'], componentIds: null, expiresAt: year }, { id: admin.id })).token;
    incidentsOnly = (await issueApiToken(portal.db, { name: 'incidents only', scopes: ['incidents'], componentIds: null, expiresAt: year }, { id: admin.id })).token;
    const old = await issueApiToken(portal.db, { name: 'old', scopes: ['components'], componentIds: null, expiresAt: new Date(Date.now() + 60_000) }, { id: admin.id });
    await portal.db.updateTable('status_api_tokens').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', old.id).execute();
    expired = old.token;
    const gone = await issueApiToken(portal.db, { name: 'gone', scopes: ['components'], componentIds: null, expiresAt: year }, { id: admin.id });
    await revokeApiToken(portal.db, gone.id, { id: admin.id });
    revoked = gone.token;
  });

  it('refuses a missing, bad, expired or revoked key with 401, a key without the scope with 403', async () => {
    const body = { component: { status: 'major_outage' } };
    for (const auth of [null, 'Bearer nope', `Bearer ${key}x`, `Basic ${key}`, `Bearer ${expired}`, `Bearer ${revoked}`]) {
      const res = await patch(ids.intake, body, auth);
      expect(res.status, String(auth)).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
      expect(((await res.json()) as { error: string }).error).toBeTruthy();
    }
    expect((await patch(ids.intake, body, `Bearer ${incidentsOnly}`)).status).toBe(403);
    const after = await portal.db.selectFrom('status_components').select('status').where('id', '=', ids.intake).executeTakeFirstOrThrow();
    expect(after.status).toBe('operational');
  });

  it('refuses bad bodies with a clear 4xx', async () => {
    const auth = `Bearer ${key}`;
    expect((await patch(ids.intake, 'status=major_outage', auth, { type: 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await patch(ids.intake, '{"component":', auth)).status).toBe(400);
    const wrong = await patch(ids.intake, { component: { status: 'on_fire' } }, auth);
    expect(wrong.status).toBe(422);
    expect(((await wrong.json()) as { error: string }).error).toContain('component.status');
    expect((await patch(ids.intake, { component: { status: 'operational' } }, auth, { page: 'notours' })).status).toBe(404);
    expect((await patch('987654', { component: { status: 'operational' } }, auth)).status).toBe(404);
    expect((await patch(ids.group, { component: { status: 'operational' } }, auth)).status).toBe(404);
    expect((await patch(ids.intake, `{"component":{"status":"${'x'.repeat(70_000)}"}}`, auth)).status).toBe(413);
    expect((await patch(ids.intake, Buffer.from([0x7b, 0xff, 0x7d]).toString('latin1'), auth)).status).toBeLessThan(500);
  });

  it('a Statuspage-shaped PATCH sets the status, recorded with its source', async () => {
    const res = await patch(ids.intake, { component: { status: 'partial_outage' } }, `OAuth ${key}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-report-outcome')).toBe('changed');
    expect(((await res.json()) as { status: string; id: string }).status).toBe('partial_outage');
    const change = await portal.db.selectFrom('status_component_changes').selectAll().where('component_id', '=', ids.intake).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(change.source).toBe('api');
    // A component an open incident holds is left alone.
    const held = await patch(ids.email, { component: { status: 'operational' } }, `Bearer ${key}`);
    expect(held.status).toBe(200);
    expect(held.headers.get('x-report-outcome')).toBe('ignored-incident');
  });

  it('a sample Uptime Kuma webhook flips a component down and up', async () => {
    const kuma = (status: number | null) =>
      fetch(`${portal.url}/api/v1/uptime-kuma/${ids.intake}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` },
        body: JSON.stringify(
          status === null
            ? { heartbeat: null, monitor: null, msg: 'Uptime Kuma Webhook Testing' }
            : {
                heartbeat: { monitorID: 7, status, time: '2026-05-04 10:00:00.000', msg: status === 0 ? 'connect ECONNREFUSED' : '200 - OK', important: true, duration: 60, timezone: 'Europe/London', timezoneOffset: '+01:00', localDateTime: '2026-05-04 11:00:00' },
                monitor: { id: 7, name: 'Request intake', url: 'https://privacy.example/requests/new', type: 'http', interval: 60, active: true },
                msg: `[Request intake] [${status === 0 ? '🔴 Down' : '✅ Up'}]`,
              },
        ),
      });
    const down = await kuma(0);
    expect(down.status).toBe(200);
    expect(await down.json()).toMatchObject({ outcome: 'changed', status: 'major_outage' });
    const summary = (await (await fetch(`${portal.url}/api/v2/components.json`)).json()) as { components: { id: string; status: string }[] };
    expect(summary.components.find((c) => c.id === ids.intake)!.status).toBe('major_outage');
    expect(await (await kuma(1)).json()).toMatchObject({ outcome: 'changed', status: 'operational' });
    expect(await (await kuma(null)).json()).toMatchObject({ test: true, outcome: 'unchanged' });
    const kumaChange = await portal.db.selectFrom('status_component_changes').select('source').where('component_id', '=', ids.intake).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(kumaChange.source).toBe('uptime_kuma');
    const bad = await fetch(`${portal.url}/api/v1/uptime-kuma/${ids.intake}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` }, body: '{"heartbeat":{"status":9}}' });
    expect(bad.status).toBe(422);
  });

  it('opens and resolves an incident through the Statuspage-shaped incident endpoints', async () => {
    const auth = { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` };
    const created = await fetch(`${portal.url}/api/v1/pages/${pageId}/incidents`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ incident: { name: 'Monitor: intake failing', status: 'investigating', components: { [ids.intake]: 'partial_outage' } } }),
    });
    expect(created.status).toBe(201);
    const incident = (await created.json()) as { id: string; impact: string; incident_updates: { body: string }[] };
    expect(incident.impact).toBe('major');
    expect(incident.incident_updates[0]!.body).toBe('We are currently investigating this issue.');
    const resolved = await fetch(`${portal.url}/api/v1/pages/${pageId}/incidents/${incident.id}`, { method: 'PATCH', headers: auth, body: JSON.stringify({ incident: { status: 'resolved' } }) });
    expect(resolved.status).toBe(200);
    expect(await resolved.json()).toMatchObject({ status: 'resolved', components: [{ id: ids.intake, status: 'operational' }] });
    expect((await fetch(`${portal.url}/api/v1/pages/${pageId}/incidents`, { method: 'POST', headers: auth, body: '{"incident":{"name":""}}' })).status).toBe(422);
    expect((await fetch(`${portal.url}/api/v1/pages/${pageId}/incidents`, { method: 'POST', headers: { ...auth, Authorization: `Bearer ${expired}` }, body: '{}' })).status).toBe(401);
  });

  it('no key reaches the audit trail, and the chain verifies', async () => {
    const events = await portal.db.selectFrom('audit_events').select(['details', 'action']).where('action', 'like', 'status.%').execute();
    const text = JSON.stringify(events);
    for (const secret of [key, expired, revoked, incidentsOnly]) expect(text).not.toContain(secret.slice(5));
    expect(events.filter((e) => e.action === 'status.component_status_changed').map((e) => (e.details as { source: string }).source)).toEqual(
      expect.arrayContaining(['api', 'uptime_kuma', 'incident']),
    );
    expect(await verifyAuditChain(portal.db)).toMatchObject({ ok: true });
  });
});

describe('npm run status:export', () => {
  it('writes the page in each language, incident pages, the JSON and the feeds as standalone files', async () => {
    const { exportStatus, API_DOCUMENTS } = await import('../../scripts/status-export');
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-status-export-'));
    try {
      const { files } = await exportStatus({ from: portal.url, out: path.join(out, 'site') });
      for (const doc of API_DOCUMENTS) expect(files).toContain(`api/v2/${doc}`);
      for (const name of ['index.html', 'index.de.html', 'index.fr.html', 'history.html', 'feed.rss', 'feed.atom', 'feed.json', 'feed.de.atom']) expect(files).toContain(name);
      const site = path.join(out, 'site');
      const index = fs.readFileSync(path.join(site, 'index.html'), 'utf8');
      // Standalone: styles inlined, no script, links into the export relative, the rest absolute.
      expect(index).toContain('<style>');
      expect(index).not.toContain('<script');
      expect(index).toContain('href="feed.rss"');
      expect(index).toContain('href="api/v2/summary.json"');
      expect(index).toMatch(/href="incidents\/\d+\.html"/);
      expect(index).toContain(`href="${portal.url}/requests/new"`);
      const incident = /href="(incidents\/\d+\.html)"/.exec(index)![1]!;
      expect(fs.existsSync(path.join(site, incident))).toBe(true);
      expect(fs.readFileSync(path.join(site, incident), 'utf8')).toContain('href="../index.html"');
      expect(JSON.parse(fs.readFileSync(path.join(site, 'api/v2/summary.json'), 'utf8')).page.id).toBe(pageId);
      execFileSync('xmllint', ['--noout', path.join(site, 'feed.atom')]);
      expect(fs.readFileSync(path.join(site, 'index.de.html'), 'utf8')).toContain('Dienststatus');
      // A portal that does not answer leaves the last export as it was.
      await expect(exportStatus({ from: 'http://127.0.0.1:9', out: path.join(out, 'site') })).rejects.toThrow();
      expect(fs.readFileSync(path.join(site, 'index.html'), 'utf8')).toBe(index);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
