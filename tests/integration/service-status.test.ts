import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../app/models/audit.server';
import { loadStatusChanges } from '../../app/models/status/components.server';
import { getIncident, openIncident, postUpdate, publishPostmortem, scheduleMaintenance } from '../../app/models/status/incidents.server';
import { applyMonitorReport, MonitorRefused } from '../../app/models/status/monitors.server';
import { loadBars, loadStatusView } from '../../app/models/status/page.server';
import { sweepStatus } from '../../app/models/status/sweep.server';
import { authenticateApiToken, issueApiToken, revokeApiToken } from '../../app/models/status/tokens.server';
import { createTestDb, type TestDb } from '../support/db';
import { createStatusComponent, seedStatusComponents } from '../support/status';
import { createUser } from '../support/users';

/**
 * The status page's models on a real database (PGlite, or PostgreSQL with DATABASE_URL), the
 * clock moved by passing `now`: rollup, bars across a DST day, maintenance that starts and
 * ends itself, heartbeat lapses, monitor reports held by incidents and maintenance, API keys.
 */
let t: TestDb;
const TZ = 'Europe/London';
const at = (iso: string) => new Date(iso);
const staff = { id: null, source: 'staff' as const };

beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.destroy();
});

describe('rollup and bars from recorded changes', () => {
  it('several open incidents set the banner; resolving them brings it back', async () => {
    const ids = await seedStatusComponents(t.db, { now: at('2026-03-01T09:00:00Z'), startDate: '2026-03-01' });
    const a = await openIncident(t.db, { name: 'Slow intake', status: 'investigating', impact: 'minor', body: 'We are currently investigating this issue.', components: { [ids.intake]: 'degraded_performance' }, notify: false }, staff, at('2026-03-28T10:00:00Z'));
    const b = await openIncident(t.db, { name: 'Mail down', status: 'identified', impact: 'major', body: 'x', components: { [ids.email]: 'major_outage' }, notify: false }, staff, at('2026-03-29T12:00:00Z'));
    let view = await loadStatusView(t.db, { timeZone: TZ, now: at('2026-03-29T12:30:00Z') });
    expect(view.unresolved.map((i) => i.name).sort()).toEqual(['Mail down', 'Slow intake']);
    expect(view.rollup.indicator).toBe('critical');
    // The group shows the worst of its components.
    expect(view.components.find((c) => c.id === ids.group)!.current).toBe('degraded_performance');

    await postUpdate(t.db, { incidentId: b.id, status: 'resolved', body: 'This incident has been resolved.', components: {}, notify: false }, staff, at('2026-03-29T13:00:00Z'));
    await postUpdate(t.db, { incidentId: a.id, status: 'resolved', body: 'Fixed.', components: {}, notify: false }, staff, at('2026-03-29T14:00:00Z'));
    view = await loadStatusView(t.db, { timeZone: TZ, now: at('2026-03-30T12:00:00Z') });
    expect(view.rollup).toMatchObject({ indicator: 'none', description: 'All Systems Operational' });
    const resolved = (await getIncident(t.db, b.id))!;
    expect(resolved.resolvedAt).toEqual(at('2026-03-29T13:00:00Z'));
    expect(resolved.updates[0]!.affected).toEqual([{ code: ids.email, name: 'Email delivery', old_status: 'major_outage', new_status: 'operational' }]);

    // 29 March 2026 has 23 hours in London: one hour of major outage is 1/23 of it.
    const bars = await loadBars(t.db, view, { timeZone: TZ, days: 90 });
    const mail = bars.find((x) => x.componentId === ids.email)!;
    const day = mail.bars.find((x) => x.date === '2026-03-29')!;
    expect(day.worst).toBe('major_outage');
    expect(day.uptime).toBeCloseTo((22 / 23) * 100, 10);
    // Before the start date: no data, and not counted.
    expect(mail.bars.find((x) => x.date === '2026-02-28')).toMatchObject({ worst: 'no_data', beforeStart: true, uptime: null });
    // The intake was degraded for a day and a bit: degraded counts as up.
    expect(bars.find((x) => x.componentId === ids.intake)!.bars.find((x) => x.date === '2026-03-28')!.worst).toBe('degraded_performance');
    expect(bars.find((x) => x.componentId === ids.intake)!.uptime).toBe(100);
  });

  it('a postmortem is refused before the incident is resolved, published after', async () => {
    const c = await createStatusComponent(t.db, { name: 'Postmortem target' });
    const i = await openIncident(t.db, { name: 'Outage', status: 'investigating', impact: 'critical', body: 'x', components: { [c]: 'major_outage' }, notify: false }, staff);
    await expect(publishPostmortem(t.db, { incidentId: i.id, body: 'Why', notify: false }, staff)).rejects.toThrow(/Resolve the incident/);
    await postUpdate(t.db, { incidentId: i.id, status: 'resolved', body: 'Resolved.', components: {}, notify: false }, staff);
    await publishPostmortem(t.db, { incidentId: i.id, body: 'A disk filled up; alerts now fire at 80 %.', notify: false }, staff);
    expect(await getIncident(t.db, i.id)).toMatchObject({ status: 'postmortem', postmortem: 'A disk filled up; alerts now fire at 80 %.' });
  });
});

