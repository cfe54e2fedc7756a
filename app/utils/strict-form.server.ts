/**
 * Reads a URL-encoded form body strictly: at most 1 MB, and text that is not valid UTF-8 is
 * refused rather than silently turned into replacement characters, so what is stored is
 * exactly what the person typed. A repeated field keeps its first value.
 */
export const MAX_FORM_BYTES = 1_048_576;

export type StrictFormResult =
  | { ok: true; fields: Record<string, string> }
  | { ok: false; status: 400 | 413 | 415; formError: string; headers: Record<string, string> };

const INVALID_TEXT = 'The form contained text that is not valid UTF-8. Please retype it and send it again.';

export async function readStrictForm(request: Request, maxBytes = MAX_FORM_BYTES): Promise<StrictFormResult> {
  const type = (request.headers.get('Content-Type') ?? '').toLowerCase();
  if (!type.startsWith('application/x-www-form-urlencoded')) {
    return { ok: false, status: 415, formError: 'The form could not be read. Please send it from the page.', headers: {} };
  }
  // The unread rest of the body would otherwise stall the next request on this connection.
  const tooLarge = {
    ok: false,
    status: 413,
    formError: 'The form is larger than 1 MB. Please shorten it.',
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
  const fields: Record<string, string> = {};
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
