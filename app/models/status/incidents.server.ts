/**
 * Incidents and scheduled maintenance: opened, updated and closed by staff (or a monitor's API
 * token), each update timestamped with its affected components' old and new statuses, and a
 * postmortem once resolved. Maintenance starts, ends and reminds on its own (sweep.server.ts).
 */
import { sql } from 'kysely';
import type { DB, Tx } from '../../../db/client';
import type { AffectedComponent, ComponentStatus, IncidentImpact, IncidentKind, StatusSource } from '../../../db/schema';
import { recordAudit } from '~/models/audit.server';
import { enqueueJob } from '~/models/jobs.server';
import { changeComponentStatus, StatusRuleError, touchStatusPage } from '~/models/status/components.server';
import { isClosedStatus, isStatusOfKind, maintenanceWakeups, type SettableStatus } from '~/models/status/rules';

import { STATUS_NOTIFY_JOB, STATUS_SWEEP_JOB } from '~/models/status/job-names';

export { STATUS_NOTIFY_JOB, STATUS_SWEEP_JOB };

export type Who = { id: string | null; ip?: string | null; source: StatusSource; tokenId?: string | null };

export type IncidentUpdateRow = {
  id: string;
  status: string;
  body: string;
  createdAt: Date;
  notify: boolean;
  affected: AffectedComponent[];
  source: StatusSource;
};

export type IncidentRow = {
  id: string;
  kind: IncidentKind;
  name: string;
  status: string;
  impact: IncidentImpact;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date;
  monitoringAt: Date | null;
  resolvedAt: Date | null;
  scheduledFor: Date | null;
  scheduledUntil: Date | null;
  autoTransition: boolean;
  remindMinutes: number | null;
  remindedAt: Date | null;
  postmortem: string | null;
  postmortemPublishedAt: Date | null;
  componentIds: string[];
  updates: IncidentUpdateRow[];
};

type IncidentSelect = {
  id: string;
  kind: IncidentKind;
  name: string;
  status: string;
  impact: IncidentImpact;
  created_at: Date;
  updated_at: Date;
  started_at: Date;
  monitoring_at: Date | null;
  resolved_at: Date | null;
  scheduled_for: Date | null;
  scheduled_until: Date | null;
  auto_transition: boolean;
  remind_minutes: number | null;
  reminded_at: Date | null;
  postmortem: string | null;
  postmortem_published_at: Date | null;
};

/** Incidents with their components and updates (newest update first), in the order of `rows`. */
async function hydrate(db: DB | Tx, rows: IncidentSelect[]): Promise<IncidentRow[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => String(r.id));
  const [links, updates] = await Promise.all([
    db.selectFrom('status_incident_components').select(['incident_id', 'component_id']).where('incident_id', 'in', ids).orderBy('component_id').execute(),
    db
      .selectFrom('status_incident_updates')
      .select(['id', 'incident_id', 'status', 'body', 'created_at', 'notify', 'affected', 'source'])
      .where('incident_id', 'in', ids)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute(),
  ]);
  return rows.map((r) => ({
    id: String(r.id),
    kind: r.kind,
    name: r.name,
    status: r.status,
    impact: r.impact,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    startedAt: r.started_at,
    monitoringAt: r.monitoring_at,
    resolvedAt: r.resolved_at,
    scheduledFor: r.scheduled_for,
    scheduledUntil: r.scheduled_until,
    autoTransition: r.auto_transition,
    remindMinutes: r.remind_minutes,
    remindedAt: r.reminded_at,
    postmortem: r.postmortem,
    postmortemPublishedAt: r.postmortem_published_at,
    componentIds: links.filter((l) => String(l.incident_id) === String(r.id)).map((l) => String(l.component_id)),
    updates: updates
      .filter((u) => String(u.incident_id) === String(r.id))
      .map((u) => ({ id: String(u.id), status: u.status, body: u.body, createdAt: u.created_at, notify: u.notify, affected: u.affected, source: u.source })),
  }));
}

const COLUMNS = [
  'id',
  'kind',
  'name',
  'status',
  'impact',
  'created_at',
  'updated_at',
  'started_at',
  'monitoring_at',
  'resolved_at',
  'scheduled_for',
  'scheduled_until',
  'auto_transition',
  'remind_minutes',
  'reminded_at',
  'postmortem',
  'postmortem_published_at',
] as const;

export async function getIncident(db: DB | Tx, id: string): Promise<IncidentRow | undefined> {
  if (!/^\d{1,18}$/.test(id)) return undefined;
  const rows = await db.selectFrom('status_incidents').select(COLUMNS).where('id', '=', id).execute();
  return (await hydrate(db, rows))[0];
}

