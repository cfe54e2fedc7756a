/**
 * Status components and groups (two levels), and the one way a component's status changes:
 * `changeComponentStatus`, which records the change with its source (staff, API, Uptime Kuma,
 * heartbeat, maintenance, incident) for the 90-day bars and in the audit trail.
 */
import { sql } from 'kysely';
import type { DB, Tx } from '../../../db/client';
import type { ComponentStatus, StatusSource } from '../../../db/schema';
import { recordAudit, type Actor } from '~/models/audit.server';
import { todayIn } from '~/utils/calendar';
import { enqueueJob } from '~/models/jobs.server';
import { STATUS_SWEEP_JOB } from '~/models/status/job-names';

export class StatusRuleError extends Error {
  override name = 'StatusRuleError';
  constructor(
    message: string,
    readonly field: string = 'form',
  ) {
    super(message);
  }
}

export type ComponentRow = {
  id: string;
  groupId: string | null;
  isGroup: boolean;
  name: string;
  description: string | null;
  position: number;
  status: ComponentStatus;
  startDate: string;
  onlyShowIfDegraded: boolean;
  heartbeatSeconds: number | null;
  lastReportAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

/** Bumps the page's version in the writer's transaction: ETags change with every write. */
export async function touchStatusPage(trx: Tx, now: Date = new Date()) {
  await trx
    .updateTable('status_page')
    .set({ version: sql<string>`version + 1`, updated_at: now })
    .where('id', '=', 1)
    .execute();
}

export async function loadPageState(db: DB | Tx) {
  const row = await db.selectFrom('status_page').select(['page_id', 'version', 'updated_at']).where('id', '=', 1).executeTakeFirstOrThrow();
  return { pageId: row.page_id, version: String(row.version), updatedAt: row.updated_at };
}

export async function listComponents(db: DB | Tx): Promise<ComponentRow[]> {
  const rows = await db
    .selectFrom('status_components')
    .select([
      'id',
      'group_id',
      'is_group',
      'name',
      'description',
      'position',
      'status',
      sql<string>`start_date::text`.as('start_date'),
      'only_show_if_degraded',
      'heartbeat_seconds',
      'last_report_at',
      'created_at',
      'updated_at',
    ])
    .orderBy('position')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: String(r.id),
    groupId: r.group_id === null ? null : String(r.group_id),
    isGroup: r.is_group,
    name: r.name,
    description: r.description,
    position: r.position,
    status: r.status,
    startDate: r.start_date,
    onlyShowIfDegraded: r.only_show_if_degraded,
    heartbeatSeconds: r.heartbeat_seconds,
    lastReportAt: r.last_report_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }));
}

export type ComponentInput = {
  name: string;
  description: string | null;
  isGroup: boolean;
  groupId: string | null;
  position: number;
  startDate: string | null;
  onlyShowIfDegraded: boolean;
  heartbeatSeconds: number | null;
};

async function checkGroup(trx: Tx, input: ComponentInput, selfId?: string) {
  if (input.isGroup && input.groupId) throw new StatusRuleError('A group cannot sit inside another group.', 'groupId');
  if (!input.groupId) return;
  const group = await trx.selectFrom('status_components').select(['id', 'is_group']).where('id', '=', input.groupId).executeTakeFirst();
  if (!group || !group.is_group) throw new StatusRuleError('Choose one of the groups.', 'groupId');
  if (selfId && String(group.id) === selfId) throw new StatusRuleError('A component cannot be its own group.', 'groupId');
}

export async function createComponent(db: DB, input: ComponentInput, actor: Actor & { timeZone: string; now?: Date }): Promise<string> {
  const now = actor.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    await checkGroup(trx, input);
    const startDate = input.startDate ?? todayIn(actor.timeZone, now);
    const { id } = await trx
      .insertInto('status_components')
      .values({
        name: input.name,
        description: input.description,
        is_group: input.isGroup,
        group_id: input.groupId,
        position: input.position,
        start_date: startDate,
        only_show_if_degraded: input.onlyShowIfDegraded,
        heartbeat_seconds: input.isGroup ? null : input.heartbeatSeconds,
        // A monitored component counts from its creation until the first report arrives.
        last_report_at: input.heartbeatSeconds ? now : null,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (!input.isGroup) {
      await trx.insertInto('status_component_changes').values({ component_id: id, status: 'operational', at: now, source: 'staff', actor_id: actor.id }).execute();
    }
    await touchStatusPage(trx, now);
    await recordAudit(trx, {
      actorId: actor.id,
      ip: actor.ip,
      action: input.isGroup ? 'status.group_created' : 'status.component_created',
      targetType: 'status_component',
      targetId: String(id),
      details: { name: input.name, groupId: input.groupId, startDate, heartbeatSeconds: input.heartbeatSeconds },
    });
    return String(id);
  }).then(async (id) => {
    if (input.heartbeatSeconds) await scheduleStatusSweep(db, now);
    return id;
  });
}

