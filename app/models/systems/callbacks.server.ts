import { z } from 'zod';
import { recordAudit } from '~/models/audit.server';
import { recordTaskAnswer, TaskAnswerError } from '~/models/systems/answers.server';
import { applyOpenDsrStatus, type DeliveryDeps } from '~/models/systems/delivery.server';
import { OpenDsrVerificationError, verifyOpenDsrCallback } from '~/models/systems/opendsr.server';
import { outboundRequest } from '~/models/systems/outbound.server';
import { activeSecrets } from '~/models/systems/secrets.server';
import { hashToken } from '~/models/systems/tasks.server';
import { verifyWebhook, WebhookSignatureError } from '~/models/systems/webhook-signing.server';

/**
 * The answers systems send back (issue 19.4). Every refusal is an audit event with its reason
 * and never with the token, the signature or the body.
 *
 * - A webhook callback is a Standard Webhooks signed POST under the system's secret (the current
 *   one, or the previous during a rotation's overlap), less than 5 minutes old, whose JSON carries
 *   the task's one-time token. The signature is checked over the raw bytes before the JSON is
 *   read; the token is spent in the transaction that records the answer.
 * - An OpenDSR callback must come from the allowlisted processor domain and be signed under the
 *   certificate its `/discovery` names, with a valid chain (checked before anything is parsed).
 */
export const CALLBACK_MAX_BYTES = 30 * 1024 * 1024;

const callbackSchema = z.object({
  token: z.string().min(20).max(200),
  outcome: z.enum(['data', 'no_data', 'erased', 'refused']),
  note: z.string().max(2000).optional().nullable(),
  files: z
    .array(z.object({ name: z.string().min(1).max(200), content_base64: z.string().max(28 * 1024 * 1024) }))
    .max(10)
    .optional(),
});

export type CallbackResult = { status: number; body: { ok: boolean; error?: string } };

async function refuse(deps: Pick<DeliveryDeps, 'db'>, taskId: string, requestId: string | null, status: number, reason: string, ip: string | null): Promise<CallbackResult> {
  await recordAudit(deps.db, {
    actorId: null,
    ip,
    action: 'system.callback_refused',
    targetType: requestId ? 'request' : 'system_task',
    targetId: requestId ?? taskId.slice(0, 36),
    details: { task: taskId.slice(0, 36), reason },
  });
  return { status, body: { ok: false, error: reason } };
}

async function loadCallbackTask(deps: Pick<DeliveryDeps, 'db'>, taskId: string) {
  if (!/^[0-9a-f-]{36}$/i.test(taskId)) return undefined;
  return deps.db
    .selectFrom('system_tasks as t')
    .innerJoin('connected_systems as s', 's.id', 't.system_id')
    .select(['t.id', 't.request_id', 't.state', 's.id as system_id', 's.kind', 's.name', 's.secret_enc', 's.previous_secret_enc', 's.previous_secret_valid_until', 's.settings', 's.allowlisted_host'])
    .where('t.id', '=', taskId)
    .executeTakeFirst();
}

export async function receiveWebhookCallback(
  deps: DeliveryDeps,
  input: { taskId: string; body: Buffer; headers: Record<string, string | undefined>; ip: string | null },
): Promise<CallbackResult> {
  const task = await loadCallbackTask(deps, input.taskId);
  if (!task || task.kind !== 'webhook') return refuse(deps, input.taskId, null, 404, 'no such webhook task', input.ip);
  const requestId = String(task.request_id);
  try {
    verifyWebhook(activeSecrets({ ...task, id: task.system_id }, deps.config.secrets.connectorKey), input.body, input.headers);
  } catch (error) {
    if (error instanceof WebhookSignatureError) return refuse(deps, task.id, requestId, 401, `signature refused: ${error.message}`, input.ip);
    throw error;
  }
  let parsed: z.infer<typeof callbackSchema>;
  try {
    const result = callbackSchema.safeParse(JSON.parse(input.body.toString('utf8')));
    if (!result.success) return refuse(deps, task.id, requestId, 422, `the answer does not fit: ${result.error.issues[0]?.path.join('.') || 'body'}`, input.ip);
    parsed = result.data;
  } catch {
    return refuse(deps, task.id, requestId, 400, 'the body is not JSON', input.ip);
  }
  const files = (parsed.files ?? []).map((f) => ({ filename: f.name, bytes: Buffer.from(f.content_base64, 'base64') }));
  try {
    await recordTaskAnswer(
      deps.db,
      { taskId: task.id, outcome: parsed.outcome, note: parsed.note ?? null, files, how: 'signature', by: `${task.name} (signed callback ${String(input.headers['webhook-id'] ?? '').slice(0, 80)})`, tokenHash: hashToken(parsed.token) },
      { exportKey: deps.config.secrets.exportKey, now: deps.now?.() },
    );
  } catch (error) {
    if (error instanceof TaskAnswerError) return refuse(deps, task.id, requestId, 409, error.message, input.ip);
    throw error;
  }
  await recordAudit(deps.db, { actorId: null, ip: input.ip, action: 'system.callback_accepted', targetType: 'request', targetId: requestId, details: { task: task.id, system: task.system_id, outcome: parsed.outcome, files: files.length } });
  return { status: 200, body: { ok: true } };
}

