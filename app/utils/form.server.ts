import { json } from '@remix-run/node';
import type { z } from 'zod';

/** The largest form body accepted; larger ones get a 400 without being read to the end. */
export const MAX_FORM_BYTES = 1_048_576;

const DRAIN_CAP_BYTES = 16 * MAX_FORM_BYTES;

export type FormFields = Record<string, string>;
export type FormReadResult = { ok: true; fields: FormFields } | { ok: false; formError: string };

/**
 * Reads a URL-encoded form body (what a Remix <Form> or a plain HTML form posts) with a size
 * limit. A repeated field keeps its first value; files and other encodings are refused.
 */
export async function readForm(request: Request, maxBytes = MAX_FORM_BYTES): Promise<FormReadResult> {
  const type = request.headers.get('Content-Type') ?? '';
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    return { ok: false, formError: 'The form could not be read. Please submit it from the page.' };
  }
  const tooLarge = { ok: false, formError: 'The form is too large (over 1 MB). Please shorten what you entered.' } as const;
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      // Past the limit, read on without keeping anything: a client still sending its body
      // would not read our answer. Past the drain cap, cut the connection instead.
      if (size > DRAIN_CAP_BYTES) {
        await reader.cancel().catch(() => {});
        break;
      }
      if (size <= maxBytes) chunks.push(value);
    }
  }
  if (size > maxBytes) return tooLarge;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks));
  const fields: FormFields = {};
  for (const [key, value] of new URLSearchParams(text)) {
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
