import type { RequestPolicy } from '~/models/requests/policy';
import type { DB, Tx } from '../../../db/client';
import type { RequestRow, RequestUpdate } from '../../../db/schema';
import { computeDueDate, extendClock, pausedDaysBetween } from '~/models/requests/deadlines';
import { enqueueJob } from '~/models/jobs.server';
import { mailExtension, mailTransition } from '~/models/requests/mail.server';
import { daysMs, RETENTION_DAYS } from '~/models/policy';
import { CompletionGateError, systemsOnTransition } from '~/models/systems/tasks.server';
import { recordAudit } from '~/models/audit.server';
import { assertLevelForStart } from '~/models/requests/verification-levels.server';
import { higherLevel, LEVEL_LABELS, VerificationLevelError, type VerificationLevel } from '~/models/requests/verification-levels';
import {
  isClosed,
  isVerifiedAndOpen,
  nextState,
  TRANSITION_MESSAGES,
  type Actor,
  type RequestAction,
  type RequestState,
} from '~/models/requests/lifecycle';

export type { RequestRow };
/** Who acts on a request: the kind (the state machine's view), the user id if any, and the client address for the audit trail. */
export type ActorRef = { kind: Actor; id?: string | null; ip?: string | null };


export class RequestConflictError extends Error {
  override name = 'RequestConflictError';
}

/** `start` refused: the request is below the identity level its type needs (issue 21.3). */
export class BelowLevelError extends RequestConflictError {
  override name = 'BelowLevelError';
  constructor(
    message: string,
    readonly needed: VerificationLevel,
    readonly reached: VerificationLevel | null,
  ) {
    super(message);
  }
}

/**
 * Records that a request reached `level` (never lowers it): the column, an internal timeline
 * event and an audit event, inside the caller's transaction. Returns false when it was no rise.
 */
export async function raiseLevel(
  trx: Tx,
  request: RequestRow,
  level: VerificationLevel,
  actor: ActorRef,
  options: { now: Date; how: string },
): Promise<boolean> {
  const higher = higherLevel(request.verification_level, level);
  if (higher === request.verification_level && level !== 'manual') return false;
  if (request.verification_level === 'manual') return false;
  await trx
    .updateTable('requests')
    .set({ verification_level: level === 'manual' ? 'manual' : higher, verification_level_at: options.now })
    .where('id', '=', request.id)
    .execute();
  await recordLevelReached(trx, request.id, level, actor, options.how);
  return true;
}

async function recordLevelReached(trx: Tx, requestId: string, level: VerificationLevel, actor: ActorRef, how: string) {
  await appendEvent(trx, {
    requestId,
    actor,
    kind: 'level_reached',
    note: `Identity level reached: ${LEVEL_LABELS[level]} (${how}).`,
    visibleToSubject: false,
  });
  await recordAudit(trx, {
    actorId: actor.kind === 'system' ? null : (actor.id ?? null),
    ip: actor.ip ?? null,
    action: 'request.level_reached',
    targetType: 'request',
    targetId: String(requestId),
    details: { level, how },
  });
}

