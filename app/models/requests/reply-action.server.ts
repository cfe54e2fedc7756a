import type { DB } from '../../../db/client';
import type { Config } from '~/utils/env.server';
import { AttachmentError, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS_PER_REPLY } from '~/models/requests/attachments.server';
import { fieldErrors, replySchema, type FieldErrors } from '~/models/requests/intake-rules.server';
import { requestPolicy } from '~/models/requests/policy';
import { replyToRequest } from '~/models/requests/replies.server';
import { RequestConflictError, type RequestRow } from '~/models/requests/transitions.server';
import { readUpload } from '~/utils/upload.server';

export const UPLOAD_LIMITS = { maxFileBytes: MAX_ATTACHMENT_BYTES, maxFiles: MAX_ATTACHMENTS_PER_REPLY };

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

export type ReplyActionResult =
  | { ok: true }
  | { ok: false; status: number; error: string; fieldErrors?: FieldErrors; message?: string };

/** Reads the multipart reply, validates it and hands it to the model. */
export async function handleReply(
  deps: { db: DB; config: Config },
  input: { request: RequestRow; httpRequest: Request; userId: string | null },
): Promise<ReplyActionResult> {
  const upload = await readUpload(input.httpRequest, UPLOAD_LIMITS);
  if (!upload.ok) return { ok: false, status: upload.status, error: upload.formError };
  const parsed = replySchema.safeParse(upload.fields);
  const message = (upload.fields.message ?? '').slice(0, 6000);
  if (!parsed.success) {
    return { ok: false, status: 400, error: 'Your reply needs attention.', fieldErrors: fieldErrors(parsed.error), message };
  }
  try {
    await replyToRequest(
      deps.db,
      { requestId: input.request.id, userId: input.userId, message: parsed.data.message, files: upload.files },
      { rules: requestPolicy(deps.config), exportKey: deps.config.secrets.exportKey },
    );
    return { ok: true };
  } catch (error) {
    if (error instanceof AttachmentError) {
      return { ok: false, status: 400, error: 'A file could not be accepted.', fieldErrors: { files: error.message }, message };
    }
    if (error instanceof RequestConflictError) return { ok: false, status: 409, error: error.message, message };
    throw error;
  }
}
