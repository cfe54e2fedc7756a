import { createHash, randomUUID } from 'node:crypto';
import { OUTCOME_LABELS } from '~/models/systems/labels';
import { sql } from 'kysely';
import { ACCESS_PACKAGE } from '~/models/policy';
import { checkPackageFile, PackageFileError } from '~/models/requests/packages.server';
import { safeEqual } from '~/utils/crypto.server';
import { openBytes, sealBytes } from '~/utils/file-crypto.server';
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
export { OUTCOME_LABELS };

export class SystemAnswerError extends Error {
  override name = 'SystemAnswerError';
}

/** Every system except the portal itself, with this request's task if it has one (the staff panel). */
export async function systemsForRequest(db: DB, requestId: string, requestType: string) {
  const rows = await db
    .selectFrom('connected_systems as s')
    .leftJoin('system_tasks as t', (join) => join.onRef('t.system_id', '=', 's.id').on('t.request_id', '=', requestId))
    .select([
      's.id', 's.name', 's.request_types', 's.enabled', 's.kind',
      't.id as task_id', 't.state', 't.outcome', 't.outcome_note', 't.answered_at', 't.answered_how', 't.answered_by',
      't.attempts', 't.last_status', 't.last_error', 't.next_attempt_at', 't.due_at', 't.state_reason', 't.sent_at',
      (eb) => eb.selectFrom('system_task_files as f').select((f) => f.fn.countAll<string>().as('n')).whereRef('f.task_id', '=', 't.id').as('files'),
    ])
    .where('s.is_portal', '=', false)
    .orderBy(sql`lower(s.name)`)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    kind: r.kind,
    enabled: r.enabled,
    takes: r.request_types.includes(requestType),
    taskId: r.task_id,
    state: r.state,
    outcome: r.outcome,
    note: r.outcome_note,
    answeredAt: r.answered_at,
    answeredHow: r.answered_how,
    answeredBy: r.answered_by,
    attempts: r.attempts ?? 0,
    lastStatus: r.last_status,
    lastError: r.last_error,
    nextAttemptAt: r.next_attempt_at,
    dueAt: r.due_at,
    stateReason: r.state_reason,
    sentAt: r.sent_at,
    files: Number(r.files ?? 0),
  }));
}

/**
 * Staff record a system's answer by hand (a system of kind `none`, or any system whose answer
 * came some other way), with a note and files: the task is made if the request had none for it.
 */
export async function recordSystemAnswer(
  db: DB,
  input: { requestId: string; systemId: string; outcome: SystemTaskOutcome; note: string; files?: Array<{ filename: string; bytes: Buffer }> },
  actor: Actor & { email: string },
  options: { exportKey: string },
): Promise<void> {
  // Files are checked first: a refused file must not leave a new, unanswered task behind (it would hold the completion gate).
  try {
    await checkSystemFiles(input.files ?? []);
  } catch (error) {
    if (error instanceof TaskAnswerError) throw new SystemAnswerError(error.message);
    throw error;
  }
  const taskId = await withLockedRequest(db, input.requestId, async (trx, request) => {
    if (!request) throw new SystemAnswerError('This request does not exist.');
    if (isClosed(request.state)) throw new SystemAnswerError('The request is closed: its systems’ answers can no longer change.');
    const system = await trx.selectFrom('connected_systems').select(['id', 'name', 'is_portal', 'deadline_days']).where('id', '=', input.systemId).executeTakeFirst();
    if (!system || system.is_portal) throw new SystemAnswerError('Choose one of the systems listed.');
    if (input.outcome === 'refused' && !input.note.trim()) throw new SystemAnswerError('Say why the system refused.');
    const existing = await trx.selectFrom('system_tasks').select(['id', 'state']).where('request_id', '=', request.id).where('system_id', '=', system.id).forUpdate().executeTakeFirst();
    if (existing?.state === 'answered') throw new SystemAnswerError(`${system.name} has already answered this request.`);
    if (existing && !OPEN_STATES.includes(existing.state)) throw new SystemAnswerError(`${system.name}’s task is ${existing.state}: it takes no answer.`);
    if (existing) return existing.id;
    // The system's own deadline runs from when the request reached the organisation (reports count answers after it as late).
    const reached = request.received_at ?? request.created_at;
    const dueAt = new Date(new Date(reached).getTime() + system.deadline_days * 86_400_000);
    const row = await trx.insertInto('system_tasks').values({ request_id: request.id, system_id: system.id, due_at: dueAt }).returning('id').executeTakeFirstOrThrow();
    return row.id;
  });
  try {
    await recordTaskAnswer(db, { taskId, outcome: input.outcome, note: input.note, files: input.files ?? [], how: 'by_hand', by: actor.email, actorId: actor.id }, { exportKey: options.exportKey });
  } catch (error) {
    if (error instanceof TaskAnswerError) throw new SystemAnswerError(error.message);
    throw error;
  }
}

