import { cleanFilename, MAX_ATTACHMENT_BYTES } from '~/models/requests/attachments.server';
import { readForm, type FormFields } from '~/utils/form.server';
import { readUpload } from '~/utils/upload.server';

export type ReceivedForm =
  | { ok: true; fields: FormFields; original?: { filename: string; bytes: Buffer } }
  | { ok: false; status: 400 | 413 | 415; formError: string; headers: Record<string, string> };

/**
 * The "log a request" form: multipart with at most one file (the request as received, checked
 * by its bytes in the model), or URL-encoded from a script without a file.
 */
export async function readReceivedForm(request: Request): Promise<ReceivedForm> {
  const type = (request.headers.get('Content-Type') ?? '').toLowerCase();
  if (!type.startsWith('multipart/form-data')) {
    const form = await readForm(request);
    return form.ok ? { ok: true, fields: form.fields } : form;
  }
  const upload = await readUpload(request, { maxFileBytes: MAX_ATTACHMENT_BYTES, maxFiles: 1 });
  if (!upload.ok) return upload;
  const file = upload.files[0];
  return { ok: true, fields: upload.fields, original: file ? { filename: cleanFilename(file.filename), bytes: file.bytes } : undefined };
}
