import type { AppLoadContext } from '@remix-run/node';
import type { RequestRow } from '../../db/schema';
import { AttachmentError, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS_PER_REPLY } from '~/models/requests/attachments.server';
import { replySchema } from '~/models/requests/intake-rules.server';
import { requestPolicy } from '~/models/requests/policy';
import { replyToRequest } from '~/models/requests/replies.server';
import { RequestConflictError } from '~/models/requests/transitions.server';
import { badRequest, validateFields } from '~/utils/form.server';
import { readUpload } from '~/utils/upload.server';
import { tFor } from '~/utils/i18n';
import { languageOf } from '~/utils/language.server';

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
  // Messages in the language of the page: keys the form translates, or sentences made here
  // when they carry a file name or a number.
  const t = tFor(languageOf(input.httpRequest));
  const upload = await readUpload(input.httpRequest, UPLOAD_LIMITS);
  if (!upload.ok) {
    const formError =
      upload.code === 'too_many'
        ? t('replyErrors.tooMany', { count: upload.max ?? MAX_ATTACHMENTS_PER_REPLY })
        : upload.code === 'too_large'
          ? t('replyErrors.bodyTooLarge', { max: upload.max ?? 10 })
          : upload.code === 'too_many_fields'
            ? t('replyErrors.tooManyFields')
            : t('replyErrors.unreadable');
    return badRequest({ formError }, { status: upload.status, headers: { ...Object.fromEntries(new Headers(headers)), ...upload.headers } });
  }
  const parsed = validateFields(replySchema, upload.fields, { keep: KEEP, formError: 'replyErrors.needsAttention', headers });
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
      const files =
        error.code === 'too_many'
          ? t('replyErrors.tooMany', { count: error.params.count ?? MAX_ATTACHMENTS_PER_REPLY })
          : t(`replyErrors.file_${error.code}`, { name: error.params.name ?? '' });
      return badRequest({ formError: 'replyErrors.fileRejected', fieldErrors: { files }, values: upload.fields }, { keep: KEEP, headers });
    }
    if (error instanceof RequestConflictError) {
      return badRequest({ formError: 'replyErrors.notAwaiting', values: upload.fields }, { keep: KEEP, status: 409, headers });
    }
    throw error;
  }
}
