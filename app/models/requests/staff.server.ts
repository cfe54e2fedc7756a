import { sql } from 'kysely';
import { hasControlCharacters, searchTerm, STAFF_CONTROL_ERROR } from '~/utils/text';
import { parseQueueSearch } from '~/models/requests/search';
import { z } from 'zod';
import type { DB } from '../../../db/client';
import type { RequestRow, SystemTaskState } from '../../../db/schema';
import { recordAudit, type Actor } from '~/models/audit.server';
import { closingOf, daysLeft, DeadlineError, pausedDaysBetween, type Closing } from '~/models/requests/deadlines';
import {
  availableActions,
  isClockPaused,
  isClosed,
  REQUEST_STATES,
  type RequestAction,
  type RequestState,
} from '~/models/requests/lifecycle';
import { REQUEST_TYPES } from '~/models/requests/request-types';
import type { RequestPolicy } from '~/models/requests/policy';
import {
  appendEvent,
  applyExtension,
  applyTransition,
  RequestConflictError,
  withLockedRequest,
} from '~/models/requests/transitions.server';
import { addDays, todayIn } from '~/utils/calendar';
import type { Organisation } from '~/utils/env.server';
import { OUTCOMES, PACKAGE_OUTCOMES } from '~/models/requests/outcomes';
import { REFUSAL_GROUNDS } from '~/models/requests/refusal-grounds';
import { createPackage, packageReadyNote, takesPackage } from '~/models/requests/packages.server';
import { mailAssignment } from '~/models/requests/staff-mail.server';
import { asksForIdCopy } from '~/models/requests/verification-levels';

export { OUTCOMES };

/**
 * The privacy team's side of a request: the deadline-ordered queue, the request as staff see
 * it, and every action on it. Each action runs in one transaction with its timeline event, the
 * subject's email and its audit event, and is refused when the form was made from an older
 * version of the request.
 */

export const QUEUE_PAGE_SIZE = 50;
/** The work still to do: verified and not closed. Unverified and expired requests are never in it by default. */
export const ACTIVE_QUEUE_STATES: readonly RequestState[] = ['open', 'in_progress', 'awaiting_subject'];

const typeValues = REQUEST_TYPES.map((t) => t.value) as [string, ...string[]];

export const queueFilterSchema = z.object({
  state: z.enum(['active', 'all', ...REQUEST_STATES]).catch('active').default('active'),
  type: z.enum(typeValues).optional().catch(undefined),
  assignee: z.union([z.enum(['me', 'unassigned']), z.uuid()]).optional().catch(undefined),
  due: z.enum(['overdue', 'week']).optional().catch(undefined),
  within: z.coerce.number().int().min(0).max(366).optional().catch(undefined),
  /** Connected systems (issue 19.6): waiting on a system, a system failing, a dead letter. */
  systems: z.enum(['waiting', 'failed', 'dead']).optional().catch(undefined),
  q: z.string().max(200).transform(searchTerm).optional().catch(undefined),
  after: z
    .string()
    .regex(/^(\d{4}-\d{2}-\d{2})_(\d+)$/)
    .optional()
    .catch(undefined),
});
export type QueueFilter = z.infer<typeof queueFilterSchema>;

const NO_DUE = '9999-12-31';

/** The searched text, exactly as migration 0110 indexes it (a different expression would not use the index). */
export const REQUEST_SEARCH_TEXT = sql<string>`request_search_text(r.reference, r.name, r.email, r.account_identifier, r.aliases, r.subject_name, r.subject_email, r.details)`;

export type QueueRow = {
  id: string;
  reference: string;
  type: string;
  state: RequestState;
  email: string;
  name: string;
  dueDate: string | null;
  daysLeft: number | null;
  /** For a closed request: when it closed, the days it took and whether it was answered on time. */
  closing: Closing | null;
  assignee: string | null;
  receivedAt: Date | null;
  /** No email, a postal address: the subject is written to on paper (issue 21). */
  byPost: boolean;
};

