import {
  MaxPartSizeExceededError,
  unstable_createMemoryUploadHandler,
  unstable_parseMultipartFormData,
  type UploadHandler,
} from '@remix-run/node';

/**
 * Limits every multipart form shares, whatever its files: no page of the portal sends more than
 * a dozen fields, so 64 parts and 256 KB of text leave room and still stop a body of 800,000 tiny
 * fields at its 65th part, before it costs seconds of CPU and hundreds of MB (issue 24 item 5).
 */
export const MULTIPART_LIMITS = { maxParts: 64, maxFieldBytes: 65_536, maxTextBytes: 262_144 } as const;

export type ParsedUpload =
  | { ok: true; fields: Record<string, string>; files: Array<{ filename: string; bytes: Buffer }> }
  | {
      ok: false;
      status: 400 | 413 | 415;
      formError: string;
      code: 'unreadable' | 'too_large' | 'too_many' | 'too_many_fields';
      max?: number;
      /** `Connection: close` on a 413: the unread rest of the body must not stall the connection. */
      headers: Record<string, string>;
    };

/**
 * Reads a multipart form with limits on every part: each file at most `maxFileBytes`, at most
 * `maxFiles` files, each text field at most 64 KB, at most 64 parts and 256 KB of text in all.
 * Parts beyond a limit stop the parse, so an oversized upload is never held in memory whole.
 */
export async function readUpload(
  request: Request,
  limits: { maxFileBytes: number; maxFiles: number },
): Promise<ParsedUpload> {
  const type = (request.headers.get('Content-Type') ?? '').toLowerCase();
  if (!type.startsWith('multipart/form-data')) {
    return { ok: false, status: 415, formError: 'The form could not be read. Please send it from the page.', code: 'unreadable', headers: {} };
  }
  const files = unstable_createMemoryUploadHandler({ maxPartSize: limits.maxFileBytes });
  let fileCount = 0;
  let partCount = 0;
  let textBytes = 0;
  const handler: UploadHandler = async (part) => {
    partCount += 1;
    if (partCount > MULTIPART_LIMITS.maxParts) throw new TooManyPartsError();
    if (typeof part.filename !== 'string') {
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of part.data) {
        size += chunk.byteLength;
        textBytes += chunk.byteLength;
        if (size > MULTIPART_LIMITS.maxFieldBytes) throw new MaxPartSizeExceededError(part.name, MULTIPART_LIMITS.maxFieldBytes);
        if (textBytes > MULTIPART_LIMITS.maxTextBytes) throw new TooManyPartsError();
        chunks.push(chunk);
      }
      return Buffer.concat(chunks).toString('utf8');
    }
    fileCount += 1;
    if (fileCount > limits.maxFiles + 1) throw new TooManyFilesError();
    return files(part);
  };
  const tooLarge = { ok: false, status: 413, headers: { Connection: 'close' } } as const;
  let form: FormData;
  try {
    form = await unstable_parseMultipartFormData(request, handler);
  } catch (error) {
    if (error instanceof MaxPartSizeExceededError) {
      const max = Math.round(limits.maxFileBytes / 1024 / 1024);
      return { ...tooLarge, formError: `A file is larger than ${max} MB, or a text field is too long.`, code: 'too_large', max };
    }
    if (error instanceof TooManyPartsError) {
      return { ...tooLarge, formError: 'The form has too many fields or too much text. Please send it from the page.', code: 'too_many_fields', max: MULTIPART_LIMITS.maxParts };
    }
    if (error instanceof TooManyFilesError) {
      return { ok: false, status: 400, formError: `Attach at most ${limits.maxFiles} files.`, code: 'too_many', max: limits.maxFiles, headers: {} };
    }
    // The handlers only buffer in memory: anything else thrown here is a malformed body (bad
    // boundary, a part without a name), the sender's fault, never a 500.
    return { ok: false, status: 400, formError: 'The form could not be read.', code: 'unreadable', headers: {} };
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
  if (uploaded.length > limits.maxFiles) {
    return { ok: false, status: 400, formError: `Attach at most ${limits.maxFiles} files.`, code: 'too_many', max: limits.maxFiles, headers: {} };
  }
  return { ok: true, fields, files: uploaded };
}

class TooManyFilesError extends Error {}
class TooManyPartsError extends Error {}

/**
 * No body larger than this is read by anyone. Forms get their friendly 1 MB limit from
 * readForm (app/utils/form.server.ts); this cap bounds what any route, uploads included, sees.
 */
export const BODY_HARD_LIMIT_BYTES = 50 * 1024 * 1024;
