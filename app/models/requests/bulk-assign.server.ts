import { z } from 'zod';
import type { DB } from '../../../db/client';
import { recordAudit, type Actor } from '~/models/audit.server';
import { BULK_ACTION_LIMIT } from '~/models/policy';
import { SELECT_FIELD } from '~/models/requests/bulk.server';
import { mailAssignment, type StaffMailSettings } from '~/models/requests/staff-mail.server';
import { appendEvent } from '~/models/requests/transitions.server';

/**
 * Bulk reassignment from the queue: the selected requests go to one staff member, or to nobody,
 * all in one transaction (every row locked in id order, a timeline event and an audit event
 * each), and the new assignee gets one email listing them. Unlike closing, assigning cannot be
 * refused by a request's state, so it is all or nothing.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const bulkAssignSchema = z
  .looseObject({
    intent: z.literal('assign'),
    assignTo: z
      .string({ error: 'Choose who gets the selected requests' })
      .refine((v) => v === 'nobody' || UUID.test(v), 'Choose who gets the selected requests'),
  })
  .transform((form, ctx) => {
    const ids = Object.keys(form).flatMap((key) => SELECT_FIELD.exec(key)?.[1] ?? []);
    if (ids.length === 0) ctx.addIssue({ code: 'custom', path: ['selected'], message: 'Select at least one request' });
    if (ids.length > BULK_ACTION_LIMIT) {
      ctx.addIssue({ code: 'custom', path: ['selected'], message: `Select at most ${BULK_ACTION_LIMIT} requests at a time` });
    }
    return { ids, assignee: form.assignTo === 'nobody' ? null : form.assignTo };
  });
export type BulkAssignForm = z.output<typeof bulkAssignSchema>;

/** Nothing was assigned (no such staff member, a request gone): the form says why. */
export class BulkAssignError extends Error {
  override name = 'BulkAssignError';
  constructor(
    message: string,
    readonly field: 'assignTo' | 'selected',
  ) {
    super(message);
  }
}

export type BulkAssignResult = {
  /** The assignee's email, or null for "nobody". */
  assignee: string | null;
  /** References whose assignee changed. */
  assigned: string[];
  /** References that already had that assignee (left as they were, no event). */
  unchanged: string[];
  /** Whether the assignee was emailed the list. */
  mailed: boolean;
};

export async function assignRequests(
  db: DB,
  input: BulkAssignForm,
  actor: Actor & { id: string },
  settings: StaffMailSettings,
): Promise<BulkAssignResult> {
  const ids = [...new Set(input.ids)].sort((a, b) => Number(a) - Number(b));
  if (ids.length === 0 || ids.length > BULK_ACTION_LIMIT) {
    throw new BulkAssignError(`Select between 1 and ${BULK_ACTION_LIMIT} requests`, 'selected');
  }
  return db.transaction().execute(async (trx) => {
    let assigneeEmail: string | null = null;
    if (input.assignee) {
      const staff = await trx
        .selectFrom('users')
        .select('email')
        .where('id', '=', input.assignee)
        .where('role', 'in', ['staff', 'admin'])
        .executeTakeFirst();
      if (!staff) throw new BulkAssignError('Assign the requests to a member of staff', 'assignTo');
      assigneeEmail = staff.email;
    }
    // Locked in id order, like every other multi-row lock here, so two bulk actions never deadlock.
    const rows = await trx
      .selectFrom('requests')
      .select(['id', 'reference', 'type', 'due_date', 'assigned_to'])
      .where('id', 'in', ids)
      .orderBy('id')
      .forUpdate()
      .execute();
    if (rows.length !== ids.length) throw new BulkAssignError('Some of the selected requests no longer exist; reload the queue', 'selected');
    const changed = rows.filter((r) => r.assigned_to !== input.assignee);
    if (changed.length) {
      await trx
        .updateTable('requests')
        .set({ assigned_to: input.assignee })
        .where('id', 'in', changed.map((r) => r.id))
        .execute();
    }
    const staffRef = { kind: 'staff' as const, id: actor.id, ip: actor.ip ?? null };
    for (const r of changed) {
      await appendEvent(trx, {
        requestId: r.id,
        actor: staffRef,
        kind: 'assigned',
        note: assigneeEmail ? `Assigned to ${assigneeEmail} (bulk, from the queue).` : 'Unassigned (bulk, from the queue).',
        visibleToSubject: false,
      });
    }
    const mailed = await mailAssignment(trx, { assigneeId: input.assignee, actorId: actor.id, requests: changed }, settings);
    // Last: the audit chain's head stays locked to the end of the transaction.
    for (const r of changed) {
      await recordAudit(trx, {
        actorId: actor.id,
        ip: actor.ip ?? null,
        action: 'request.assign',
        targetType: 'request',
        targetId: String(r.id),
        details: { assignee: input.assignee, bulk: true },
      });
    }
    return {
      assignee: assigneeEmail,
      assigned: changed.map((r) => r.reference),
      unchanged: rows.filter((r) => r.assigned_to === input.assignee).map((r) => r.reference),
      mailed,
    };
  });
}

/** Who a request can be assigned to: every staff and admin account, by email. */
export async function assignableStaff(db: DB): Promise<{ id: string; email: string }[]> {
  return db.selectFrom('users').select(['id', 'email']).where('role', 'in', ['staff', 'admin']).orderBy('email').execute();
}