/**
 * One page of the queue, oldest due date first, keyset-paged on (due date, id) so a deep page
 * costs what the first does. `staffId` resolves `assignee=me`.
 */
export async function listQueue(
  db: DB,
  filter: QueueFilter,
  options: { staffId: string; timeZone: string; holidays?: readonly string[]; now?: Date; pageSize?: number },
) {
  const now = options.now ?? new Date();
  const pageSize = options.pageSize ?? QUEUE_PAGE_SIZE;
  const today = todayIn(options.timeZone, now);
  // Verified requests always have a due date, so the queue walks the (due_date, id) index in
  // order; the never-verified ones (no due date) are listed by id instead.
  const byId = filter.state === 'unverified' || filter.state === 'expired';
  let query = db
    .selectFrom('requests as r')
    .leftJoin('users as u', 'u.id', 'r.assigned_to')
    .select(['r.id', 'r.reference', 'r.type', 'r.state', 'r.email', 'r.name', 'r.due_date', 'r.paused_at', 'u.email as assignee'])
    .select(['r.received_at', 'r.closed_at', 'r.extension_months', 'r.paused_days'])
    // A subject reached by post only (issue 21): letters, not emails.
    .select(sql<boolean>`(r.email = '' and r.postal_address is not null)`.as('by_post'));
  if (filter.state === 'active') query = query.where('r.state', 'in', ACTIVE_QUEUE_STATES);
  else if (filter.state === 'all') query = query.where('r.state', 'not in', ['unverified', 'expired']);
  else query = query.where('r.state', '=', filter.state);
  if (!byId) query = query.where('r.due_date', 'is not', null);
  if (filter.type) query = query.where('r.type', '=', filter.type as RequestRow['type']);
  if (filter.assignee === 'me') query = query.where('r.assigned_to', '=', options.staffId);
  else if (filter.assignee === 'unassigned') query = query.where('r.assigned_to', 'is', null);
  else if (filter.assignee) query = query.where('r.assigned_to', '=', filter.assignee);
  if (filter.due === 'overdue') query = query.where('r.due_date', '<', today);
  if (filter.due === 'week') query = query.where('r.due_date', '>=', today).where('r.due_date', '<=', addDays(today, 7));
  if (filter.within !== undefined) query = query.where('r.due_date', '<=', addDays(today, filter.within));
  if (filter.systems) {
    const states = { waiting: ['pending', 'sent', 'waiting', 'failed', 'dead'], failed: ['failed'], dead: ['dead'] }[filter.systems] as SystemTaskState[];
    query = query.where((eb) => eb.exists(eb.selectFrom('system_tasks as st').select('st.id').whereRef('st.request_id', '=', 'r.id').where('st.state', 'in', states)));
  }
  const search = filter.q ? parseQueueSearch(filter.q) : undefined;
  if (search?.kind === 'too_short') return { rows: [], next: null, searchTooShort: true };
  if (search?.kind === 'reference') query = query.where('r.reference', '=', search.reference);
  if (search?.kind === 'text') {
    // Erased and anonymised requests keep only their reference: they are not found by what they held.
    query = query.where('r.personal_data_deleted_at', 'is', null);
    for (const pattern of search.patterns) query = query.where(sql<boolean>`${REQUEST_SEARCH_TEXT} ilike ${pattern}`);
  }
  if (filter.after) {
    const [, due, id] = /^(\d{4}-\d{2}-\d{2})_(\d+)$/.exec(filter.after)!;
    query = byId
      ? query.where('r.id', '>', id!)
      : query.where(sql<boolean>`(r.due_date, r.id) > (${due}, ${id}::bigint)`);
  }
  const rows = await (byId ? query.orderBy('r.id') : query.orderBy('r.due_date').orderBy('r.id'))
    .limit(pageSize + 1)
    .execute();
  const page = rows.slice(0, pageSize);
  const last = page[page.length - 1];
  return {
    rows: page.map(
      (r): QueueRow => ({
        id: String(r.id),
        reference: r.reference,
        type: r.type,
        state: r.state,
        email: r.email,
        name: r.name,
        dueDate: r.due_date,
        daysLeft: r.due_date && !isClockPaused(r.state) && !isClosed(r.state) ? daysLeft(r.due_date, now, options.timeZone) : null,
        closing: closingFor(r, { timeZone: options.timeZone, holidays: options.holidays ?? [] }),
        assignee: r.assignee,
        receivedAt: r.received_at,
        byPost: Boolean(r.by_post),
      }),
    ),
    next: rows.length > pageSize && last ? `${last.due_date ?? NO_DUE}_${last.id}` : null,
    searchTooShort: false,
  };
}