const OPEN_STATES = ['pending', 'sent', 'waiting', 'failed', 'dead'];

export class TaskAnswerError extends Error {
  override name = 'TaskAnswerError';
}

/** The key a system's file is sealed under: EXPORT_KEY's file key, bound to the file's id. */
export const SYSTEM_FILE_PURPOSE = 'system-file';
export const systemFileAad = (fileId: string) => `system-file:${fileId}`;

export function openSystemFile(row: { id: string; iv: Buffer | null; auth_tag: Buffer | null; data: Buffer }, exportKey: string): Buffer {
  if (!row.iv || !row.auth_tag) throw new TaskAnswerError('This file was stored without its key material');
  return openBytes({ iv: row.iv, auth_tag: row.auth_tag, ciphertext: row.data }, exportKey, SYSTEM_FILE_PURPOSE, systemFileAad(row.id));
}

/** Checks a system's files as staff uploads are checked: type by content, size, count. */
export async function checkSystemFiles(files: Array<{ filename: string; bytes: Buffer }>) {
  if (files.length > ACCESS_PACKAGE.maxFiles) throw new TaskAnswerError(`At most ${ACCESS_PACKAGE.maxFiles} files per answer`);
  const checked: Array<{ filename: string; bytes: Buffer; contentType: string }> = [];
  for (const file of files) {
    const name = safeFileName(file.filename);
    try {
      checked.push({ filename: name, bytes: file.bytes, contentType: await checkPackageFile(name, file.bytes) });
    } catch (error) {
      if (error instanceof PackageFileError) throw new TaskAnswerError(error.message);
      throw error;
    }
  }
  return checked;
}

