import { AttachmentError, checkAttachment, cleanFilename, MAX_ATTACHMENT_BYTES, type AttachmentType } from '~/models/requests/attachments.server';
import { readForm, type FormFields } from '~/utils/form.server';
import { readUpload } from '~/utils/upload.server';

export type IntakeForm =
  | { ok: true; fields: FormFields; authorisation?: { filename: string; bytes: Buffer; contentType: AttachmentType } }
  | { ok: false; status: 400 | 413 | 415; formError: string; headers: Record<string, string>; fieldError?: { name: string; key: string } };

/**
 * The request form arrives as multipart (it may carry an agent's authorisation document) or,
 * from older pages and scripts, URL-encoded. One file at most, checked by its bytes like any
 * attachment (PDF, PNG or JPEG, 10 MB).
 */
export async function readIntakeForm(request: Request): Promise<IntakeForm> {
  const type = (request.headers.get('Content-Type') ?? '').toLowerCase();
  if (!type.startsWith('multipart/form-data')) {
    const form = await readForm(request);
    return form.ok ? { ok: true, fields: form.fields } : form;
  }
  const upload = await readUpload(request, { maxFileBytes: MAX_ATTACHMENT_BYTES, maxFiles: 1 });
  if (!upload.ok) {
    return upload.code === 'too_large' ? { ...upload, fieldError: { name: 'authorisation', key: 'errors.authorisationSize' } } : upload;
  }
  const file = upload.files[0];
  if (!file) return { ok: true, fields: upload.fields };
  try {
    const contentType = await checkAttachment(file.filename, file.bytes);
    return { ok: true, fields: upload.fields, authorisation: { filename: cleanFilename(file.filename), bytes: file.bytes, contentType } };
  } catch (error) {
    if (!(error instanceof AttachmentError)) throw error;
    return { ok: true, fields: { ...upload.fields, __authorisationError: 'errors.authorisationType' } };
  }
}