/** Incidents and maintenance that are not over, oldest first. */
export async function listOpen(db: DB | Tx): Promise<IncidentRow[]> {
  const rows = await db
    .selectFrom('status_incidents')
    .select(COLUMNS)
    .where((eb) =>
      eb.or([
        eb.and([eb('kind', '=', 'incident'), eb('status', 'not in', ['resolved', 'postmortem'])]),
        eb.and([eb('kind', '=', 'maintenance'), eb('status', '!=', 'completed')]),
      ]),
    )
    .orderBy('started_at')
    .orderBy('id')
    .execute();
  return hydrate(db, rows);
}

/** The newest `limit` incidents or maintenance windows (Statuspage's lists hold the 50 most recent). */
export async function listRecent(db: DB | Tx, kind: IncidentKind, limit = 50): Promise<IncidentRow[]> {
  const rows = await db.selectFrom('status_incidents').select(COLUMNS).where('kind', '=', kind).orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return hydrate(db, rows);
}

/** Everything that started within [from, to), newest first: the monthly history. */
export async function listBetween(db: DB | Tx, from: Date, to: Date): Promise<IncidentRow[]> {
  const rows = await db
    .selectFrom('status_incidents')
    .select(COLUMNS)
    .where('started_at', '>=', from)
    .where('started_at', '<', to)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(500)
    .execute();
  return hydrate(db, rows);
}

/** Incidents that closed after `since` or are still open: what the bars' tooltips and the page list. */
export async function listUpdatesSince(db: DB | Tx, since: Date, limit = 200) {
  return db
    .selectFrom('status_incident_updates as u')
    .innerJoin('status_incidents as i', 'i.id', 'u.incident_id')
    .select(['u.id', 'u.incident_id', 'u.status', 'u.body', 'u.created_at', 'u.affected', 'i.name', 'i.kind', 'i.impact'])
    .where('u.created_at', '>=', since)
    .orderBy('u.created_at', 'desc')
    .orderBy('u.id', 'desc')
    .limit(limit)
    .execute();
}

type ComponentStatuses = Record<string, SettableStatus>;

/** Applies the statuses an update sets, returns what changed (old -> new) for the update's record. */
async function applyComponentStatuses(trx: Tx, incidentId: string, statuses: ComponentStatuses, who: Who, at: Date): Promise<AffectedComponent[]> {
  const ids = Object.keys(statuses);
  if (ids.length === 0) return [];
  const rows = await trx.selectFrom('status_components').select(['id', 'name', 'is_group', 'status']).where('id', 'in', ids).execute();
  const byId = new Map(rows.map((r) => [String(r.id), r]));
  const affected: AffectedComponent[] = [];
  for (const id of ids) {
    const row = byId.get(id);
    if (!row || row.is_group) throw new StatusRuleError(`Component ${id} does not exist.`, 'components');
    await trx.insertInto('status_incident_components').values({ incident_id: incidentId, component_id: id }).onConflict((oc) => oc.doNothing()).execute();
    const old = await changeComponentStatus(trx, {
      componentId: id,
      status: statuses[id]!,
      source: who.source === 'staff' ? 'incident' : who.source,
      actorId: who.id,
      ip: who.ip,
      tokenId: who.tokenId,
      incidentId,
      at,
    });
    affected.push({ code: id, name: row.name, old_status: (old ?? row.status) as ComponentStatus, new_status: statuses[id]! });
  }
  return affected;
}