/** How a closed request ended against its deadline; null while it is open. */
export function closingFor(
  r: Pick<RequestRow, 'state' | 'received_at' | 'closed_at' | 'extension_months' | 'paused_days'>,
  rules: { timeZone: string; holidays: readonly string[] },
): Closing | null {
  if (!isClosed(r.state) || !r.closed_at) return null;
  return closingOf(
    {
      receivedAt: r.received_at,
      closedAt: r.closed_at,
      extensionMonths: r.extension_months,
      pausedDays: r.paused_days,
      answered: r.state === 'completed' || r.state === 'denied',
    },
    rules,
  );
}

/** Requests per state still in play, for the queue's header (closed ones grow without bound and are not counted). */
export async function countByState(db: DB): Promise<Partial<Record<RequestState, number>>> {
  const rows = await db
    .selectFrom('requests')
    .where('state', 'in', ['unverified', ...ACTIVE_QUEUE_STATES])
    .select(['state', sql<string>`count(*)`.as('n')])
    .groupBy('state')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}

/** The console home's three numbers. */
export async function queueSummary(db: DB, options: { timeZone: string; now?: Date }) {
  const today = todayIn(options.timeZone, options.now);
  const row = await db
    .selectFrom('requests')
    .where('state', 'in', ACTIVE_QUEUE_STATES)
    .select([
      sql<string>`count(*) filter (where due_date < ${today} and state <> 'awaiting_subject')`.as('overdue'),
      sql<string>`count(*) filter (where due_date >= ${today} and due_date <= ${addDays(today, 7)} and state <> 'awaiting_subject')`.as('week'),
      sql<string>`count(*) filter (where assigned_to is null)`.as('unassigned'),
    ])
    .executeTakeFirstOrThrow();
  return { overdue: Number(row.overdue), dueThisWeek: Number(row.week), unassigned: Number(row.unassigned) };
}