describe('maintenance starts, ends and reminds by itself', () => {
  it('moves through reminder, start and end as the clock moves, once each', async () => {
    const c = await createStatusComponent(t.db, { name: 'Database' }, { now: at('2026-04-01T00:00:00Z') });
    const id = await scheduleMaintenance(
      t.db,
      { name: 'Upgrade', body: 'Planned.', componentIds: [c], scheduledFor: at('2026-04-10T22:00:00Z'), scheduledUntil: at('2026-04-11T00:00:00Z'), autoTransition: true, remindMinutes: 60, notify: true },
      staff,
      at('2026-04-01T00:00:00Z'),
    );
    expect(await sweepStatus(t.db, at('2026-04-10T20:00:00Z'))).toEqual({ reminders: 0, started: 0, ended: 0, lapsed: 0 });
    expect(await sweepStatus(t.db, at('2026-04-10T21:00:00Z'))).toMatchObject({ reminders: 1, started: 0 });
    expect(await sweepStatus(t.db, at('2026-04-10T21:30:00Z'))).toMatchObject({ reminders: 0, started: 0 });
    expect(await sweepStatus(t.db, at('2026-04-10T22:00:05Z'))).toMatchObject({ started: 1, ended: 0 });
    let view = await loadStatusView(t.db, { timeZone: TZ, now: at('2026-04-10T22:30:00Z') });
    expect(view.components.find((x) => x.id === c)!.current).toBe('under_maintenance');
    expect(view.activeMaintenance.map((m) => m.id)).toEqual([id]);
    expect(view.rollup.indicator).toBe('maintenance');
    // A second sweep at the same time changes nothing.
    expect(await sweepStatus(t.db, at('2026-04-10T22:30:00Z'))).toMatchObject({ started: 0, ended: 0 });
    expect(await sweepStatus(t.db, at('2026-04-11T00:00:00Z'))).toMatchObject({ ended: 1 });
    view = await loadStatusView(t.db, { timeZone: TZ, now: at('2026-04-11T00:01:00Z') });
    expect(view.components.find((x) => x.id === c)!.current).toBe('operational');
    const m = (await getIncident(t.db, id))!;
    expect(m.status).toBe('completed');
    expect(m.updates.map((u) => [u.status, u.createdAt.toISOString(), u.source])).toEqual([
      ['completed', '2026-04-11T00:00:00.000Z', 'maintenance'],
      ['in_progress', '2026-04-10T22:00:00.000Z', 'maintenance'],
      ['scheduled', '2026-04-01T00:00:00.000Z', 'staff'],
    ]);
    // The bars show maintenance that day, and uptime is untouched by it.
    const changes = (await loadStatusChanges(t.db, [c], at('2026-04-01T00:00:00Z'))).get(c)!;
    expect(changes.map((x) => x.status)).toEqual(['operational', 'under_maintenance', 'operational']);
    const bars = await loadBars(t.db, { ...view, now: at('2026-04-12T00:00:00Z'), today: '2026-04-12' }, { timeZone: TZ, days: 3 });
    expect(bars.find((b) => b.componentId === c)!.bars.map((b) => b.worst)).toEqual(['under_maintenance', 'under_maintenance', 'operational']);
    expect(bars.find((b) => b.componentId === c)!.uptime).toBe(100);
  });

  it('refuses a window that ends before it starts', async () => {
    const c = await createStatusComponent(t.db, { name: 'Refusal target' });
    await expect(
      scheduleMaintenance(t.db, { name: 'Bad', body: 'x', componentIds: [c], scheduledFor: at('2026-05-02T00:00:00Z'), scheduledUntil: at('2026-05-01T00:00:00Z'), autoTransition: true, remindMinutes: null, notify: false }, staff),
    ).rejects.toThrow(/end must come after the start/);
  });
});