export async function appendEvent(
  db: DB,
  event: {
    requestId: string;
    actor: ActorRef;
    kind: string;
    from?: RequestState | null;
    to?: RequestState | null;
    note?: string | null;
    visibleToSubject?: boolean;
  },
): Promise<string> {
  const row = await db
    .insertInto('request_events')
    .values({
      request_id: event.requestId,
      actor: event.actor.kind,
      actor_id: event.actor.id ?? null,
      kind: event.kind,
      from_state: event.from ?? null,
      to_state: event.to ?? null,
      note: event.note ?? null,
      visible_to_subject: event.visibleToSubject ?? true,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Locks the row for the rest of the transaction, so two transitions never interleave. */
export async function lockRequest(trx: Tx, requestId: string): Promise<RequestRow | undefined> {
  return trx.selectFrom('requests').selectAll().where('id', '=', requestId).forUpdate().executeTakeFirst();
}

/**
 * The lock-and-act pattern every request action uses: in one transaction, lock the request row
 * (SELECT ... FOR UPDATE) so concurrent actions on it queue up, then run `fn` with the row as it
 * is now. `fn` gets undefined when there is no such request.
 */
export async function withLockedRequest<T>(
  db: DB,
  requestId: string,
  fn: (trx: Tx, request: RequestRow | undefined) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => fn(trx, await lockRequest(trx, requestId)));
}

/**
 * Applies one lifecycle transition inside the caller's transaction: checks it against the
 * state machine, moves the statutory clock (start, pause, resume), writes the timeline event,
 * and schedules the retention job when the request closes.
 */
export async function applyTransition(
  trx: Tx,
  request: RequestRow,
  action: RequestAction,
  actor: ActorRef,
  options: {
    rules: RequestPolicy;
    now: Date;
    note?: string | null;
    /** false: the caller sends its own email (erasure). */
    mail?: boolean;
    /** Completing while a connected system has not answered: staff's reason (issue 19.7). */
    systemsOverride?: { reason: string; staffId: string | null } | null;
  },
): Promise<RequestRow> {
  const { rules, now } = options;
  const to = nextState(request.state, action, actor.kind);
  if (action === 'start') {
    try {
      await assertLevelForStart(trx, request, rules);
    } catch (error) {
      if (error instanceof VerificationLevelError) throw new BelowLevelError(error.message, error.needed, error.reached);
      throw error;
    }
  }
  const changes: RequestUpdate = { state: to, updated_at: now };
  // The email link proves the address; a filing by the signed-in owner of the address (`system`) proves the account.
  const verifiedLevel: VerificationLevel | null = action === 'verify' ? (actor.kind === 'system' ? 'account' : 'email') : null;
  if (action === 'verify') {
    changes.received_at = now;
    changes.due_date = computeDueDate({ receivedAt: now }, rules);
    changes.verification_level = higherLevel(request.verification_level, verifiedLevel);
    changes.verification_level_at = now;
  } else if (action === 'request_information') {
    changes.paused_at = now;
  } else if (request.paused_at && isClosed(to)) {
    // Denied or withdrawn while waiting on the subject: the pause so far stays on the record,
    // and so does the due date it moved, so "answered on time" is judged as it is after a resume.
    const pausedDays = request.paused_days + pausedDaysBetween(request.paused_at, now, rules.timeZone);
    changes.paused_days = pausedDays;
    changes.paused_at = null;
    if (request.received_at) {
      changes.due_date = computeDueDate(
        { receivedAt: request.received_at, extensionMonths: request.extension_months, pausedDays },
        rules,
      );
    }
  } else if (action === 'resume' && request.paused_at && request.received_at) {
    const pausedDays = request.paused_days + pausedDaysBetween(request.paused_at, now, rules.timeZone);
    changes.paused_days = pausedDays;
    changes.paused_at = null;
    changes.due_date = computeDueDate(
      { receivedAt: request.received_at, extensionMonths: request.extension_months, pausedDays },
      rules,
    );
  }
  if (isClosed(to)) changes.closed_at = now;

  const updated = await trx
    .updateTable('requests')
    .set(changes)
    .where('id', '=', request.id)
    .where('state', '=', request.state)
    .returningAll()
    .executeTakeFirst();
  if (!updated) throw new RequestConflictError('The request changed meanwhile; reload and try again');

  await appendEvent(trx, {
    requestId: request.id,
    actor,
    kind: action,
    from: request.state,
    to,
    note: options.note ? `${TRANSITION_MESSAGES[action]}\n\n${options.note}` : TRANSITION_MESSAGES[action],
  });
  // Connected systems (issue 19): tasks made on verify and start, cancelled on withdraw and deny;
  // a completion waits for every system's answer unless staff override with a reason.
  try {
    await systemsOnTransition(trx, request, updated, action, { now, override: options.systemsOverride });
  } catch (error) {
    if (error instanceof CompletionGateError) throw new RequestConflictError(error.message);
    throw error;
  }
  if (verifiedLevel) {
    await recordLevelReached(trx, request.id, verifiedLevel, actor, verifiedLevel === 'account' ? 'filed while signed in to the account' : 'the email link');
  }
  if (options.mail !== false) {
    await mailTransition(trx, updated, action, { note: options.note, actor: actor.kind, publicUrl: rules.publicUrl, organisation: rules.organisation, verificationLevels: rules.verificationLevels });
  }
  if (isClosed(to) && to !== 'expired') {
    await enqueueJob(trx, {
      kind: 'request.purge-attachments',
      payload: { requestId: String(request.id) },
      runAt: new Date(now.getTime() + daysMs(RETENTION_DAYS.requestAttachmentsAfterClose)),
      dedupeKey: `request.purge-attachments:${request.id}`,
    });
  }
  return updated;
}

/** Runs `action` on one request in its own transaction. Staff actions use it; so does withdraw. */
export async function transitionRequest(
  db: DB,
  input: { requestId: string; action: RequestAction; actor: ActorRef; note?: string | null },
  options: { rules: RequestPolicy; now?: Date },
): Promise<RequestRow> {
  const now = options.now ?? new Date();
  return withLockedRequest(db, input.requestId, async (trx, request) => {
    if (!request) throw new RequestConflictError('No such request');
    return applyTransition(trx, request, input.action, input.actor, { rules: options.rules, now, note: input.note });
  });
}

/** Staff asks the subject for information: the request waits and the clock pauses. */
export function requestInformation(
  db: DB,
  input: { requestId: string; staffId: string; question: string },
  options: { rules: RequestPolicy; now?: Date },
) {
  return transitionRequest(
    db,
    { requestId: input.requestId, action: 'request_information', actor: { kind: 'staff', id: input.staffId }, note: input.question },
    options,
  );
}

/** The subject withdraws their request (open, in progress or waiting for them). */
export function withdrawRequest(
  db: DB,
  input: { requestId: string; userId?: string | null },
  options: { rules: RequestPolicy; now?: Date },
) {
  return transitionRequest(
    db,
    { requestId: input.requestId, action: 'withdraw', actor: { kind: 'subject', id: input.userId ?? null } },
    options,
  );
}

/**
 * The one extension Art. 12(3) allows, of one or two months with a reason, made before the
 * deadline passes. Recorded in the timeline so the subject is told.
 */
export async function extendDeadline(
  db: DB,
  input: { requestId: string; staffId: string; months: number; reason: string },
  options: { rules: RequestPolicy; now?: Date },
): Promise<RequestRow> {
  const now = options.now ?? new Date();
  return withLockedRequest(db, input.requestId, async (trx, request) => {
    if (!request) throw new RequestConflictError('No such request');
    return applyExtension(trx, request, input, { rules: options.rules, now });
  });
}

/**
 * The extension inside the caller's transaction. While the clock is paused, the deadline it is
 * judged against includes the pause so far (the subject's silence does not use up our month).
 */
export async function applyExtension(
  trx: Tx,
  request: RequestRow,
  input: { staffId: string; months: number; reason: string },
  options: { rules: RequestPolicy; now: Date },
): Promise<RequestRow> {
  const { now } = options;
  {
    if (!isVerifiedAndOpen(request.state) || !request.received_at || !request.due_date) {
      throw new RequestConflictError('Only a verified request that is still open can be extended');
    }
    const runningPause = request.paused_at ? pausedDaysBetween(request.paused_at, now, options.rules.timeZone) : 0;
    const dueIncludingPause = runningPause
      ? computeDueDate(
          { receivedAt: request.received_at, extensionMonths: 0, pausedDays: request.paused_days + runningPause },
          options.rules,
        )
      : request.due_date;
    extendClock(
      {
        receivedAt: request.received_at,
        extensionMonths: request.extension_months,
        pausedDays: request.paused_days + runningPause,
        dueDate: dueIncludingPause,
      },
      { months: input.months, reason: input.reason, now },
      options.rules,
    );
    // Stored without the running pause: resuming adds it, as it does to every due date.
    const dueDate = computeDueDate(
      { receivedAt: request.received_at, extensionMonths: input.months, pausedDays: request.paused_days },
      options.rules,
    );
    const updated = await trx
      .updateTable('requests')
      .set({
        extension_months: input.months,
        extension_reason: input.reason,
        extended_at: now,
        due_date: dueDate,
        updated_at: now,
      })
      .where('id', '=', request.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await appendEvent(trx, {
      requestId: request.id,
      actor: { kind: 'staff', id: input.staffId },
      kind: 'extended',
      note: `The deadline was extended by ${input.months} month${input.months === 1 ? '' : 's'} to ${dueDate}${request.paused_at ? ', plus the days the request waits for the subject' : ''}. Reason: ${input.reason}`,
    });
    await mailExtension(trx, updated, options.rules);
    return updated;
  }
}