/** A request as staff see it, with its whole timeline (internal notes included). Audited as a view. */
export async function getRequestForStaff(db: DB, actor: Actor, id: string) {
  if (!/^\d{1,18}$/.test(id)) return undefined;
  const request = await db
    .selectFrom('requests as r')
    .leftJoin('users as a', 'a.id', 'r.assigned_to')
    .selectAll('r')
    .select('a.email as assignee_email')
    .where('r.id', '=', id)
    .executeTakeFirst();
  if (!request) return undefined;
  const [events, attachments, related, account, staff, flags] = await Promise.all([
    db
      .selectFrom('request_events as e')
      .leftJoin('users as u', (join) => join.on(sql`u.id::text`, '=', sql.ref('e.actor_id')))
      .select(['e.id', 'e.at', 'e.actor', 'e.kind', 'e.note', 'e.visible_to_subject', 'e.from_state', 'e.to_state', 'u.email as actor_email'])
      .where('e.request_id', '=', id)
      .orderBy('e.id')
      .execute(),
    db
      .selectFrom('request_attachments')
      .select(['id', 'event_id', 'filename', 'content_type', 'size', 'created_at'])
      .where('request_id', '=', id)
      .orderBy('id')
      .execute(),
    request.email_key
      ? db
          .selectFrom('requests')
          .select(['id', 'reference', 'type', 'state', 'created_at'])
          .where('email_key', '=', request.email_key)
          .where('id', '<>', id)
          .orderBy('id', 'desc')
          .limit(20)
          .execute()
      : Promise.resolve([]),
    request.user_id
      ? db.selectFrom('users').select(['id', 'email']).where(sql`id::text`, '=', request.user_id).executeTakeFirst()
      : Promise.resolve(undefined),
    db.selectFrom('users').select(['id', 'email']).where('role', 'in', ['staff', 'admin']).orderBy('email').execute(),
    request.email_key
      ? db
          .selectFrom('subject_flags as f')
          .innerJoin('requests as r', 'r.id', 'f.request_id')
          .select(['f.kind', 'f.created_at', 'r.id as request_id', 'r.reference'])
          .where('f.email_key', '=', request.email_key)
          .orderBy('f.id')
          .execute()
      : Promise.resolve([]),
  ]);
  await recordAudit(db, { actorId: actor.id, ip: actor.ip, action: 'request.view', targetType: 'request', targetId: id });
  return { request, events, attachments, related, account, staff, flags };
}

/** The version a staff form was made from: a form made before the request last changed is stale. */
export function requestVersion(request: Pick<RequestRow, 'updated_at'>): string {
  return new Date(request.updated_at).toISOString();
}

export class StaleFormError extends Error {
  override name = 'StaleFormError';
  constructor() {
    super('This request changed since you opened the page (someone else acted on it). Nothing was done: check the timeline and try again.');
  }
}

/** The Art. 12(4) notice every refusal carries: why, and where the subject can complain or go to court. */
export function denialNotice(reason: string, organisation: Organisation): string {
  const a = organisation.authority;
  return [
    `Reason: ${reason}`,
    `You have the right to lodge a complaint with a supervisory authority: ${a.name}, ${a.address} (${a.url}), and the right to seek a judicial remedy before the courts (Art. 12(4), 77 and 79 GDPR).`,
  ].join('\n\n');
}


const version = z.string().min(1, 'Reload the page and try again');
const message = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `Write ${what}`)
    .max(5000, 'At most 5,000 characters')
    .refine((v) => !hasControlCharacters(v), STAFF_CONTROL_ERROR);

export const staffActionSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('start'), version }),
  z
    .object({
      intent: z.literal('request_information'),
      version,
      question: message('what you need from the subject'),
      idCopy: z.literal('yes').optional(),
      idCopyReason: z.string().trim().max(1000, 'At most 1,000 characters').refine((v) => !hasControlCharacters(v), STAFF_CONTROL_ERROR).optional(),
    })
    // Issue 21.4: a copy of an ID document is the exception, asked for only with a reason for this type of request.
    .refine((a) => a.idCopy === 'yes' || !asksForIdCopy(a.question), {
      path: ['idCopy'],
      message: 'This question asks for an identity document. Copies are the exception: tick this box and say why this request needs one',
    })
    .refine((a) => a.idCopy !== 'yes' || (a.idCopyReason ?? '').length >= 10, {
      path: ['idCopyReason'],
      message: 'Say why this type of request needs a copy of an identity document (at least a sentence)',
    }),
  z.object({ intent: z.literal('resume'), version }),
  z.object({
    intent: z.literal('extend'),
    version,
    months: z.coerce.number().int().min(1, 'Choose 1 or 2 months').max(2, 'Choose 1 or 2 months'),
    extensionReason: message('the reason the subject will read'),
  }),
  z.object({
    intent: z.literal('deny'),
    version,
    refusalGround: z.enum(REFUSAL_GROUNDS, { error: 'Choose the ground for refusing' }),
    denialReason: message('the reason the subject will read'),
  }),
  z
    .object({
      intent: z.literal('complete'),
      version,
      outcome: z.enum(Object.keys(OUTCOMES) as [string, ...string[]], { error: 'Choose the outcome' }),
      answer: message('the answer the subject will read'),
      withheldReason: z.string().trim().max(5000, 'At most 5,000 characters').optional(),
      /** Completing while a connected system has not answered: why (issue 19.7). */
      systemsOverride: z.string().trim().max(1000, 'At most 1,000 characters').optional(),
    })
    .refine((a) => a.outcome !== 'partial' || (a.withheldReason ?? '') !== '', {
      path: ['withheldReason'],
      message: 'Say what was withheld and whose rights it protects: the subject reads it',
    }),
  z.object({ intent: z.literal('note'), note: message('the note') }),
  z.object({ intent: z.literal('assign'), assignee: z.union([z.literal(''), z.uuid()], { error: 'Choose a member of staff from the list' }) }),
]);
export type StaffAction = z.infer<typeof staffActionSchema>;

