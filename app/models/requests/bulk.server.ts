import { z } from 'zod';
import type { DB } from '../../../db/client';
import type { RequestRow } from '../../../db/schema';
import { recordAudit, type Actor } from '~/models/audit.server';
import { enqueueJob } from '~/models/jobs.server';
import { BULK_ACTION_LIMIT, daysMs, RETENTION_DAYS } from '~/models/policy';
import { canTransition, type RequestState } from '~/models/requests/lifecycle';
import type { RequestPolicy } from '~/models/requests/policy';
import { denialNotice } from '~/models/requests/staff.server';
import { appendEvent, applyTransition, RequestConflictError, withLockedRequest } from '~/models/requests/transitions.server';
import type { Organisation } from '~/utils/env.server';
import { normalizeEmail } from '~/utils/email';
import { subjectAddressOf } from '~/models/requests/authority';

/**
 * Bulk actions on the staff queue: close requests whose address was never confirmed, or close
 * duplicates of a request staff name. Each selected request is handled in its own transaction
 * (lock, timeline event, email where due, audit event), so one that cannot take the action is
 * reported back by reference and the rest proceed.
 */

export const BULK_ACTIONS = ['close_unverified', 'close_duplicates'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/** One checkbox per row, `select-<id>` (the queue page): the form reader keeps one value per name. */
export const SELECT_FIELD = /^select-(\d{1,18})$/;
const REFERENCE = /^DSR-\d{4}-\d{6,}$/;

export const bulkFormSchema = z
  .looseObject({
    bulkAction: z.enum(BULK_ACTIONS, { error: 'Choose what to do with the selected requests' }),
    original: z.string().trim().max(40, 'A reference looks like DSR-2026-000123').optional(),
  })
  .transform((form, ctx) => {
    const ids = Object.keys(form).flatMap((key) => SELECT_FIELD.exec(key)?.[1] ?? []);
    const original = (form.original ?? '').toUpperCase();
    if (ids.length === 0) ctx.addIssue({ code: 'custom', path: ['selected'], message: 'Select at least one request' });
    if (ids.length > BULK_ACTION_LIMIT) {
      ctx.addIssue({ code: 'custom', path: ['selected'], message: `Select at most ${BULK_ACTION_LIMIT} requests at a time` });
    }
    if (form.bulkAction === 'close_duplicates' && !REFERENCE.test(original)) {
      ctx.addIssue({ code: 'custom', path: ['original'], message: 'Name the original request by its reference, such as DSR-2026-000123' });
    }
    return { action: form.bulkAction, ids, original };
  });
export type BulkForm = z.output<typeof bulkFormSchema>;

export type BulkResult = {
  action: BulkAction;
  /** References of the requests closed. */
  closed: string[];
  /** Requests left as they were, and why. */
  refused: { reference: string; reason: string }[];
  /** The original, for duplicates. */
  original?: string;
};

/** The whole submission is refused (no such original): nothing was done. */
export class BulkActionError extends Error {
  override name = 'BulkActionError';
  constructor(
    message: string,
    readonly field?: 'original' | 'selected',
  ) {
    super(message);
  }
}

/** How a request's state reads in "DSR-… could not be closed: it is …". */
const STATE_WORDS: Record<RequestState, string> = {
  unverified: 'not confirmed yet',
  open: 'received and confirmed',
  in_progress: 'in progress',
  awaiting_subject: 'waiting for the subject',
  completed: 'completed',
  denied: 'already refused',
  withdrawn: 'withdrawn',
  expired: 'already closed (never confirmed)',
};

type Outcome = { closed: true; reference: string } | { closed: false; reference: string; reason: string };

export async function runBulkAction(
  db: DB,
  input: BulkForm,
  actor: Actor & { id: string },
  options: { rules: RequestPolicy; organisation: Organisation; now?: Date },
): Promise<BulkResult> {
  const ids = [...new Set(input.ids)];
  if (ids.length === 0 || ids.length > BULK_ACTION_LIMIT) {
    throw new BulkActionError(`Select between 1 and ${BULK_ACTION_LIMIT} requests`, 'selected');
  }
  const result: BulkResult = { action: input.action, closed: [], refused: [] };
  let original: RequestRow | undefined;
  if (input.action === 'close_duplicates') {
    original = await db.selectFrom('requests').selectAll().where('reference', '=', input.original).executeTakeFirst();
    if (!original) throw new BulkActionError(`No request has the reference ${input.original}`, 'original');
    if (original.state === 'unverified' || original.state === 'expired') {
      throw new BulkActionError(`${original.reference} cannot be the original: its email address was never confirmed`, 'original');
    }
    result.original = original.reference;
  }
  // One after another, in id order: a transaction each, and a predictable order of row locks.
  for (const id of ids.sort((a, b) => Number(a) - Number(b))) {
    let outcome: Outcome;
    try {
      outcome =
        input.action === 'close_unverified'
          ? await closeUnverified(db, id, actor, options)
          : await closeDuplicate(db, id, original!, actor, options);
    } catch (error) {
      // Another action got to it between the lock and the update: left as it is, and said so.
      if (!(error instanceof RequestConflictError)) throw error;
      outcome = { closed: false, reference: `#${id}`, reason: 'it changed meanwhile; reload and try again' };
    }
    if (outcome.closed) result.closed.push(outcome.reference);
    else result.refused.push({ reference: outcome.reference, reason: outcome.reason });
  }
  return result;
}

/** Closes one never-confirmed request. No email: the address was never proven to be the requester's. */
async function closeUnverified(
  db: DB,
  id: string,
  actor: Actor & { id: string },
  options: { rules: RequestPolicy; now?: Date },
): Promise<Outcome> {
  const now = options.now ?? new Date();
  return withLockedRequest(db, id, async (trx, request): Promise<Outcome> => {
    if (!request) return { closed: false, reference: `#${id}`, reason: 'there is no such request' };
    if (!canTransition(request.state, 'close_unverified', 'staff')) {
      return { closed: false, reference: request.reference, reason: `it is ${STATE_WORDS[request.state]}` };
    }
    await applyTransition(trx, request, 'close_unverified', { kind: 'staff', id: actor.id, ip: actor.ip }, { rules: options.rules, now });
    // The same deletion of personal data an expired request gets (same job key: it runs once).
    await enqueueJob(trx, {
      kind: 'request.purge-personal-data',
      payload: { requestId: String(request.id) },
      runAt: new Date(request.created_at.getTime() + daysMs(RETENTION_DAYS.unverifiedRequestPersonalData)),
      dedupeKey: `request.purge-personal-data:${request.id}`,
    });
    await recordAudit(trx, {
      actorId: actor.id,
      ip: actor.ip,
      action: 'request.bulk_close_unverified',
      targetType: 'request',
      targetId: String(request.id),
    });
    return { closed: true, reference: request.reference };
  });
}

const TYPE_WORDS: Record<RequestRow['type'], string> = {
  access: 'an access',
  rectification: 'a rectification',
  erasure: 'an erasure',
  restriction: 'a restriction',
  portability: 'a portability',
  objection: 'an objection',
};

/** The person a request is about: the subject's address for an agent's request, else the requester's. */
const subjectKeyOf = (r: RequestRow) => normalizeEmail(subjectAddressOf(r));

/** Whether two requests' time in play overlaps: filed before the other closed, both ways. */
function activeTogether(a: RequestRow, b: RequestRow): boolean {
  const start = (r: RequestRow) => new Date(r.created_at).getTime();
  const end = (r: RequestRow) => (r.closed_at ? new Date(r.closed_at).getTime() : Number.POSITIVE_INFINITY);
  return start(a) <= end(b) && start(b) <= end(a);
}

/** Whether the periods of data two requests ask about overlap; true when either names none. */
function periodsOverlap(a: RequestRow, b: RequestRow): boolean {
  const from = (r: RequestRow) => r.period_from ?? '0000-01-01';
  const to = (r: RequestRow) => r.period_to ?? '9999-12-31';
  if (!(a.period_from || a.period_to) || !(b.period_from || b.period_to)) return true;
  return from(a) <= to(b) && from(b) <= to(a);
}

/**
 * Why `request` is not a duplicate of `original`, or null when it is: a duplicate asks the same
 * thing (same type) from the same address about the same person, while the original was in play,
 * for an overlapping period (issues 18.5 and 24.9). The address check also keeps one person's
 * email from naming another person's request.
 */
export function duplicateMismatch(request: RequestRow, original: RequestRow): string | null {
  if (!request.email_key || request.email_key !== original.email_key) return `it was filed from another email address than ${original.reference}`;
  if (request.type !== original.type) return `it is ${TYPE_WORDS[request.type]} request and ${original.reference} is ${TYPE_WORDS[original.type]} request`;
  if (subjectKeyOf(request) !== subjectKeyOf(original)) return `it is about another person than ${original.reference}`;
  if (!activeTogether(request, original)) return `it was filed after ${original.reference} had closed: it is a new request`;
  if (!periodsOverlap(request, original)) return `it asks about another period than ${original.reference}`;
  return null;
}

/**
 * Closes one duplicate as refused, with the reason "duplicate of DSR-…" and the Art. 12(4)
 * notice every refusal carries; the subject proved the address, so they are emailed. Both
 * timelines get an entry naming the other request.
 */
async function closeDuplicate(
  db: DB,
  id: string,
  original: RequestRow,
  actor: Actor & { id: string },
  options: { rules: RequestPolicy; organisation: Organisation; now?: Date },
): Promise<Outcome> {
  const now = options.now ?? new Date();
  return withLockedRequest(db, id, async (trx, request): Promise<Outcome> => {
    if (!request) return { closed: false, reference: `#${id}`, reason: 'there is no such request' };
    if (request.id === original.id) return { closed: false, reference: request.reference, reason: 'it is the original' };
    if (!canTransition(request.state, 'deny', 'staff')) {
      return { closed: false, reference: request.reference, reason: `it is ${STATE_WORDS[request.state]}` };
    }
    const notDuplicate = duplicateMismatch(request, original);
    if (notDuplicate) return { closed: false, reference: request.reference, reason: notDuplicate };
    const staffRef = { kind: 'staff' as const, id: actor.id, ip: actor.ip };
    await trx.updateTable('requests').set({ refusal_ground: 'duplicate' }).where('id', '=', request.id).execute();
    const reason = `Duplicate of ${original.reference}. You already made this request, and we are answering it under ${original.reference}; this copy is closed so that you get one answer.`;
    await applyTransition(trx, request, 'deny', staffRef, { rules: options.rules, now, note: denialNotice(reason, options.organisation) });
    await appendEvent(trx, {
      requestId: original.id,
      actor: staffRef,
      kind: 'duplicate_closed',
      note: `${request.reference}, filed with the same email address, was closed as a duplicate of this request.`,
      visibleToSubject: true,
    });
    await recordAudit(trx, {
      actorId: actor.id,
      ip: actor.ip,
      action: 'request.bulk_close_duplicate',
      targetType: 'request',
      targetId: String(request.id),
      details: { original: original.reference, originalId: String(original.id) },
    });
    return { closed: true, reference: request.reference };
  });
}
