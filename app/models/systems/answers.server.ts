import { sql } from 'kysely';
import { recordAudit, type Actor } from '~/models/audit.server';
import { isClosed } from '~/models/requests/lifecycle';
import { appendEvent, withLockedRequest } from '~/models/requests/transitions.server';
import type { DB } from '../../../db/client';
import type { SystemTaskOutcome } from '../../../db/schema';

/**
 * A system's answer to a request, recorded by staff by hand (a system of kind `none`, or any
 * system whose answer came some other way). The answer is one task per request and system: it
 * says whether the system holds data about the person, and the access summary lists only the
 * systems that answered that they do (app/models/datamap/package.server.ts).
 */
export const OUTCOME_LABELS: Record<SystemTaskOutcome, string> = {
  data: 'Holds data about the person',
  no_data: 'Holds no data about the person',
  erased: 'Erased the person’s data',
  refused: 'Refused (with a reason)',
};

export class SystemAnswerError extends Error {
  override name = 'SystemAnswerError';
}

/** Every system except the portal itself, with this request's task if it has one. */
export async function systemsForRequest(db: DB, requestId: string, requestType: string) {
  const rows = await db
    .selectFrom('connected_systems as s')
    .leftJoin('system_tasks as t', (join) => join.onRef('t.system_id', '=', 's.id').on('t.request_id', '=', requestId))
    .select(['s.id', 's.name', 's.request_types', 's.enabled', 't.state', 't.outcome', 't.outcome_note', 't.answered_at', 't.answered_how', 't.answered_by'])
    .where('s.is_portal', '=', false)
    .orderBy(sql`lower(s.name)`)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    takes: r.request_types.includes(requestType),
    state: r.state,
    outcome: r.outcome,
    note: r.outcome_note,
    answeredAt: r.answered_at,
    answeredHow: r.answered_how,
    answeredBy: r.answered_by,
  }));
}

export async function recordSystemAnswer(
  db: DB,
  input: { requestId: string; systemId: string; outcome: SystemTaskOutcome; note: string },
  actor: Actor & { email: string },
): Promise<void> {
  await withLockedRequest(db, input.requestId, async (trx, request) => {
    if (!request) throw new SystemAnswerError('This request does not exist.');
    if (isClosed(request.state)) throw new SystemAnswerError('The request is closed: its systems’ answers can no longer change.');
    const system = await trx.selectFrom('connected_systems').select(['id', 'name', 'is_portal', 'deadline_days']).where('id', '=', input.systemId).executeTakeFirst();
    if (!system || system.is_portal) throw new SystemAnswerError('Choose one of the systems listed.');
    if (input.outcome === 'refused' && !input.note.trim()) throw new SystemAnswerError('Say why the system refused.');
    const existing = await trx.selectFrom('system_tasks').select(['id', 'state']).where('request_id', '=', request.id).where('system_id', '=', system.id).forUpdate().executeTakeFirst();
    if (existing?.state === 'answered') throw new SystemAnswerError(`${system.name} has already answered this request.`);
    const now = new Date();
    // The system's own deadline runs from when the request reached the organisation (reports count answers after it as late).
    const reached = request.received_at ?? request.created_at;
    const values = {
      state: 'answered' as const,
      outcome: input.outcome,
      outcome_note: input.note.trim() || null,
      answered_at: now,
      answered_how: 'by_hand' as const,
      answered_by: actor.email,
      updated_at: now,
    };
    if (existing) await trx.updateTable('system_tasks').set(values).where('id', '=', existing.id).execute();
    else {
      const dueAt = new Date(new Date(reached).getTime() + system.deadline_days * 86_400_000);
      await trx.insertInto('system_tasks').values({ request_id: request.id, system_id: system.id, due_at: dueAt, ...values }).execute();
    }
    await appendEvent(trx, {
      requestId: request.id,
      actor: { kind: 'staff', id: actor.id, ip: actor.ip ?? null },
      kind: 'system_answer',
      note: `${system.name}: ${OUTCOME_LABELS[input.outcome]}${input.note.trim() ? `. ${input.note.trim()}` : ''}`,
      visibleToSubject: false,
    });
    await recordAudit(trx, {
      actorId: actor.id,
      ip: actor.ip,
      action: 'system.answer_recorded',
      targetType: 'request',
      targetId: String(request.id),
      details: { system: system.id, outcome: input.outcome, how: 'by_hand' },
    });
  });
}