const TRANSITION_INTENTS: Partial<Record<StaffAction['intent'], RequestAction>> = {
  start: 'start',
  request_information: 'request_information',
  resume: 'resume',
  deny: 'deny',
  complete: 'complete',
};

/**
 * One staff action on one request, in one transaction with its timeline event, email and audit
 * event. Throws StaleFormError, RequestConflictError or DeadlineError for the route to show.
 */
export async function actOnRequest(
  db: DB,
  input: { requestId: string; action: StaffAction },
  actor: { id: string; ip: string | null },
  options: { rules: RequestPolicy; organisation: Organisation; exportKey?: string; now?: Date },
): Promise<void> {
  const now = options.now ?? new Date();
  const { action } = input;
  await withLockedRequest(db, input.requestId, async (trx, request) => {
    if (!request) throw new RequestConflictError('No such request');
    if ('version' in action && action.version !== requestVersion(request)) throw new StaleFormError();
    const staffRef = { kind: 'staff' as const, id: actor.id, ip: actor.ip };
    let details: Record<string, unknown> = {};
    const transition = TRANSITION_INTENTS[action.intent];
    if (transition) {
      if (!availableActions(request.state, 'staff').includes(transition)) {
        throw new RequestConflictError(`A request that is ${request.state.replace('_', ' ')} cannot be sent "${transition.replace('_', ' ')}"`);
      }
      let note: string | null = null;
      if (action.intent === 'request_information') {
        note = action.question;
        if (action.idCopy === 'yes') {
          await appendEvent(trx, {
            requestId: request.id,
            actor: staffRef,
            kind: 'id_copy_reason',
            note: `A copy of an identity document was asked for. Reason for this ${request.type} request: ${action.idCopyReason ?? ''}`,
            visibleToSubject: false,
          });
          details = { idCopy: true, type: request.type };
        }
      }
      if (action.intent === 'deny') {
        note = denialNotice(action.denialReason, options.organisation);
        // The ground is what the reports count refusals by; the subject reads the reason.
        await trx.updateTable('requests').set({ refusal_ground: action.refusalGround }).where('id', '=', request.id).execute();
        details = { ground: action.refusalGround };
      }
      let afterTransition: ((completed: RequestRow) => Promise<void>) | null = null;
      if (action.intent === 'complete') {
        const outcome = OUTCOMES[action.outcome]!;
        if (!outcome.types.includes(request.type)) {
          throw new RequestConflictError('That outcome does not fit this type of request');
        }
        // An erasure is answered "done" only by erasing: that goes through the erasure page.
        if (request.type === 'erasure' && action.outcome === 'fulfilled') {
          throw new RequestConflictError('Complete an erasure from its erasure page, which shows what is erased and erases it');
        }
        // The outcome is shown to the subject from the catalogs in their language (subjectOutcomeLines);
        // the note is staff's answer as written.
        note = action.answer;
        const withheld = action.outcome === 'partial' ? (action.withheldReason ?? '').trim() : null;
        if (withheld === '') throw new RequestConflictError('Say what was withheld and whose rights it protects');
        await trx.updateTable('requests').set({ outcome: action.outcome, withheld_reason: withheld }).where('id', '=', request.id).execute();
        // Access and portability answered in full or in part: the package is built in this
        // transaction once the request is completed, so data.json records the answer it is.
        if (PACKAGE_OUTCOMES.includes(action.outcome) && takesPackage(request)) {
          const exportKey = options.exportKey;
          if (!exportKey) throw new Error('actOnRequest: exportKey is needed to build an access package');
          note = `${note}\n\n${packageReadyNote(request, now, options.rules.timeZone)}`;
          afterTransition = (completed) =>
            createPackage(trx, completed, actor, {
              exportKey,
              organisation: options.organisation,
              answer: action.answer,
              timeZone: options.rules.timeZone,
              publicUrl: options.rules.publicUrl,
              now,
            });
        }
        const flag = action.outcome === 'restricted' ? 'restriction' : action.outcome === 'objection_upheld' ? 'objection_upheld' : null;
        if (flag && request.email_key) {
          await trx.insertInto('subject_flags').values({ email_key: request.email_key, kind: flag, request_id: request.id }).execute();
        }
        details = { outcome: action.outcome };
      }
      const systemsOverride = action.intent === 'complete' && action.systemsOverride ? { reason: action.systemsOverride, staffId: actor.id } : null;
      const updated = await applyTransition(trx, request, transition, staffRef, { rules: options.rules, now, note, systemsOverride });
      if (afterTransition) await afterTransition(updated);
    } else if (action.intent === 'extend') {
      await applyExtension(trx, request, { staffId: actor.id, months: action.months, reason: action.extensionReason }, { rules: options.rules, now });
      details = { months: action.months };
    } else if (action.intent === 'note') {
      await appendEvent(trx, { requestId: request.id, actor: staffRef, kind: 'note', note: action.note, visibleToSubject: false });
    } else if (action.intent === 'assign') {
      const assignee = action.assignee === '' ? null : action.assignee;
      if (assignee) {
        const staff = await trx.selectFrom('users').select('id').where('id', '=', assignee).where('role', 'in', ['staff', 'admin']).executeTakeFirst();
        if (!staff) throw new RequestConflictError('Assign the request to a member of staff');
      }
      await trx.updateTable('requests').set({ assigned_to: assignee }).where('id', '=', request.id).execute();
      await appendEvent(trx, {
        requestId: request.id,
        actor: staffRef,
        kind: 'assigned',
        note: assignee ? 'Assigned.' : 'Unassigned.',
        visibleToSubject: false,
      });
      if (assignee !== request.assigned_to) {
        await mailAssignment(trx, { assigneeId: assignee, actorId: actor.id, requests: [request] }, options.rules);
      }
      details = { assignee };
    }
    await recordAudit(trx, {
      actorId: actor.id,
      ip: actor.ip,
      action: `request.${action.intent}`,
      targetType: 'request',
      targetId: String(request.id),
      details,
    });
  });
}

/** Days the clock has been paused so far (for the page while waiting on the subject). */
export function runningPauseDays(request: Pick<RequestRow, 'paused_at'>, now: Date, timeZone: string): number {
  return request.paused_at ? pausedDaysBetween(request.paused_at, now, timeZone) : 0;
}

export { DeadlineError, RequestConflictError };

/** Staff opened a file the subject sent: always on the record. */
export async function recordAttachmentOpened(db: DB, actor: Actor, scope: { requestId: string; attachmentId: string }) {
  await recordAudit(db, {
    actorId: actor.id,
    ip: actor.ip,
    action: 'request.attachment_open',
    targetType: 'request_attachment',
    targetId: scope.attachmentId,
    details: { requestId: scope.requestId },
  });
}
