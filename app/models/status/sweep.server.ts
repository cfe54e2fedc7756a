/**
 * What the clock does to the status page, run by the `status.sweep` job (queued at each
 * maintenance instant, and every minute while a component has a heartbeat) and callable with
 * any `now` in tests: maintenance reminders, starts and ends, and heartbeat lapses. Every step
 * is idempotent: a second run at the same `now` changes nothing.
 */
import { sql } from 'kysely';
import type { DB } from '../../../db/client';
import { recordAudit } from '~/models/audit.server';
import { enqueueJob } from '~/models/jobs.server';
import { changeComponentStatus, touchStatusPage } from '~/models/status/components.server';
import { heldComponents } from '~/models/status/incidents.server';
import { STATUS_NOTIFY_JOB, STATUS_SWEEP_JOB } from '~/models/status/job-names';
import { dueMaintenanceStages, heartbeatLapsedAt, MAINTENANCE_TEMPLATES } from '~/models/status/rules';

export type SweepResult = { reminders: number; started: number; ended: number; lapsed: number };

export async function sweepStatus(db: DB, now: Date = new Date()): Promise<SweepResult> {
  const result: SweepResult = { reminders: 0, started: 0, ended: 0, lapsed: 0 };
  const open = await db
    .selectFrom('status_incidents')
    .select(['id'])
    .where('kind', '=', 'maintenance')
    .where('status', '!=', 'completed')
    .where('scheduled_for', '<=', new Date(now.getTime() + 7 * 86_400_000))
    .orderBy('scheduled_for')
    .execute();
  for (const { id } of open) {
    await db.transaction().execute(async (trx) => {
      const m = await trx
        .selectFrom('status_incidents')
        .select(['id', 'status', 'auto_transition', 'scheduled_for', 'scheduled_until', 'remind_minutes', 'reminded_at', 'name'])
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst();
      if (!m || !m.scheduled_for || !m.scheduled_until) return;
      const stages = dueMaintenanceStages(
        {
          status: m.status,
          autoTransition: m.auto_transition,
          scheduledFor: m.scheduled_for,
          scheduledUntil: m.scheduled_until,
          remindMinutes: m.remind_minutes,
          reminded: m.reminded_at !== null,
        },
        now,
      );
      if (stages.length === 0) return;
      const componentIds = (await trx.selectFrom('status_incident_components').select('component_id').where('incident_id', '=', id).execute()).map((r) => String(r.component_id));
      const held = await heldComponents(trx);
      const maintenanceId = String(id);
      // Notices follow what staff chose when scheduling (the first update's "notify").
      const first = await trx.selectFrom('status_incident_updates').select('notify').where('incident_id', '=', id).orderBy('id').limit(1).executeTakeFirst();
      const notify = first?.notify ?? true;
      for (const stage of stages) {
        if (stage === 'reminder') {
          await trx.updateTable('status_incidents').set({ reminded_at: now }).where('id', '=', id).execute();
          if (notify) await enqueueJob(trx as unknown as DB, { kind: STATUS_NOTIFY_JOB, payload: { event: 'reminder', incidentId: maintenanceId }, dedupeKey: `${STATUS_NOTIFY_JOB}:reminder:${maintenanceId}:${m.scheduled_for.toISOString()}` });
          result.reminders++;
          continue;
        }
        const at = stage === 'start' ? m.scheduled_for : m.scheduled_until;
        const status = stage === 'start' ? 'in_progress' : 'completed';
        const affected = [];
        const names = new Map((await trx.selectFrom('status_components').select(['id', 'name']).where('id', 'in', componentIds.length ? componentIds : ['0']).execute()).map((c) => [String(c.id), c.name]));
        for (const componentId of componentIds) {
          const target = stage === 'start' ? 'under_maintenance' : 'operational';
          const current = await trx.selectFrom('status_components').select('status').where('id', '=', componentId).executeTakeFirstOrThrow();
          // At the end, only what maintenance set goes back to operational; a component an incident degraded meanwhile keeps its status.
          if (stage === 'end' && current.status !== 'under_maintenance') continue;
          // An open incident's status is the truer one: maintenance starting does not hide it.
          if (stage === 'start' && held.get(componentId) === 'incident') continue;
          const old = await changeComponentStatus(trx, { componentId, status: target, source: 'maintenance', actorId: null, incidentId: maintenanceId, at });
          if (old !== null) affected.push({ code: componentId, name: names.get(componentId) ?? componentId, old_status: old, new_status: target });
        }
        const { id: updateId } = await trx
          .insertInto('status_incident_updates')
          .values({ incident_id: maintenanceId, status, body: MAINTENANCE_TEMPLATES[status], created_at: at, notify, affected: JSON.stringify(affected), actor_id: null, source: 'maintenance' })
          .returning('id')
          .executeTakeFirstOrThrow();
        if (notify) await enqueueJob(trx as unknown as DB, { kind: STATUS_NOTIFY_JOB, payload: { event: 'update', updateId: String(updateId) }, dedupeKey: `${STATUS_NOTIFY_JOB}:update:${updateId}` });
        await trx
          .updateTable('status_incidents')
          .set({ status, updated_at: at, ...(stage === 'end' ? { resolved_at: at } : {}) })
          .where('id', '=', id)
          .execute();
        await recordAudit(trx, { actorId: null, action: stage === 'start' ? 'status.maintenance_started' : 'status.maintenance_completed', targetType: 'status_incident', targetId: maintenanceId, details: { at: at.toISOString(), components: componentIds } });
        if (stage === 'start') result.started++;
        else result.ended++;
      }
      await touchStatusPage(trx, now);
    });
  }
  result.lapsed = await recordHeartbeatLapses(db, now);
  return result;
}

/**
 * Components whose monitor stopped reporting turn `no_data`, recorded at the instant the
 * heartbeat lapsed (not when the sweep noticed). A component an open incident or maintenance
 * holds is left to staff.
 */
export async function recordHeartbeatLapses(db: DB, now: Date): Promise<number> {
  const candidates = await db
    .selectFrom('status_components')
    .select(['id', 'heartbeat_seconds', 'last_report_at', 'created_at'])
    .where('heartbeat_seconds', 'is not', null)
    .where('is_group', '=', false)
    .where('status', 'not in', ['no_data', 'under_maintenance'])
    .where(sql<boolean>`coalesce(last_report_at, created_at) + make_interval(secs => heartbeat_seconds) <= ${now}`)
    .execute();
  if (candidates.length === 0) return 0;
  const held = await heldComponents(db);
  let count = 0;
  for (const c of candidates) {
    if (held.has(String(c.id))) continue;
    const at = heartbeatLapsedAt({ heartbeatSeconds: c.heartbeat_seconds, lastReportAt: c.last_report_at, createdAt: c.created_at })!;
    await db.transaction().execute(async (trx) => {
      // Re-read under the lock: a report that arrived meanwhile wins.
      const fresh = await trx.selectFrom('status_components').select(['last_report_at', 'status']).where('id', '=', c.id).forUpdate().executeTakeFirstOrThrow();
      if (fresh.status === 'no_data' || (fresh.last_report_at && fresh.last_report_at.getTime() !== c.last_report_at?.getTime())) return;
      const old = await changeComponentStatus(trx, { componentId: String(c.id), status: 'no_data', source: 'heartbeat', actorId: null, at });
      if (old !== null) {
        count++;
        await touchStatusPage(trx, now);
      }
    });
  }
  return count;
}

export { scheduleStatusSweep } from '~/models/status/components.server';
