import { json } from '@remix-run/node';
import type { z } from 'zod';

export const MAX_FORM_BYTES = 1_048_576;

export type FormFields = Record<string, string>;
export type FormReadResult =
  | { ok: true; fields: FormFields }
  | { ok: false; status: 400 | 413 | 415; formError: string; headers: Record<string, string> };

const INVALID_TEXT = 'The form contained text that is not valid UTF-8. Please retype it and send it again.';

/**
 * Reads a URL-encoded form body (what a Remix <Form> or a plain HTML form posts) strictly: at
 * most 1 MB, and text that is not valid UTF-8 is refused rather than silently turned into
 * replacement characters, so what is stored is exactly what the person typed. A repeated
 * field keeps its first value; files and other encodings are refused. `status` says how a
 * route may answer a refusal (413 too large, 415 another encoding, 400 bad text).
 */
export async function readForm(request: Request, maxBytes = MAX_FORM_BYTES): Promise<FormReadResult> {
  const type = (request.headers.get('Content-Type') ?? '').toLowerCase();
  if (!type.startsWith('application/x-www-form-urlencoded')) {
    return { ok: false, status: 415, formError: 'The form could not be read. Please send it from the page.', headers: {} };
  }
  // The unread rest of the body would otherwise stall the next request on this connection.
  const tooLarge = {
    ok: false,
    status: 413,
    formError: 'The form is too large (over 1 MB). Please shorten what you entered.',
    headers: { Connection: 'close' },
  } as const;
  if (Number(request.headers.get('Content-Length') ?? '0') > maxBytes) {
    // Read and discard (the server caps any body at 50 MB): an unread body left on a
    // keep-alive connection stalls the client's next request.
    const reader = request.body?.getReader();
    if (reader) for (let rest = await reader.read(); !rest.done; rest = await reader.read());
    return tooLarge;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        for (let rest = await reader.read(); !rest.done; rest = await reader.read());
        return tooLarge;
      }
      chunks.push(value);
    }
  }
  let body: string;
  try {
    body = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    return { ok: false, status: 400, formError: INVALID_TEXT, headers: {} };
  }
  const fields: FormFields = {};
  for (const pair of body.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
    let key: string;
    let value: string;
    try {
      // decodeURIComponent throws on percent-escapes that are not UTF-8, unlike URLSearchParams.
      key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
      value = decodeURIComponent(rawValue.replace(/\+/g, ' '));
    } catch {
      return { ok: false, status: 400, formError: INVALID_TEXT, headers: {} };
    }
    if (!(key in fields)) fields[key] = value;
  }
  return { ok: true, fields };
}

export type FieldErrors = Record<string, string>;

/** Validates fields with a zod schema; one message per field (the first), keyed by field name. */
export function parseFields<S extends z.ZodType>(
  schema: S,
  fields: FormFields,
): { ok: true; data: z.output<S> } | { ok: false; fieldErrors: FieldErrors } {
  const result = schema.safeParse(fields);
  if (result.success) return { ok: true, data: result.data };
  const fieldErrors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const key = String(issue.path[0] ?? 'form');
    fieldErrors[key] ??= issue.message;
  }
  return { ok: false, fieldErrors };
}

export type FormState = {
  formError?: string;
  fieldErrors?: FieldErrors;
  /** What was typed, to fill the form again; never a password. */
  values?: FormFields;
};

/**
 * A 400 answer with the errors and what was typed in the fields named in `keep`: a list of
 * what to echo rather than what to hide, so a password field can never be sent back by omission.
 */
export function badRequest(state: FormState, options: { keep?: string[]; headers?: HeadersInit } = {}) {
  const values: FormFields = {};
  for (const key of options.keep ?? []) {
    const value = state.values?.[key];
    if (value !== undefined && value.length <= 1000) values[key] = value;
  }
  return json<FormState>({ ...state, values }, { status: 400, headers: options.headers });
}