function safeFileName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const base = (name.split(/[\\/]/).pop() ?? '').replace(/[\u0000-\u001f\u007f"<>|:*?]/g, '').trim().slice(0, 120);
  return base || 'file';
}

/**
 * Records one system's answer to its task (a signed webhook callback, an OpenDSR status, the
 * owner's attestation on the task page, or staff by hand), in the request's lock:
 * - only an open task takes an answer (a withdrawal half-way cancelled it: the answer is refused);
 * - with `tokenHash`, the task's one-time token must still be the stored one and unexpired, and
 *   it is spent in this transaction, so a replay changes nothing;
 * - files are checked by content and stored encrypted.
 */
export async function recordTaskAnswer(
  db: DB,
  input: {
    taskId: string;
    outcome: SystemTaskOutcome;
    note: string | null;
    files: Array<{ filename: string; bytes: Buffer }>;
    how: 'signature' | 'opendsr_receipt' | 'attestation' | 'by_hand';
    by: string;
    tokenHash?: string;
    actorId?: string | null;
  },
  options: { exportKey: string; now?: Date },
): Promise<{ requestId: string; systemName: string }> {
  const now = options.now ?? new Date();
  if (input.outcome === 'refused' && !input.note?.trim()) throw new TaskAnswerError('Say why the system refused.');
  const files = await checkSystemFiles(input.files);
  const head = await db.selectFrom('system_tasks').select(['request_id']).where('id', '=', input.taskId).executeTakeFirst();
  if (!head) throw new TaskAnswerError('No such task');
  return withLockedRequest(db, head.request_id, async (trx) => {
    const task = await trx
      .selectFrom('system_tasks as t')
      .innerJoin('connected_systems as s', 's.id', 't.system_id')
      .select(['t.id', 't.state', 't.token_hash', 't.token_expires_at', 't.request_id', 't.system_id', 's.name'])
      .where('t.id', '=', input.taskId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (input.tokenHash !== undefined) {
      if (!task.token_hash || !safeEqual(task.token_hash, input.tokenHash)) throw new TaskAnswerError('The task token is not valid, or was already used');
      if (task.token_expires_at && new Date(task.token_expires_at) < now) throw new TaskAnswerError('The task token has expired');
    }
    if (!['pending', 'sent', 'waiting', 'failed', 'dead'].includes(task.state)) throw new TaskAnswerError(`This task is ${task.state}: it takes no answer`);
    await trx
      .updateTable('system_tasks')
      .set({
        state: 'answered',
        outcome: input.outcome,
        outcome_note: input.note?.trim() || null,
        answered_at: now,
        answered_how: input.how,
        answered_by: input.by.slice(0, 200),
        token_hash: null,
        next_attempt_at: null,
        state_reason: null,
        updated_at: now,
      })
      .where('id', '=', task.id)
      .execute();
    for (const file of files) {
      const id = randomUUID();
      const sealed = sealBytes(file.bytes, options.exportKey, SYSTEM_FILE_PURPOSE, systemFileAad(id));
      await trx
        .insertInto('system_task_files')
        .values({
          id,
          task_id: task.id,
          name: file.filename,
          content_type: file.contentType,
          bytes: file.bytes.length,
          sha256: createHash('sha256').update(file.bytes).digest('hex'),
          data: sealed.ciphertext,
          iv: sealed.iv,
          auth_tag: sealed.authTag,
        })
        .execute();
    }
    const how = { signature: 'a signed callback', opendsr_receipt: 'the OpenDSR processor', attestation: `the owner’s attestation (${input.by})`, by_hand: `staff (${input.by})` }[input.how];
    await appendEvent(trx, {
      requestId: task.request_id,
      actor: input.actorId ? { kind: 'staff', id: input.actorId } : { kind: 'system' },
      kind: 'system_answer',
      note: `${task.name}: ${OUTCOME_LABELS[input.outcome]}, by ${how}${files.length ? `; ${files.length} file${files.length === 1 ? '' : 's'}` : ''}.${input.note?.trim() ? ` ${input.note.trim()}` : ''}`,
      visibleToSubject: false,
    });
    await recordAudit(trx, {
      actorId: input.actorId ?? null,
      action: 'system.answer_recorded',
      targetType: 'request',
      targetId: String(task.request_id),
      details: { system: task.system_id, task: task.id, outcome: input.outcome, how: input.how, files: files.length },
    });
    return { requestId: String(task.request_id), systemName: task.name };
  });
}

/** The task a manual link opens: only what the owner needs (the request's type, reference, due date and the identities to look up). */
export async function taskForLink(db: DB, token: string, now: Date = new Date()) {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return { kind: 'invalid' as const };
  const tokenHash = createHash('sha256').update(token).digest('hex');
  const row = await db
    .selectFrom('system_tasks as t')
    .innerJoin('connected_systems as s', 's.id', 't.system_id')
    .innerJoin('requests as r', 'r.id', 't.request_id')
    .select([
      't.id', 't.state', 't.due_at', 't.token_expires_at', 's.name as system_name', 's.kind', 's.owner_lang', 's.identities',
      'r.reference', 'r.type', 'r.email', 'r.name', 'r.account_identifier', 'r.aliases', 'r.user_id', 'r.requester_role', 'r.subject_email', 'r.subject_name',
    ])
    .where('t.token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (!row || row.kind !== 'manual') return { kind: 'invalid' as const };
  if (row.token_expires_at && new Date(row.token_expires_at) < now) return { kind: 'invalid' as const };
  if (!['pending', 'sent', 'waiting', 'failed', 'dead'].includes(row.state)) return { kind: 'used' as const };
  return { kind: 'open' as const, task: row, tokenHash };
}
