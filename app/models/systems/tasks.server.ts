import { createHash, createHmac, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { recordAudit } from '~/models/audit.server';
import { OPEN_TASK_STATES, TASK_STATE_LABELS } from '~/models/systems/labels';
import { enqueueJob } from '~/models/jobs.server';
import type { RequestAction } from '~/models/requests/lifecycle';
import type { Tx } from '../../../db/client';
import type { RequestRow, SystemTaskState } from '../../../db/schema';

/**
 * One task per request and connected system (issue 19.2): made by the transition that verifies
 * or starts the request, in that transition's transaction, and never twice (the unique index on
 * request and system; a second run inserts nothing). A withdrawal or a refusal cancels the open
 * ones and tells each system whose protocol allows it; a completion waits for every one of them
 * unless staff override with a reason (the completion gate, 19.7).
 */
export const DELIVER_JOB = 'systems.deliver';
export const CANCEL_JOB = 'systems.cancel';
export const SWEEP_JOB = 'systems.sweep';

export { OPEN_TASK_STATES, TASK_STATE_LABELS };

/** The kinds the portal delivers by itself; `none` waits for staff to record the answer. */
const DELIVERED_KINDS = ['webhook', 'opendsr', 'manual'] as const;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * A task's callback token: 256 bits, derived from CONNECTOR_KEY, the task and its delivery id,
 * so every retry of a delivery carries the same one (a receiver deduplicating on `webhook-id`
 * keeps a valid token) and the database holds only its hash.
 */
export function taskToken(connectorKey: string, task: { id: string; delivery_id: string | null }): string {
  return createHmac('sha256', connectorKey).update(`task-token\u0000${task.id}\u0000${task.delivery_id ?? ''}`).digest('base64url');
}

/** How long a task's token is accepted: its deadline plus the grace a late answer gets. */
export const TOKEN_GRACE_DAYS = 30;

export class CompletionGateError extends Error {
  override name = 'CompletionGateError';
  constructor(readonly open: string[]) {
    super(
      `${open.length === 1 ? `${open[0]} has` : `${open.length} systems have`} not answered this request yet (${open.join(', ')}). Wait for their answers, skip them with a reason, or override with a reason.`,
    );
  }
}

/**
 * Makes the tasks a transition owes (in its transaction): at verification for the systems that
 * take requests then, at the start for all (a system added later still gets its task).
 * Returns the names of the systems newly asked.
 */
export async function fanOut(trx: Tx, request: RequestRow, trigger: 'verified' | 'started', options: { now: Date }): Promise<string[]> {
  let q = trx
    .selectFrom('connected_systems')
    .select(['id', 'name', 'kind', 'deadline_days', 'fan_out_on'])
    .where('is_portal', '=', false)
    .where('enabled', '=', true)
    .where(sql<boolean>`${request.type} = any(request_types)`);
  if (trigger === 'verified') q = q.where('fan_out_on', '=', 'verified');
  const systems = await q.orderBy(sql`lower(name)`).execute();
  const made: string[] = [];
  for (const system of systems) {
    const deliveryId = `msg_${randomBytes(16).toString('base64url')}`;
    const dueAt = new Date(options.now.getTime() + system.deadline_days * 86_400_000);
    const inserted = await trx
      .insertInto('system_tasks')
      .values({ request_id: request.id, system_id: system.id, due_at: dueAt, delivery_id: deliveryId, fan_out_on: trigger, created_at: options.now, updated_at: options.now })
      .onConflict((oc) => oc.columns(['request_id', 'system_id']).doNothing())
      .returning(['id', 'delivery_id'])
      .executeTakeFirst();
    if (!inserted) continue;
    made.push(system.name);
    if ((DELIVERED_KINDS as readonly string[]).includes(system.kind)) {
      await enqueueJob(trx, { kind: DELIVER_JOB, payload: { taskId: inserted.id }, dedupeKey: `${DELIVER_JOB}:${inserted.id}:1`, maxAttempts: 3 });
    }
    await recordAudit(trx, { actorId: null, action: 'system.dispatched', targetType: 'request', targetId: String(request.id), details: { system: system.id, task: inserted.id, kind: system.kind, on: trigger } });
  }
  if (made.length > 0) {
    await trx
      .insertInto('request_events')
      .values({ request_id: request.id, actor: 'system', kind: 'systems_dispatched', note: `Sent to ${made.length === 1 ? 'one connected system' : `${made.length} connected systems`}: ${made.join(', ')}.`, visible_to_subject: false })
      .execute();
  }
  return made;
}

/** Cancels every open task of a request (withdrawn or refused) and queues the notices the protocols allow. */
export async function cancelOpenTasks(trx: Tx, request: RequestRow, reason: string, now: Date): Promise<number> {
  const open = await trx
    .selectFrom('system_tasks as t')
    .innerJoin('connected_systems as s', 's.id', 't.system_id')
    .select(['t.id', 't.state', 't.sent_at', 's.kind', 's.name'])
    .where('t.request_id', '=', request.id)
    .where('t.state', 'in', [...OPEN_TASK_STATES])
    .forUpdate()
    .execute();
  if (open.length === 0) return 0;
  await trx
    .updateTable('system_tasks')
    .set({ state: 'cancelled', state_reason: reason, next_attempt_at: null, updated_at: now })
    .where('id', 'in', open.map((t) => t.id))
    .execute();
  for (const task of open) {
    // Only a system that was reached is told; one never reached has nothing to stop.
    if (task.sent_at && (DELIVERED_KINDS as readonly string[]).includes(task.kind)) {
      await enqueueJob(trx, { kind: CANCEL_JOB, payload: { taskId: task.id }, dedupeKey: `${CANCEL_JOB}:${task.id}`, maxAttempts: 8 });
    }
    await recordAudit(trx, { actorId: null, action: 'system.task_cancelled', targetType: 'request', targetId: String(request.id), details: { task: task.id, reason } });
  }
  await trx
    .insertInto('request_events')
    .values({ request_id: request.id, actor: 'system', kind: 'systems_cancelled', note: `${reason} The open tasks of ${open.map((t) => t.name).join(', ')} were cancelled.`, visible_to_subject: false })
    .execute();
  return open.length;
}

/** The names of the systems that still owe this request an answer. */
export async function openTaskNames(trx: Tx, requestId: string): Promise<string[]> {
  const rows = await trx
    .selectFrom('system_tasks as t')
    .innerJoin('connected_systems as s', 's.id', 't.system_id')
    .select('s.name')
    .where('t.request_id', '=', requestId)
    .where('t.state', 'in', [...OPEN_TASK_STATES])
    .orderBy(sql`lower(s.name)`)
    .execute();
  return rows.map((r) => r.name);
}

/**
 * The transition hooks (called by applyTransition inside its transaction): fan-out on verify and
 * start, cancellation on withdraw and deny, and the completion gate on complete.
 */
export async function systemsOnTransition(
  trx: Tx,
  before: RequestRow,
  after: RequestRow,
  action: RequestAction,
  options: { now: Date; override?: { reason: string; staffId: string | null } | null },
): Promise<void> {
  if (action === 'verify') await fanOut(trx, after, 'verified', options);
  else if (action === 'start') await fanOut(trx, after, 'started', options);
  else if (action === 'withdraw') await cancelOpenTasks(trx, after, 'The subject withdrew the request.', options.now);
  else if (action === 'deny') await cancelOpenTasks(trx, after, 'The request was refused.', options.now);
  else if (action === 'complete') {
    const open = await openTaskNames(trx, before.id);
    if (open.length === 0) return;
    const reason = options.override?.reason.trim();
    if (!reason) throw new CompletionGateError(open);
    await trx
      .updateTable('system_tasks')
      .set({ state: 'skipped', state_reason: `Completed without this system’s answer: ${reason}`, next_attempt_at: null, updated_at: options.now })
      .where('request_id', '=', before.id)
      .where('state', 'in', [...OPEN_TASK_STATES])
      .execute();
    await trx
      .updateTable('requests')
      .set({ systems_override_reason: reason, systems_override_at: options.now, systems_override_by: options.override?.staffId ?? null })
      .where('id', '=', before.id)
      .execute();
    await trx
      .insertInto('request_events')
      .values({ request_id: before.id, actor: 'staff', actor_id: options.override?.staffId ?? null, kind: 'systems_override', note: `Completed while ${open.join(', ')} had not answered. Reason: ${reason}`, visible_to_subject: false })
      .execute();
    await recordAudit(trx, { actorId: options.override?.staffId ?? null, action: 'request.systems_override', targetType: 'request', targetId: String(before.id), details: { open: open.length } });
  }
}

/**
 * Stuck tasks for the staff console: failing, dead-lettered, or past their deadline while the
 * request waits (issue 19.6). Each names its request, system and the last error.
 */
export async function stuckTasks(db: import('../../../db/client').DB, now: Date = new Date(), limit = 10) {
  const rows = await db
    .selectFrom('system_tasks as t')
    .innerJoin('connected_systems as s', 's.id', 't.system_id')
    .innerJoin('requests as r', 'r.id', 't.request_id')
    .select(['t.id', 't.state', 't.last_error', 't.due_at', 't.request_id', 'r.reference', 's.name as system'])
    .where((eb) => eb.or([eb('t.state', 'in', ['failed', 'dead']), eb.and([eb('t.state', 'in', [...OPEN_TASK_STATES]), eb('t.due_at', '<', now)])]))
    .orderBy('t.due_at')
    .limit(limit)
    .execute();
  const total = await db
    .selectFrom('system_tasks as t')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where((eb) => eb.or([eb('t.state', 'in', ['failed', 'dead']), eb.and([eb('t.state', 'in', [...OPEN_TASK_STATES]), eb('t.due_at', '<', now)])]))
    .executeTakeFirstOrThrow();
  return { total: Number(total.n), rows: rows.map((r) => ({ ...r, request_id: String(r.request_id), overdue: !!r.due_at && new Date(r.due_at) < now })) };
}
