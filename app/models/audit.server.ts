import type { Transaction } from 'kysely';
import type { DB } from '../../db/client';
import type { Database } from '../../db/schema';

/** Who acts, for the audit trail: a user id (null for the system or a script) and the client address. */
export type Actor = { id: string | null; ip?: string | null };

export type AuditEventInput = {
  actorId: string | null;
  action: string;
  targetType?: string;
  targetId?: string;
  details?: Record<string, unknown>;
  ip?: string | null;
};

/** Appends one event to the audit trail. Never updates or deletes: the trail is append-only. */
export async function recordAudit(db: DB | Transaction<Database>, event: AuditEventInput): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      actor_id: event.actorId,
      action: event.action,
      target_type: event.targetType ?? null,
      target_id: event.targetId ?? null,
      details: JSON.stringify(event.details ?? {}),
      ip: event.ip ?? null,
    })
    .execute();
}

export async function listAuditEvents(db: DB, filter: { actorId?: string; action?: string; limit?: number } = {}) {
  let query = db.selectFrom('audit_events').selectAll().orderBy('id', 'desc').limit(filter.limit ?? 100);
  if (filter.actorId) query = query.where('actor_id', '=', filter.actorId);
  if (filter.action) query = query.where('action', '=', filter.action);
  return query.execute();
}
