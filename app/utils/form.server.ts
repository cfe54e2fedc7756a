import { json } from '@remix-run/node';
import type { z } from 'zod';
import { fieldErrors, type FieldErrors, type FormFields, type FormState } from '~/utils/form-state';

export const MAX_FORM_BYTES = 1_048_576;

/** The field error for a NUL character (a catalog key: public pages translate it). */
export const NUL_ERROR = 'errors.control';

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

export { fieldErrors, type FieldErrors, type FormFields, type FormState };

/** Which submitted fields may be echoed back on error: a list of what to echo, not of what to hide. */
export type EchoOptions = { keep?: readonly string[] };

/**
 * An error answer (400 unless told) with the errors and what was typed in the fields named in
 * `keep`, so a password field can never be sent back by omission.
 */
export function badRequest<Extra extends object = object>(
  state: FormState & Extra,
  options: EchoOptions & { status?: number; headers?: HeadersInit } = {},
) {
  const values: FormFields = {};
  for (const key of options.keep ?? []) {
    const value = state.values?.[key];
    if (value !== undefined) values[key] = value.slice(0, 6000);
  }
  return json<FormState & Extra>({ ...state, values }, { status: options.status ?? 400, headers: options.headers });
}

export type ParsedForm<T> =
  | { ok: true; data: T; fields: FormFields }
  | { ok: false; fields: FormFields; reply: ReturnType<typeof badRequest> };

/**
 * The one way an action reads its form: the strict reader (bounded, UTF-8, URL-encoded only:
 * 413/415/400 otherwise), then the zod schema, first error per field. On failure `reply` is the
 * answer to return as it is; `formError` is shown above the fields when validation fails.
 */
export async function parseForm<S extends z.ZodType>(
  request: Request,
  schema: S,
  options: EchoOptions & { formError?: string; headers?: HeadersInit } = {},
): Promise<ParsedForm<z.output<S>>> {
  const form = await readForm(request);
  if (!form.ok) return { ok: false, fields: {}, reply: refuseForm(form, options.headers) };
  return validateFields(schema, form.fields, options);
}

/** The answer to a body the strict reader refused (413 too large, 415 another encoding, 400 bad text). */
export function refuseForm(refusal: Extract<FormReadResult, { ok: false }>, headers?: HeadersInit) {
  return badRequest({ formError: refusal.formError }, { status: refusal.status, headers: { ...Object.fromEntries(new Headers(headers)), ...refusal.headers } });
}

/**
 * The second half of `parseForm`, for a form already read: an action with several intents
 * reads once, picks the schema by intent, then validates here.
 */
export function validateFields<S extends z.ZodType>(
  schema: S,
  fields: FormFields,
  options: EchoOptions & { formError?: string; headers?: HeadersInit } = {},
): ParsedForm<z.output<S>> {
  const result = schema.safeParse(fields);
  // PostgreSQL cannot store U+0000 in text: whatever a schema lets through, a NUL is refused here
  // (schemas say so in their own words first; this is the net under all of them).
  const withNul = result.success ? keysHoldingNul(result.data) : [];
  if (result.success && withNul.length === 0) return { ok: true, data: result.data, fields };
  const errors = result.success ? {} : fieldErrors(result.error);
  for (const key of withNul) errors[key] ??= NUL_ERROR;
  const state: FormState = { fieldErrors: errors, values: fields };
  if (options.formError) state.formError = options.formError;
  return { ok: false, fields, reply: badRequest(state, options) };
}

/** The top-level keys of a parsed form whose value (or a string inside it) holds U+0000. */
function keysHoldingNul(data: unknown): string[] {
  if (data === null || typeof data !== 'object') return [];
  const holds = (value: unknown): boolean =>
    typeof value === 'string' ? value.includes('\u0000') : Array.isArray(value) ? value.some(holds) : false;
  return Object.entries(data).filter(([, value]) => holds(value)).map(([key]) => key);
}
