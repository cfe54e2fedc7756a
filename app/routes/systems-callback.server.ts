import type { ActionFunctionArgs } from '@remix-run/node';
import { readRawBody, type CallbackResult } from '~/models/systems/callbacks.server';
import type { DeliveryDeps } from '~/models/systems/delivery.server';

/** What the callback endpoints share: POST only, a capped raw body, JSON answers, no caching. */
export async function handleCallback(
  { request, params, context }: ActionFunctionArgs,
  receive: (deps: DeliveryDeps, input: { taskId: string; body: Buffer; headers: Record<string, string | undefined>; ip: string | null }) => Promise<CallbackResult>,
): Promise<Response> {
  if (request.method !== 'POST') return answer({ status: 405, body: { ok: false, error: 'POST only' } }, { Allow: 'POST' });
  const body = await readRawBody(request);
  if (!body) return answer({ status: 413, body: { ok: false, error: 'the body is too large' } }, { Connection: 'close' });
  const headers: Record<string, string | undefined> = {};
  request.headers.forEach((value, key) => {
    headers[key.toLowerCase()] = value;
  });
  const result = await receive({ db: context.db, config: context.config, logger: context.logger }, { taskId: params.id ?? '', body, headers, ip: context.clientIp });
  return answer(result);
}

function answer(result: CallbackResult, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(result.body), { status: result.status, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers } });
}

export function notFound() {
  return new Response('Not found', { status: 404 });
}