const certificates = new Map<string, { pem: string; fetched: number }>();
const CERTIFICATE_CACHE_MS = 3600_000;

async function certificateFor(deps: DeliveryDeps, url: string, allowlistedHost: string | null): Promise<string> {
  const cached = certificates.get(url);
  if (cached && Date.now() - cached.fetched < CERTIFICATE_CACHE_MS) return cached.pem;
  const response = await outboundRequest(url, { method: 'GET', allowlistedHost, lookup: deps.lookup, maxBytes: 64 * 1024 });
  if (response.status !== 200) throw new OpenDsrVerificationError(`the processor certificate answered ${response.status}`);
  const pem = response.body.toString('utf8');
  certificates.set(url, { pem, fetched: Date.now() });
  return pem;
}

export async function receiveOpenDsrCallback(
  deps: DeliveryDeps,
  input: { taskId: string; body: Buffer; headers: Record<string, string | undefined>; ip: string | null },
): Promise<CallbackResult> {
  const task = await loadCallbackTask(deps, input.taskId);
  if (!task || task.kind !== 'opendsr') return refuse(deps, input.taskId, null, 404, 'no such OpenDSR task', input.ip);
  const requestId = String(task.request_id);
  const settings = (task.settings ?? {}) as { processorDomain?: string; certificateUrl?: string; trustedRootPem?: string };
  let status: unknown;
  try {
    if (!settings.certificateUrl) throw new OpenDsrVerificationError('the processor’s certificate is not known yet (no discovery)');
    status = verifyOpenDsrCallback(
      { body: input.body, signature: input.headers['x-opendsr-signature'], processorDomain: input.headers['x-opendsr-processor-domain'] },
      {
        allowedDomains: settings.processorDomain ? [settings.processorDomain] : [],
        certificatePem: await certificateFor(deps, settings.certificateUrl, task.allowlisted_host),
        now: deps.now?.() ?? new Date(),
        extraRoots: [...(deps.extraRoots ?? []), ...(settings.trustedRootPem ? [settings.trustedRootPem] : [])],
      },
    );
  } catch (error) {
    if (error instanceof OpenDsrVerificationError) return refuse(deps, task.id, requestId, 403, error.message, input.ip);
    return refuse(deps, task.id, requestId, 403, 'the processor certificate could not be fetched', input.ip);
  }
  const parsed = status as { request_status?: string; results_url?: string | null; subject_request_id?: string };
  let applied: string;
  try {
    applied = await applyOpenDsrStatus(deps, task.id, parsed, { how: 'signature', now: deps.now?.() ?? new Date() });
  } catch (error) {
    if (error instanceof TaskAnswerError) return refuse(deps, task.id, requestId, 409, error.message, input.ip);
    throw error;
  }
  await recordAudit(deps.db, { actorId: null, ip: input.ip, action: 'system.callback_accepted', targetType: 'request', targetId: requestId, details: { task: task.id, system: task.system_id, status: String(parsed.request_status ?? '').slice(0, 40), applied } });
  return { status: 200, body: { ok: true } };
}

/** Reads a body up to `max` bytes; null when larger. */
export async function readRawBody(request: Request, max: number = CALLBACK_MAX_BYTES): Promise<Buffer | null> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > max) return null;
  if (!request.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}