describe('monitors and their keys', () => {
  it('refuses missing, unknown, expired, revoked and out-of-scope keys', async () => {
    const admin = await createUser(t.db, { role: 'admin' });
    const now = at('2026-06-01T00:00:00Z');
    const good = await issueApiToken(t.db, { name: 'kuma', scopes: ['components'], componentIds: null, expiresAt: at('2026-07-01T00:00:00Z') }, { id: admin.id, now });
    expect(good.token).toMatch(/^ppst_[\w-]{43}$/);
    expect((await authenticateApiToken(t.db, `Bearer ${good.token}`, 'components', now)).ok).toBe(true);
    // Statuspage's own header form.
    expect((await authenticateApiToken(t.db, `OAuth ${good.token}`, 'components', now)).ok).toBe(true);
    expect(await authenticateApiToken(t.db, null, 'components', now)).toMatchObject({ ok: false, status: 401 });
    expect(await authenticateApiToken(t.db, `Bearer ${good.token}x`, 'components', now)).toMatchObject({ ok: false, status: 401 });
    expect(await authenticateApiToken(t.db, `Bearer ${good.token}`, 'incidents', now)).toMatchObject({ ok: false, status: 403 });
    expect(await authenticateApiToken(t.db, `Bearer ${good.token}`, 'components', at('2026-07-01T00:00:00Z'))).toMatchObject({ ok: false, status: 401 });
    await revokeApiToken(t.db, good.id, { id: admin.id });
    expect(await authenticateApiToken(t.db, `Bearer ${good.token}`, 'components', now)).toMatchObject({ ok: false, status: 401 });
    // Only the hash is stored.
    const row = await t.db.selectFrom('status_api_tokens').selectAll().where('id', '=', good.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(good.token.slice(5));
    await expect(issueApiToken(t.db, { name: 'old', scopes: ['components'], componentIds: null, expiresAt: at('2020-01-01T00:00:00Z') }, { id: admin.id })).rejects.toThrow(/future/);
  });

  it('a report changes the status with its source; under an open incident or maintenance it is ignored but keeps the heartbeat', async () => {
    const c = await createStatusComponent(t.db, { name: 'API', heartbeatSeconds: 300 }, { now: at('2026-06-01T00:00:00Z') });
    const { id: tokenId, token: secret } = await issueApiToken(t.db, { name: 'm', scopes: ['components'], componentIds: [c], expiresAt: at('2027-06-01T00:00:00Z') }, { id: null, now: at('2026-06-01T00:00:00Z') });
    const token = { id: tokenId, name: 'm', scopes: ['components' as const], componentIds: [c] };
    expect(secret).toBeTruthy();
    expect(await applyMonitorReport(t.db, { componentId: c, status: 'major_outage', source: 'api', token }, at('2026-06-01T00:01:00Z'))).toEqual({ outcome: 'changed', status: 'major_outage' });
    const change = await t.db.selectFrom('status_component_changes').selectAll().where('component_id', '=', c).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(change).toMatchObject({ status: 'major_outage', source: 'api', token_id: tokenId });

    const incident = await openIncident(t.db, { name: 'API down', status: 'identified', impact: 'critical', body: 'x', components: { [c]: 'major_outage' }, notify: false }, staff, at('2026-06-01T00:02:00Z'));
    expect(await applyMonitorReport(t.db, { componentId: c, status: 'operational', source: 'uptime_kuma', token }, at('2026-06-01T00:03:00Z'))).toEqual({ outcome: 'ignored', status: 'major_outage', reason: 'incident' });
    expect((await loadStatusView(t.db, { timeZone: TZ, now: at('2026-06-01T00:07:00Z') })).components.find((x) => x.id === c)!.current).toBe('major_outage');
    await postUpdate(t.db, { incidentId: incident.id, status: 'resolved', body: 'ok', components: {}, notify: false }, staff, at('2026-06-01T00:04:00Z'));

    // A token limited to other components may not report on this one.
    await expect(applyMonitorReport(t.db, { componentId: c, status: 'operational', source: 'api', token: { ...token, componentIds: ['999'] } })).rejects.toBeInstanceOf(MonitorRefused);
    await expect(applyMonitorReport(t.db, { componentId: c, status: 'under_maintenance', source: 'api', token })).rejects.toThrow(/Maintenance is scheduled/);
  });

  it('a heartbeat that stops turns the component "no data" at the instant it lapsed, and a report brings it back', async () => {
    const c = await createStatusComponent(t.db, { name: 'Worker', heartbeatSeconds: 120 }, { now: at('2026-07-01T00:00:00Z') });
    const token = { id: (await issueApiToken(t.db, { name: 'hb', scopes: ['components'], componentIds: null, expiresAt: at('2027-06-01T00:00:00Z') }, { id: null, now: at('2026-06-01T00:00:00Z') })).id, name: 'hb', scopes: ['components' as const], componentIds: null };
    await applyMonitorReport(t.db, { componentId: c, status: 'operational', source: 'api', token }, at('2026-07-01T00:01:00Z'));
    const stored = async () => (await t.db.selectFrom('status_components').select('status').where('id', '=', c).executeTakeFirstOrThrow()).status;
    await sweepStatus(t.db, at('2026-07-01T00:02:59Z'));
    expect(await stored()).toBe('operational');
    expect((await loadStatusView(t.db, { timeZone: TZ, now: at('2026-07-01T00:03:30Z') })).components.find((x) => x.id === c)!.current).toBe('no_data');
    await sweepStatus(t.db, at('2026-07-01T00:10:00Z'));
    expect(await stored()).toBe('no_data');
    const lapse = await t.db.selectFrom('status_component_changes').selectAll().where('component_id', '=', c).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(lapse).toMatchObject({ status: 'no_data', source: 'heartbeat' });
    expect(lapse.at).toEqual(at('2026-07-01T00:03:00Z'));
    // Not twice.
    expect((await sweepStatus(t.db, at('2026-07-01T00:20:00Z'))).lapsed).toBe(0);
    // A status-less report (Kuma "pending") keeps it at no data: never green without evidence.
    expect(await applyMonitorReport(t.db, { componentId: c, status: null, source: 'uptime_kuma', token }, at('2026-07-01T00:21:00Z'))).toEqual({ outcome: 'unchanged', status: 'no_data' });
    expect(await applyMonitorReport(t.db, { componentId: c, status: 'operational', source: 'uptime_kuma', token }, at('2026-07-01T00:22:00Z'))).toEqual({ outcome: 'changed', status: 'operational' });
    const view = await loadStatusView(t.db, { timeZone: TZ, now: at('2026-07-01T00:23:00Z') });
    expect(view.components.find((x) => x.id === c)!.current).toBe('operational');
  });

  it('every change is in the audit trail, and the chain verifies', async () => {
    const actions = await t.db.selectFrom('audit_events').select('action').where('action', 'like', 'status.%').execute();
    const names = new Set(actions.map((a) => a.action));
    for (const action of ['status.component_created', 'status.incident_opened', 'status.incident_updated', 'status.component_status_changed', 'status.maintenance_scheduled', 'status.maintenance_started', 'status.maintenance_completed', 'status.api_key_issued', 'status.api_key_revoked', 'status.postmortem_published']) {
      expect(names, action).toContain(action);
    }
    const heartbeat = await t.db.selectFrom('audit_events').select('details').where('action', '=', 'status.component_status_changed').execute();
    expect(heartbeat.some((e) => (e.details as { source?: string }).source === 'heartbeat')).toBe(true);
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
  });
});