async function insertUpdate(
  trx: Tx,
  input: { incidentId: string; status: string; body: string; notify: boolean; affected: AffectedComponent[]; who: Who; at: Date },
): Promise<string> {
  const { id } = await trx
    .insertInto('status_incident_updates')
    .values({
      incident_id: input.incidentId,
      status: input.status,
      body: input.body,
      created_at: input.at,
      notify: input.notify,
      affected: JSON.stringify(input.affected),
      actor_id: input.who.id,
      source: input.who.source,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (input.notify) {
    await enqueueJob(trx as unknown as DB, { kind: STATUS_NOTIFY_JOB, payload: { event: 'update', updateId: String(id) }, dedupeKey: `${STATUS_NOTIFY_JOB}:update:${id}`, maxAttempts: 8 });
  }
  return String(id);
}

export type NewIncident = {
  name: string;
  status: (typeof import('~/models/status/rules').INCIDENT_STATUSES)[number];
  impact: Exclude<IncidentImpact, 'maintenance'>;
  body: string;
  components: ComponentStatuses;
  notify: boolean;
};

export async function openIncident(db: DB, input: NewIncident, who: Who, now: Date = new Date()): Promise<{ id: string; updateId: string }> {
  return db.transaction().execute(async (trx) => {
    const closed = input.status === 'resolved';
    const { id } = await trx
      .insertInto('status_incidents')
      .values({
        kind: 'incident',
        name: input.name,
        status: input.status,
        impact: input.impact,
        created_at: now,
        updated_at: now,
        started_at: now,
        monitoring_at: input.status === 'monitoring' ? now : null,
        resolved_at: closed ? now : null,
        created_by: who.id,
        source: who.source,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const incidentId = String(id);
    const affected = await applyComponentStatuses(trx, incidentId, input.components, who, now);
    const updateId = await insertUpdate(trx, { incidentId, status: input.status, body: input.body, notify: input.notify, affected, who, at: now });
    await touchStatusPage(trx, now);
    await recordAudit(trx, {
      actorId: who.id,
      ip: who.ip,
      action: 'status.incident_opened',
      targetType: 'status_incident',
      targetId: incidentId,
      details: { name: input.name, status: input.status, impact: input.impact, components: input.components, notify: input.notify, source: who.source, tokenId: who.tokenId ?? undefined },
    });
    return { id: incidentId, updateId };
  });
}

export type IncidentUpdateInput = {
  incidentId: string;
  status: string;
  body: string;
  components: ComponentStatuses;
  notify: boolean;
  impact?: Exclude<IncidentImpact, 'maintenance'>;
  name?: string;
};

/**
 * Posts an update. Resolving an incident (or completing maintenance) without naming component
 * statuses returns every affected component that is still degraded to operational.
 */
export async function postUpdate(db: DB, input: IncidentUpdateInput, who: Who, now: Date = new Date()): Promise<string> {
  return db.transaction().execute(async (trx) => {
    const incident = await trx.selectFrom('status_incidents').select(['id', 'kind', 'status', 'monitoring_at']).where('id', '=', input.incidentId).forUpdate().executeTakeFirst();
    if (!incident) throw new StatusRuleError('That incident does not exist.');
    if (!isStatusOfKind(incident.kind, input.status)) throw new StatusRuleError('Choose one of the statuses listed.', 'status');
    let statuses = input.components;
    if (isClosedStatus(incident.kind, input.status) && Object.keys(statuses).length === 0) {
      const still = await trx
        .selectFrom('status_incident_components as l')
        .innerJoin('status_components as c', 'c.id', 'l.component_id')
        .select('c.id')
        .where('l.incident_id', '=', input.incidentId)
        .where('c.status', '!=', 'operational')
        .execute();
      statuses = Object.fromEntries(still.map((r) => [String(r.id), 'operational' as const]));
    }
    const affected = await applyComponentStatuses(trx, input.incidentId, statuses, who, now);
    const updateId = await insertUpdate(trx, { incidentId: input.incidentId, status: input.status, body: input.body, notify: input.notify, affected, who, at: now });
    const closing = isClosedStatus(incident.kind, input.status);
    await trx
      .updateTable('status_incidents')
      .set({
        status: input.status,
        updated_at: now,
        ...(input.impact && incident.kind === 'incident' ? { impact: input.impact } : {}),
        ...(input.name ? { name: input.name } : {}),
        ...(input.status === 'monitoring' && !incident.monitoring_at ? { monitoring_at: now } : {}),
        resolved_at: closing ? sql<Date>`coalesce(resolved_at, ${now})` : null,
      })
      .where('id', '=', input.incidentId)
      .execute();
    await touchStatusPage(trx, now);
    await recordAudit(trx, {
      actorId: who.id,
      ip: who.ip,
      action: 'status.incident_updated',
      targetType: 'status_incident',
      targetId: input.incidentId,
      details: { from: incident.status, to: input.status, components: statuses, notify: input.notify, source: who.source, tokenId: who.tokenId ?? undefined },
    });
    return updateId;
  });
}

export async function publishPostmortem(db: DB, input: { incidentId: string; body: string; notify: boolean }, who: Who, now: Date = new Date()) {
  await db.transaction().execute(async (trx) => {
    const incident = await trx.selectFrom('status_incidents').select(['kind', 'status']).where('id', '=', input.incidentId).forUpdate().executeTakeFirst();
    if (!incident || incident.kind !== 'incident') throw new StatusRuleError('That incident does not exist.');
    if (!isClosedStatus('incident', incident.status)) throw new StatusRuleError('Resolve the incident before publishing its postmortem.', 'postmortem');
    await trx
      .updateTable('status_incidents')
      .set({ postmortem: input.body, postmortem_published_at: now, status: 'postmortem', updated_at: now })
      .where('id', '=', input.incidentId)
      .execute();
    await insertUpdate(trx, { incidentId: input.incidentId, status: 'postmortem', body: input.body, notify: input.notify, affected: [], who, at: now });
    await touchStatusPage(trx, now);
    await recordAudit(trx, { actorId: who.id, ip: who.ip, action: 'status.postmortem_published', targetType: 'status_incident', targetId: input.incidentId, details: { notify: input.notify } });
  });
}

export type NewMaintenance = {
  name: string;
  body: string;
  componentIds: string[];
  scheduledFor: Date;
  scheduledUntil: Date;
  autoTransition: boolean;
  remindMinutes: number | null;
  notify: boolean;
};

/** Queues the sweep at each instant the window's clock needs (reminder, start, end). */
export async function queueMaintenanceWakeups(db: DB | Tx, m: { id: string; scheduledFor: Date; scheduledUntil: Date; remindMinutes: number | null }) {
  for (const at of maintenanceWakeups(m)) {
    await enqueueJob(db as DB, { kind: STATUS_SWEEP_JOB, runAt: at, dedupeKey: `${STATUS_SWEEP_JOB}:m${m.id}:${at.toISOString()}`, maxAttempts: 10 });
  }
}

export async function scheduleMaintenance(db: DB, input: NewMaintenance, who: Who, now: Date = new Date()): Promise<string> {
  if (input.scheduledUntil <= input.scheduledFor) throw new StatusRuleError('The end must come after the start.', 'scheduledUntil');
  if (input.componentIds.length === 0) throw new StatusRuleError('Choose at least one component.', 'components');
  return db.transaction().execute(async (trx) => {
    const components = await trx.selectFrom('status_components').select(['id', 'name', 'status', 'is_group']).where('id', 'in', input.componentIds).execute();
    if (components.length !== input.componentIds.length || components.some((c) => c.is_group)) throw new StatusRuleError('Choose components from the list.', 'components');
    const { id } = await trx
      .insertInto('status_incidents')
      .values({
        kind: 'maintenance',
        name: input.name,
        status: 'scheduled',
        impact: 'maintenance',
        created_at: now,
        updated_at: now,
        started_at: input.scheduledFor,
        scheduled_for: input.scheduledFor,
        scheduled_until: input.scheduledUntil,
        auto_transition: input.autoTransition,
        remind_minutes: input.remindMinutes,
        created_by: who.id,
        source: who.source,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const maintenanceId = String(id);
    await trx.insertInto('status_incident_components').values(input.componentIds.map((c) => ({ incident_id: maintenanceId, component_id: c }))).execute();
    const affected = components.map((c) => ({ code: String(c.id), name: c.name, old_status: c.status, new_status: c.status }));
    await insertUpdate(trx, { incidentId: maintenanceId, status: 'scheduled', body: input.body, notify: input.notify, affected, who, at: now });
    await queueMaintenanceWakeups(trx, { id: maintenanceId, ...input });
    await touchStatusPage(trx, now);
    await recordAudit(trx, {
      actorId: who.id,
      ip: who.ip,
      action: 'status.maintenance_scheduled',
      targetType: 'status_incident',
      targetId: maintenanceId,
      details: { name: input.name, from: input.scheduledFor.toISOString(), until: input.scheduledUntil.toISOString(), components: input.componentIds, autoTransition: input.autoTransition, remindMinutes: input.remindMinutes },
    });
    return maintenanceId;
  });
}

/** Components that an open incident or an in-progress maintenance holds: monitors may not change them. */
export async function heldComponents(db: DB | Tx): Promise<Map<string, 'incident' | 'maintenance'>> {
  const rows = await db
    .selectFrom('status_incident_components as l')
    .innerJoin('status_incidents as i', 'i.id', 'l.incident_id')
    .select(['l.component_id', 'i.kind'])
    .where((eb) =>
      eb.or([
        eb.and([eb('i.kind', '=', 'incident'), eb('i.status', 'not in', ['resolved', 'postmortem'])]),
        eb.and([eb('i.kind', '=', 'maintenance'), eb('i.status', 'in', ['in_progress', 'verifying'])]),
      ]),
    )
    .execute();
  const held = new Map<string, 'incident' | 'maintenance'>();
  // An open incident says more than maintenance: it wins when both hold a component.
  for (const r of rows) if (held.get(String(r.component_id)) !== 'incident') held.set(String(r.component_id), r.kind);
  return held;
}
