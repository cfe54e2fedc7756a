import type { DB } from '../../../db/client';
import type { RequestRow } from '../../../db/schema';
import type { RequestPolicy } from '~/models/requests/policy';
import { AttachmentError, checkAttachment, MAX_ATTACHMENTS_PER_REPLY, storeAttachment } from '~/models/requests/attachments.server';
import { isAwaitingSubject } from '~/models/requests/lifecycle';
import { mailSubjectReplied } from '~/models/requests/staff-mail.server';
import { appendEvent, applyTransition, RequestConflictError, withLockedRequest } from '~/models/requests/transitions.server';

export type UploadedFile = { filename: string; bytes: Buffer };

/**
 * The subject answers the privacy team's question, optionally with files. The answer and its
 * files are stored, and the request goes back to the team with the clock running again.
 */
export async function replyToRequest(
  db: DB,
  input: { requestId: string; userId?: string | null; message: string; files: UploadedFile[] },
  options: { rules: RequestPolicy; exportKey: string; now?: Date },
): Promise<RequestRow> {
  const now = options.now ?? new Date();
  if (input.files.length > MAX_ATTACHMENTS_PER_REPLY) {
    throw new AttachmentError(`Attach at most ${MAX_ATTACHMENTS_PER_REPLY} files`, 'too_many', { count: MAX_ATTACHMENTS_PER_REPLY });
  }
  // Content checks before the transaction: no row is locked while bytes are inspected.
  const checked = await Promise.all(
    input.files.map(async (file) => ({ ...file, contentType: await checkAttachment(file.filename, file.bytes) })),
  );
  return withLockedRequest(db, input.requestId, async (trx, request) => {
    if (!request || !isAwaitingSubject(request.state)) {
      throw new RequestConflictError('This request is not waiting for a reply');
    }
    const actor = { kind: 'subject' as const, id: input.userId ?? null };
    const eventId = await appendEvent(trx, { requestId: request.id, actor, kind: 'reply', note: input.message });
    for (const file of checked) {
      await storeAttachment(trx, { requestId: request.id, eventId, ...file }, options.exportKey);
    }
    const resumed = await applyTransition(trx, request, 'resume', actor, { rules: options.rules, now });
    await mailSubjectReplied(trx, resumed, { files: checked.length }, {
      publicUrl: options.rules.publicUrl,
      timeZone: options.rules.timeZone,
      teamAddress: options.rules.staffTeamAddress,
    });
    return resumed;
  });
}

/** The latest question staff asked, shown above the reply form. */
export async function latestQuestion(db: DB, requestId: string): Promise<string | null> {
  const row = await db
    .selectFrom('request_events')
    .select('note')
    .where('request_id', '=', requestId)
    .where('kind', '=', 'request_information')
    .where('visible_to_subject', '=', true)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row?.note ?? null;
}
