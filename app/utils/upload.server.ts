import {
  MaxPartSizeExceededError,
  unstable_createMemoryUploadHandler,
  unstable_parseMultipartFormData,
  type UploadHandler,
} from '@remix-run/node';

export type ParsedUpload =
  | { ok: true; fields: Record<string, string>; files: Array<{ filename: string; bytes: Buffer }> }
  | { ok: false; status: 400 | 413 | 415; formError: string; code: 'unreadable' | 'too_large' | 'too_many'; max?: number };

/**
 * Reads a multipart form with limits on every part: each file at most `maxFileBytes`, at most
 * `maxFiles` files, each text field at most 64 KB. Parts beyond a limit stop the parse, so an
 * oversized upload is never held in memory whole.
 */
export async function readUpload(
  request: Request,
  limits: { maxFileBytes: number; maxFiles: number },
): Promise<ParsedUpload> {
  const type = (request.headers.get('Content-Type') ?? '').toLowerCase();
  if (!type.startsWith('multipart/form-data')) {
    return { ok: false, status: 415, formError: 'The form could not be read. Please send it from the page.', code: 'unreadable' };
  }
  const files = unstable_createMemoryUploadHandler({ maxPartSize: limits.maxFileBytes });
  const text = unstable_createMemoryUploadHandler({ maxPartSize: 65_536 });
  let fileCount = 0;
  const handler: UploadHandler = async (part) => {
    if (typeof part.filename !== 'string') return text(part);
    fileCount += 1;
    if (fileCount > limits.maxFiles + 1) throw new TooManyFilesError();
    return files(part);
  };
  let form: FormData;
  try {
    form = await unstable_parseMultipartFormData(request, handler);
  } catch (error) {
    if (error instanceof MaxPartSizeExceededError) {
      return { ok: false, status: 413, formError: `A file is larger than ${Math.round(limits.maxFileBytes / 1024 / 1024)} MB, or a text field is too long.`, code: 'too_large', max: Math.round(limits.maxFileBytes / 1024 / 1024) };
    }
    if (error instanceof TooManyFilesError) {
      return { ok: false, status: 400, formError: `Attach at most ${limits.maxFiles} files.`, code: 'too_many', max: limits.maxFiles };
    }
    // The handlers only buffer in memory: anything else thrown here is a malformed body (bad
    // boundary, a part without a name), the sender's fault, never a 500.
    return { ok: false, status: 400, formError: 'The form could not be read.', code: 'unreadable' };
  }
  const fields: Record<string, string> = {};
  const uploaded: Array<{ filename: string; bytes: Buffer }> = [];
  for (const [key, value] of form) {
    if (typeof value === 'string') {
      if (!(key in fields)) fields[key] = value;
    } else if (value.size > 0 || value.name !== '') {
      // A file input left empty still sends a nameless, empty part.
      uploaded.push({ filename: value.name, bytes: Buffer.from(await value.arrayBuffer()) });
    }
  }
  if (uploaded.length > limits.maxFiles) return { ok: false, status: 400, formError: `Attach at most ${limits.maxFiles} files.`, code: 'too_many', max: limits.maxFiles };
  return { ok: true, fields, files: uploaded };
}

class TooManyFilesError extends Error {}
