/**
 * HTTP helpers of the monitor API (Statuspage's `/api/v1/pages/{page_id}/…` shapes and the
 * Uptime Kuma webhook): the bearer key is checked before the body is read, the body must be
 * JSON of at most 64 KB in valid UTF-8, and every refusal is a JSON 4xx that says why.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { loadPageState } from '~/models/status/components.server';
import { authenticateApiToken, type ApiToken, type TokenScope } from '~/models/status/tokens.server';

export const MAX_JSON_BYTES = 64 * 1024;

export function apiError(status: number, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ error: message }, { status, headers: { 'Cache-Control': 'no-store', ...headers } });
}

export function apiJson(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { 'Cache-Control': 'no-store', ...headers } });
}

/** Answers with a Response to throw, or the token when the key is good and the page id is ours. */
export async function requireApiKey(
  { request, params, context }: LoaderFunctionArgs | ActionFunctionArgs,
  scope: TokenScope,
  options: { checkPage?: boolean } = {},
): Promise<ApiToken> {
  const check = await authenticateApiToken(context.db, request.headers.get('Authorization'), scope);
  if (!check.ok) throw apiError(check.status, check.reason, check.status === 401 ? { 'WWW-Authenticate': 'Bearer realm="status"' } : {});
  if (options.checkPage !== false) {
    const { pageId } = await loadPageState(context.db);
    if (params.pageId !== pageId) throw apiError(404, 'No such page. Use the page id from /api/v2/summary.json.');
  }
  return check.token;
}

/** The request's JSON body, or a Response to throw (415, 413, 400). */
export async function readJsonBody(request: Request): Promise<unknown> {
  const type = (request.headers.get('Content-Type') ?? '').toLowerCase();
  if (!/^application\/([\w.+-]+\+)?json\b/.test(type)) throw apiError(415, 'Send the body as JSON (Content-Type: application/json).');
  const declared = Number(request.headers.get('Content-Length') ?? '0');
  // Too large: read the rest and drop it (the server caps any body at 50 MB), so the client,
  // still sending, gets the answer instead of a closed connection.
  const tooLarge = async (reader?: ReadableStreamDefaultReader<Uint8Array>) => {
    if (reader) for (let rest = await reader.read(); !rest.done; rest = await reader.read());
    return apiError(413, `The body is larger than ${MAX_JSON_BYTES / 1024} KB.`);
  };
  if (declared > MAX_JSON_BYTES) throw await tooLarge(request.body?.getReader());
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_JSON_BYTES) throw await tooLarge(reader);
      chunks.push(value);
    }
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw apiError(400, 'The body is not valid UTF-8.');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw apiError(400, 'The body is not valid JSON.');
  }
}

export function methodNotAllowed(allow: string): Response {
  return apiError(405, `Use ${allow}.`, { Allow: allow });
}
