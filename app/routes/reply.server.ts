import type { AppLoadContext } from '@remix-run/node';
import type { RequestRow } from '../../db/schema';
import { AttachmentError, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS_PER_REPLY } from '~/models/requests/attachments.server';
import { replySchema } from '~/models/requests/intake-rules';
import { requestPolicy } from '~/models/requests/policy';
import { replyToRequest } from '~/models/requests/replies.server';
import { RequestConflictError } from '~/models/requests/transitions.server';
import { badRequest, validateFields } from '~/utils/form.server';
import { readUpload } from '~/utils/upload.server';

/**
 * The subject's reply (text and files, posted as multipart), shared by the account route and
 * the status-link route: read the multipart body within limits, validate it with the same
 * FormState answer as every other form, hand it to the model, map its domain errors to 4xx.
 * Returns null when the reply was accepted (the route redirects), else the answer to send.
 */
export const UPLOAD_LIMITS = { maxFileBytes: MAX_ATTACHMENT_BYTES, maxFiles: MAX_ATTACHMENTS_PER_REPLY };

const KEEP = ['message'];

export async function replyAction(
  context: Pick<AppLoadContext, 'db' | 'config'>,
  input: { request: RequestRow; httpRequest: Request; userId: string | null; headers?: HeadersInit },
): Promise<Response | null> {
  const { headers } = input;
  const upload = await readUpload(input.httpRequest, UPLOAD_LIMITS);
  if (!upload.ok) return badRequest({ formError: upload.formError }, { status: upload.status, headers });
  const parsed = validateFields(replySchema, upload.fields, { keep: KEEP, formError: 'Your reply needs attention.', headers });
  if (!parsed.ok) return parsed.reply;
  try {
    await replyToRequest(
      context.db,
      { requestId: input.request.id, userId: input.userId, message: parsed.data.message, files: upload.files },
      { rules: requestPolicy(context.config), exportKey: context.config.secrets.exportKey },
    );
    return null;
  } catch (error) {
    if (error instanceof AttachmentError) {
      return badRequest({ formError: 'A file could not be accepted.', fieldErrors: { files: error.message }, values: upload.fields }, { keep: KEEP, headers });
    }
    if (error instanceof RequestConflictError) {
      return badRequest({ formError: error.message, values: upload.fields }, { keep: KEEP, status: 409, headers });
    }
    throw error;
  }
}