export async function updateComponent(db: DB, id: string, input: ComponentInput, actor: Actor & { now?: Date }): Promise<void> {
  const now = actor.now ?? new Date();
  await db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('status_components').select(['id', 'is_group']).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!current) throw new StatusRuleError('That component does not exist.');
    if (current.is_group !== input.isGroup) throw new StatusRuleError('A component cannot become a group, or a group a component.', 'isGroup');
    await checkGroup(trx, input, id);
    await trx
      .updateTable('status_components')
      .set({
        name: input.name,
        description: input.description,
        group_id: input.groupId,
        position: input.position,
        ...(input.startDate ? { start_date: input.startDate } : {}),
        only_show_if_degraded: input.onlyShowIfDegraded,
        heartbeat_seconds: input.isGroup ? null : input.heartbeatSeconds,
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
    await touchStatusPage(trx, now);
    await recordAudit(trx, {
      actorId: actor.id,
      ip: actor.ip,
      action: 'status.component_updated',
      targetType: 'status_component',
      targetId: id,
      details: { name: input.name, groupId: input.groupId, startDate: input.startDate, heartbeatSeconds: input.heartbeatSeconds },
    });
  });
  if (input.heartbeatSeconds) await scheduleStatusSweep(db, now);
}

export type StatusChangeInput = {
  componentId: string;
  status: ComponentStatus;
  source: StatusSource;
  actorId: string | null;
  ip?: string | null;
  tokenId?: string | null;
  incidentId?: string | null;
  at: Date;
};

/**
 * Sets a component's status inside the caller's transaction (lock the row first), records the
 * change for the bars and audits it with its source. Returns the old status, or null when the
 * status did not change (nothing is written then).
 */
export async function changeComponentStatus(trx: Tx, change: StatusChangeInput): Promise<ComponentStatus | null> {
  const row = await trx.selectFrom('status_components').select(['status', 'is_group']).where('id', '=', change.componentId).forUpdate().executeTakeFirst();
  if (!row || row.is_group) throw new StatusRuleError('That component does not exist.', 'componentId');
  if (row.status === change.status) return null;
  await trx.updateTable('status_components').set({ status: change.status, updated_at: change.at }).where('id', '=', change.componentId).execute();
  await trx
    .insertInto('status_component_changes')
    .values({
      component_id: change.componentId,
      status: change.status,
      at: change.at,
      source: change.source,
      actor_id: change.actorId,
      token_id: change.tokenId ?? null,
      incident_id: change.incidentId ?? null,
    })
    .execute();
  await recordAudit(trx, {
    actorId: change.actorId,
    ip: change.ip ?? null,
    action: 'status.component_status_changed',
    targetType: 'status_component',
    targetId: change.componentId,
    details: { from: row.status, to: change.status, source: change.source, tokenId: change.tokenId ?? undefined, incidentId: change.incidentId ?? undefined, at: change.at.toISOString() },
  });
  return row.status;
}

/** Staff set a component's status by hand (outside any incident). */
export async function setComponentStatusByStaff(db: DB, input: { componentId: string; status: ComponentStatus }, actor: Actor & { now?: Date }) {
  const now = actor.now ?? new Date();
  await db.transaction().execute(async (trx) => {
    const changed = await changeComponentStatus(trx, { ...input, source: 'staff', actorId: actor.id, ip: actor.ip, at: now });
    if (changed !== null) await touchStatusPage(trx, now);
  });
}

/** Every recorded change of the given components since `since` and the last one before it, oldest first. */
export async function loadStatusChanges(db: DB | Tx, componentIds: string[], since: Date) {
  if (componentIds.length === 0) return new Map<string, { status: ComponentStatus; at: Date }[]>();
  const [inWindow, before] = await Promise.all([
    db
      .selectFrom('status_component_changes')
      .select(['component_id', 'status', 'at'])
      .where('component_id', 'in', componentIds)
      .where('at', '>=', since)
      .orderBy('at')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('status_component_changes as c')
      .select(['c.component_id', 'c.status', 'c.at'])
      .where('c.component_id', 'in', componentIds)
      .where('c.at', '<', since)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('status_component_changes as later')
              .select('later.id')
              .whereRef('later.component_id', '=', 'c.component_id')
              .where('later.at', '<', since)
              .where((eb) => eb.or([eb('later.at', '>', eb.ref('c.at')), eb.and([eb('later.at', '=', eb.ref('c.at')), eb('later.id', '>', eb.ref('c.id'))])])),
          ),
        ),
      )
      .execute(),
  ]);
  const out = new Map<string, { status: ComponentStatus; at: Date }[]>();
  for (const r of [...before, ...inWindow]) {
    const id = String(r.component_id);
    if (!out.has(id)) out.set(id, []);
    out.get(id)!.push({ status: r.status, at: r.at });
  }
  return out;
}

/**
 * Keeps the every-minute sweep going while a component has a heartbeat: the job's key names the
 * minute, so however many instances run it, one sweep runs per minute. Old sweep rows are
 * deleted as it goes, so the chain does not fill the jobs table.
 */
export async function scheduleStatusSweep(db: DB, now: Date = new Date()) {
  const monitored = await db.selectFrom('status_components').select('id').where('heartbeat_seconds', 'is not', null).limit(1).executeTakeFirst();
  if (!monitored) return;
  const next = new Date(Math.floor(now.getTime() / 60_000) * 60_000 + 60_000);
  await enqueueJob(db, { kind: STATUS_SWEEP_JOB, runAt: next, dedupeKey: `${STATUS_SWEEP_JOB}:minute:${next.toISOString()}`, maxAttempts: 3 });
  await db
    .deleteFrom('jobs')
    .where('kind', '=', STATUS_SWEEP_JOB)
    .where('state', '=', 'done')
    .where('dedupe_key', 'like', `${STATUS_SWEEP_JOB}:minute:%`)
    .where('finished_at', '<', new Date(now.getTime() - 3600_000))
    .execute();
}
