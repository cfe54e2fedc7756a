import type { LookupFunction } from 'node:net';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { recordAudit } from '~/models/audit.server';
import { enqueueJob } from '~/models/jobs.server';
import { queueMail, renderMail } from '~/models/mail.server';
import { organisationFooter } from '~/models/requests/mail.server';
import { activeSecrets, decryptSecret } from '~/models/systems/secrets.server';
import { OutboundError, outboundRequest, type OutboundResponse } from '~/models/systems/outbound.server';
import { openDsrRequestBody, parseDiscovery } from '~/models/systems/opendsr.server';
import { webhookHeaders } from '~/models/systems/webhook-signing.server';
import { recordTaskAnswer, TaskAnswerError } from '~/models/systems/answers.server';
import { CANCEL_JOB, DELIVER_JOB, hashToken, OPEN_TASK_STATES, SWEEP_JOB, taskToken, TOKEN_GRACE_DAYS } from '~/models/systems/tasks.server';
import { isLanguage, tFor, type Language } from '~/utils/i18n';
import type { Config } from '~/utils/env.server';
import type { Logger } from '~/utils/logger.server';
import type { DB } from '../../../db/client';
import type { JobHandlers } from '~/models/jobs.server';

/**
 * Delivery of each task to its system (issue 19.3), on the job queue:
 *
 * - webhooks: a Standard Webhooks signed POST whose `webhook-id` is the task's delivery id, the
 *   same on every retry; a 2xx means "received, answer to come" (the task waits for its
 *   callback); 429 waits for `Retry-After`; 410 disables the system and tells the
 *   administrators; anything else (3xx included: redirects are not followed, a timeout, a
 *   refused address) is retried on the specification's schedule with jitter, then dead-lettered;
 * - OpenDSR: `/discovery`, then `POST /requests` with our callback URL; the processor's signed
 *   answer is kept as the receipt, and the sweep polls `/requests/{id}` when no callback comes;
 * - manual: a mail to the owner, in the owner's language, with a single-use task link, and a
 *   reminder every 5 days until the deadline.
 *
 * A job never throws for a failed delivery (the task records it and the next attempt is its own
 * job), so the job queue's own backoff is used only when the database itself fails.
 */
export const RETRY_SCHEDULE_SECONDS = [0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400] as const;
export const MANUAL_REMINDER_DAYS = 5;
export const OPENDSR_POLL_HOURS = 6;
const SWEEP_MINUTES = 5;
const MAX_RETRY_AFTER_SECONDS = 24 * 3600;

/** The delay before attempt `made + 1`, with ±10 % jitter; null once the schedule is spent. */
export function nextRetryDelayMs(made: number, random: () => number = Math.random): number | null {
  if (made >= RETRY_SCHEDULE_SECONDS.length) return null;
  const base = RETRY_SCHEDULE_SECONDS[made]! * 1000;
  return Math.round(base * (0.9 + 0.2 * random()));
}

/** `Retry-After` as seconds or an HTTP date; capped at a day. */
export function retryAfterMs(value: string | undefined, now: Date): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  let seconds: number;
  if (/^\d+$/.test(trimmed)) seconds = Number(trimmed);
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return null;
    seconds = Math.max(0, (at - now.getTime()) / 1000);
  }
  return Math.min(seconds, MAX_RETRY_AFTER_SECONDS) * 1000;
}

export type DeliveryDeps = {
  db: DB;
  config: Pick<Config, 'publicUrl' | 'secrets' | 'organisation' | 'timeZone'>;
  logger?: Logger;
  /** Tests pass a stub resolver, so that no name is looked up for real. */
  lookup?: LookupFunction;
  /** Extra trusted roots for OpenDSR certificate chains (tests: the test's own CA). */
  extraRoots?: string[];
  now?: () => Date;
  /** The whole call's limit (default 15 s); tests shorten it. */
  timeoutMs?: number;
};

async function loadTask(db: DB, taskId: string) {
  if (!/^[0-9a-f-]{36}$/i.test(taskId)) return undefined;
  return db
    .selectFrom('system_tasks as t')
    .innerJoin('connected_systems as s', 's.id', 't.system_id')
    .innerJoin('requests as r', 'r.id', 't.request_id')
    .select([
      't.id', 't.state', 't.attempts', 't.delivery_id', 't.due_at', 't.created_at', 't.sent_at', 't.external_id', 't.token_hash', 't.request_id',
      's.id as system_id', 's.name as system_name', 's.kind', 's.endpoint_url', 's.allowlisted_host', 's.settings', 's.secret_enc', 's.previous_secret_enc',
      's.previous_secret_valid_until', 's.identities', 's.owner_email', 's.owner_lang', 's.enabled',
      'r.reference', 'r.type', 'r.email', 'r.name', 'r.account_identifier', 'r.aliases', 'r.user_id', 'r.requester_role', 'r.subject_email', 'r.subject_name', 'r.received_at', 'r.created_at as request_created_at', 'r.state as request_state',
    ])
    .where('t.id', '=', taskId)
    .executeTakeFirst();
}
type LoadedTask = NonNullable<Awaited<ReturnType<typeof loadTask>>>;

/** The identities the system is sent, chosen in its registry entry; the person's, not an agent's. */
export function identitiesFor(task: Pick<LoadedTask, 'identities' | 'email' | 'name' | 'account_identifier' | 'aliases' | 'user_id' | 'requester_role' | 'subject_email' | 'subject_name'>) {
  const agent = task.requester_role === 'representative';
  const all: Record<string, string | null> = {
    email: (agent ? task.subject_email : task.email) || null,
    account_id: task.account_identifier || task.user_id || null,
    name: (agent ? task.subject_name : task.name) || null,
    identifiers: task.aliases || null,
  };
  const out: Record<string, string> = {};
  for (const kind of task.identities) if (all[kind]) out[kind] = all[kind]!;
  return out;
}

const settingsOf = (task: Pick<LoadedTask, 'settings'>) => (task.settings ?? {}) as { processorDomain?: string; v3?: boolean; certificateUrl?: string; trustedRootPem?: string };

async function attempt(deps: DeliveryDeps, task: LoadedTask, fields: Record<string, unknown>, audit: Record<string, unknown>) {
  const now = deps.now?.() ?? new Date();
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('system_tasks')
      .set({ ...fields, last_attempt_at: now, updated_at: now })
      .where('id', '=', task.id)
      // A task answered, cancelled or skipped meanwhile keeps that state.
      .where('state', 'in', ['pending', 'sent', 'waiting', 'failed'])
      .execute();
    await recordAudit(trx, { actorId: null, action: 'system.attempt', targetType: 'request', targetId: String(task.request_id), details: { task: task.id, system: task.system_id, attempt: task.attempts + 1, ...audit } });
  });
}

/** A failed attempt: retried on the schedule (or at Retry-After), dead-lettered when spent. */
async function failed(deps: DeliveryDeps, task: LoadedTask, error: { status?: number; reason: string; retryAfterMs?: number | null }) {
  const made = task.attempts + 1;
  const delay = error.retryAfterMs ?? nextRetryDelayMs(made);
  const now = deps.now?.() ?? new Date();
  const last = `${error.status ? `${error.status}: ` : ''}${error.reason}`.slice(0, 200);
  if (delay === null) {
    await attempt(deps, task, { attempts: made, state: 'dead', last_status: error.status ?? null, last_error: last, next_attempt_at: null }, { ok: false, status: error.status ?? null, reason: error.reason, dead: true });
    deps.logger?.warn({ task: task.id, system: task.system_name, attempts: made }, 'system delivery dead-lettered');
    return;
  }
  const at = new Date(now.getTime() + delay);
  await attempt(deps, task, { attempts: made, state: 'failed', last_status: error.status ?? null, last_error: last, next_attempt_at: at }, { ok: false, status: error.status ?? null, reason: error.reason });
  await enqueueJob(deps.db, { kind: DELIVER_JOB, payload: { taskId: task.id }, runAt: at, dedupeKey: `${DELIVER_JOB}:${task.id}:${made + 1}`, maxAttempts: 3 });
}

function outboundReason(error: unknown): { status?: number; reason: string } {
  if (error instanceof OutboundError) return { status: error.status, reason: error.message };
  return { reason: 'the call failed' };
}

function statusReason(response: OutboundResponse) {
  return { status: response.status, reason: `answered ${response.status}` };
}

/** Disables a system that answered 410 Gone and tells the administrators. */
async function disableGone(deps: DeliveryDeps, task: LoadedTask) {
  const now = deps.now?.() ?? new Date();
  await deps.db.transaction().execute(async (trx) => {
    await trx.updateTable('connected_systems').set({ enabled: false, disabled_reason: `Answered 410 Gone on ${now.toISOString().slice(0, 10)}: the endpoint says it no longer exists.`, updated_at: now }).where('id', '=', task.system_id).execute();
    await trx
      .updateTable('system_tasks')
      .set({ state: 'failed', attempts: task.attempts + 1, last_status: 410, last_error: '410: the endpoint is gone; the system was disabled', next_attempt_at: null, last_attempt_at: now, updated_at: now })
      .where('id', '=', task.id)
      .execute();
    await recordAudit(trx, { actorId: null, action: 'system.disabled', targetType: 'system', targetId: task.system_id, details: { status: 410 } });
    const admins = await trx.selectFrom('users').select('email').where('role', '=', 'admin').execute();
    for (const admin of admins) {
      const content = renderMail({
        heading: `${task.system_name} was disabled`,
        paragraphs: [
          `${task.system_name} answered 410 Gone to a request sent to it (${task.reference}): its endpoint says it no longer exists. The portal disabled the system so that no more requests are sent there.`,
          'Fix its endpoint and enable it again on its page; then retry the tasks that failed.',
        ],
        action: { label: 'Open the system', url: `${deps.config.publicUrl}/staff/systems/${task.system_id}` },
      });
      await queueMail(trx, { to: admin.email, subject: `Connected system disabled: ${task.system_name}`, ...content });
    }
  });
}

function callbackUrl(deps: DeliveryDeps, task: Pick<LoadedTask, 'id'>) {
  return `${deps.config.publicUrl}/api/systems/tasks/${task.id}/callback`;
}

async function ensureToken(deps: DeliveryDeps, task: LoadedTask): Promise<string> {
  const token = taskToken(deps.config.secrets.connectorKey, task);
  if (!task.token_hash && task.state !== 'answered') {
    const expires = new Date(new Date(task.due_at ?? Date.now()).getTime() + TOKEN_GRACE_DAYS * 86_400_000);
    await deps.db.updateTable('system_tasks').set({ token_hash: hashToken(token), token_expires_at: expires }).where('id', '=', task.id).where('token_hash', 'is', null).execute();
  }
  return token;
}

function webhookPayload(deps: DeliveryDeps, task: LoadedTask, token: string) {
  return JSON.stringify({
    type: 'dsr.requested',
    timestamp: new Date(task.created_at).toISOString(),
    data: {
      task_id: task.id,
      reference: task.reference,
      request_type: task.type,
      received_at: task.received_at ? new Date(task.received_at).toISOString() : null,
      due_at: task.due_at ? new Date(task.due_at).toISOString() : null,
      identities: identitiesFor(task),
      callback_url: callbackUrl(deps, task),
      callback_token: token,
    },
  });
}

async function deliverWebhook(deps: DeliveryDeps, task: LoadedTask) {
  if (!task.endpoint_url) return failed(deps, { ...task, attempts: RETRY_SCHEDULE_SECONDS.length }, { reason: 'the system has no endpoint URL' });
  const secrets = activeSecrets({ ...task, id: task.system_id }, deps.config.secrets.connectorKey);
  if (secrets.length === 0) return failed(deps, { ...task, attempts: RETRY_SCHEDULE_SECONDS.length }, { reason: 'the system has no signing secret' });
  const token = await ensureToken(deps, task);
  const payload = webhookPayload(deps, task, token);
  const now = deps.now?.() ?? new Date();
  let response: OutboundResponse;
  try {
    response = await outboundRequest(task.endpoint_url, {
      method: 'POST',
      headers: { ...webhookHeaders(secrets, task.delivery_id!, now, payload), 'content-type': 'application/json', 'user-agent': 'PrivacyPortal-Webhooks/1' },
      body: payload,
      allowlistedHost: task.allowlisted_host,
      lookup: deps.lookup,
      maxBytes: 64 * 1024,
      timeoutMs: deps.timeoutMs,
    });
  } catch (error) {
    return failed(deps, task, outboundReason(error));
  }
  if (response.status >= 200 && response.status < 300) {
    await attempt(deps, task, { attempts: task.attempts + 1, state: 'waiting', sent_at: now, last_status: response.status, last_error: null, next_attempt_at: null }, { ok: true, status: response.status });
    return;
  }
  if (response.status === 410) return disableGone(deps, task);
  if (response.status === 429) return failed(deps, task, { ...statusReason(response), retryAfterMs: retryAfterMs(response.headers['retry-after'], now) ?? nextRetryDelayMs(task.attempts + 1) });
  return failed(deps, task, statusReason(response));
}

function openDsrBase(task: LoadedTask) {
  return (task.endpoint_url ?? '').replace(/\/+$/, '');
}

function openDsrHeaders(deps: DeliveryDeps, task: LoadedTask): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'PrivacyPortal-OpenDSR/1' };
  if (task.secret_enc) headers.authorization = `Bearer ${decryptSecret(task.secret_enc, deps.config.secrets.connectorKey, task.system_id)}`;
  return headers;
}

const OPENDSR_TYPES: Record<string, 'access' | 'portability' | 'erasure'> = { access: 'access', portability: 'portability', erasure: 'erasure' };

async function deliverOpenDsr(deps: DeliveryDeps, task: LoadedTask) {
  const type = OPENDSR_TYPES[task.type];
  const now = deps.now?.() ?? new Date();
  if (!type) {
    await skipTask(deps.db, task.id, `OpenDSR has no request type for ${task.type}`, null, now);
    return;
  }
  if (!task.endpoint_url) return failed(deps, { ...task, attempts: RETRY_SCHEDULE_SECONDS.length }, { reason: 'the system has no endpoint URL' });
  const base = openDsrBase(task);
  const call = { allowlistedHost: task.allowlisted_host, lookup: deps.lookup, headers: openDsrHeaders(deps, task), maxBytes: 256 * 1024, timeoutMs: deps.timeoutMs };
  let discovery: ReturnType<typeof parseDiscovery>;
  try {
    const found = await outboundRequest(`${base}/discovery`, { ...call, method: 'GET' });
    if (found.status !== 200) return failed(deps, task, { status: found.status, reason: `discovery answered ${found.status}` });
    discovery = parseDiscovery(JSON.parse(found.body.toString('utf8')));
  } catch (error) {
    return failed(deps, task, error instanceof OutboundError ? outboundReason(error) : { reason: 'the discovery answer could not be read' });
  }
  if (discovery.types.length > 0 && !discovery.types.includes(type)) {
    await skipTask(deps.db, task.id, `The processor does not take ${type} requests (its /discovery)`, null, now);
    return;
  }
  const settings = settingsOf(task);
  if (settings.certificateUrl !== discovery.certificateUrl) {
    await deps.db.updateTable('connected_systems').set({ settings: JSON.stringify({ ...settings, certificateUrl: discovery.certificateUrl }) }).where('id', '=', task.system_id).execute();
  }
  const body = openDsrRequestBody({
    requestId: task.id,
    type,
    submittedAt: new Date(task.received_at ?? task.request_created_at),
    identities: Object.entries(identitiesFor(task))
      .filter(([kind]) => kind === 'email')
      .map(([, value]) => ({ type: 'email', value: value.toLowerCase() })),
    callbackUrl: `${deps.config.publicUrl}/api/systems/opendsr/${task.id}`,
    v3Identities: settings.v3 === true,
  });
  let response: OutboundResponse;
  try {
    response = await outboundRequest(`${base}/requests`, { ...call, method: 'POST', body: JSON.stringify(body) });
  } catch (error) {
    return failed(deps, task, outboundReason(error));
  }
  if (response.status === 410) return disableGone(deps, task);
  if (response.status === 429) return failed(deps, task, { ...statusReason(response), retryAfterMs: retryAfterMs(response.headers['retry-after'], now) ?? nextRetryDelayMs(task.attempts + 1) });
  if (response.status < 200 || response.status >= 300) return failed(deps, task, statusReason(response));
  let answer: { subject_request_id?: string; encoded_request?: string; received_time?: string; expected_completion_time?: string };
  try {
    answer = JSON.parse(response.body.toString('utf8'));
  } catch {
    return failed(deps, task, { status: response.status, reason: 'the processor’s answer is not JSON' });
  }
  // The processor's signed acknowledgement is the receipt (OpenDSR: encoded_request + X-OpenDSR-Signature).
  const receipt = {
    encoded_request: typeof answer.encoded_request === 'string' ? answer.encoded_request.slice(0, 20_000) : null,
    processor_signature: response.headers['x-opendsr-signature'] ?? null,
    processor_domain: response.headers['x-opendsr-processor-domain'] ?? null,
    received_time: answer.received_time ?? null,
    expected_completion_time: answer.expected_completion_time ?? null,
  };
  await attempt(
    deps,
    task,
    { attempts: task.attempts + 1, state: 'waiting', sent_at: now, last_status: response.status, last_error: null, next_attempt_at: null, external_id: answer.subject_request_id ?? task.id, receipt: JSON.stringify(receipt) },
    { ok: true, status: response.status },
  );
}

function ownerLang(task: Pick<LoadedTask, 'owner_lang'>): Language {
  return isLanguage(task.owner_lang) ? task.owner_lang : 'en';
}

function ownerMail(deps: DeliveryDeps, task: LoadedTask, token: string, kind: 'task' | 'reminder' | 'cancel') {
  const lang = ownerLang(task);
  const t = tFor(lang);
  const org = deps.config.organisation;
  const due = task.due_at ? new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone: deps.config.timeZone }).format(new Date(task.due_at)) : '';
  const vars = { system: task.system_name, reference: task.reference, due, org: org.name, type: t(`requestTypes.${task.type}.label`) };
  const ask = ['access', 'portability', 'erasure'].includes(task.type) ? task.type : 'other';
  if (kind === 'cancel') {
    return { subject: t('systemTask.cancelSubject', vars), ...renderMail({ lang, heading: t('systemTask.cancelSubject', vars), paragraphs: [t('systemTask.cancelled', vars)], footer: organisationFooter(t, org) }) };
  }
  return {
    subject: t(kind === 'reminder' ? 'systemTask.reminderSubject' : 'systemTask.mailSubject', vars),
    ...renderMail({
      lang,
      heading: t('systemTask.heading', vars),
      paragraphs: [...(kind === 'reminder' ? [t('systemTask.reminder', vars)] : []), t('systemTask.intro', vars), t(`systemTask.ask.${ask}`, vars), t('systemTask.due', vars), t('systemTask.linkNote')],
      action: { label: t('systemTask.action'), url: `${deps.config.publicUrl}/task/${token}` },
      buttonFallback: t('mail.buttonFallback'),
      footer: organisationFooter(t, org),
    }),
  };
}

async function deliverManual(deps: DeliveryDeps, task: LoadedTask, kind: 'task' | 'reminder' = 'task') {
  const now = deps.now?.() ?? new Date();
  if (!task.owner_email) return failed(deps, { ...task, attempts: RETRY_SCHEDULE_SECONDS.length }, { reason: 'the system has no owner email' });
  const token = await ensureToken(deps, task);
  const mail = ownerMail(deps, task, token, kind);
  await deps.db.transaction().execute(async (trx) => {
    await queueMail(trx, { to: task.owner_email!, ...mail });
    await trx
      .updateTable('system_tasks')
      .set(kind === 'task' ? { state: 'waiting', sent_at: now, attempts: task.attempts + 1, last_attempt_at: now, last_error: null, next_attempt_at: null, updated_at: now } : { reminded_at: now, updated_at: now })
      .where('id', '=', task.id)
      .execute();
    await recordAudit(trx, { actorId: null, action: kind === 'task' ? 'system.attempt' : 'system.reminded', targetType: 'request', targetId: String(task.request_id), details: { task: task.id, system: task.system_id, via: 'mail' } });
  });
}

/** One delivery attempt of one task (the DELIVER_JOB). */
export async function deliverTask(deps: DeliveryDeps, taskId: string): Promise<void> {
  const task = await loadTask(deps.db, taskId);
  if (!task) return;
  if (!['pending', 'failed'].includes(task.state)) return;
  if (!task.enabled) {
    await deps.db.updateTable('system_tasks').set({ state: 'failed', last_error: 'the system is disabled', next_attempt_at: null, updated_at: new Date() }).where('id', '=', task.id).execute();
    return;
  }
  if (task.kind === 'webhook') await deliverWebhook(deps, task);
  else if (task.kind === 'opendsr') await deliverOpenDsr(deps, task);
  else if (task.kind === 'manual') await deliverManual(deps, task);
}

/** Tells a system that a task it was sent is cancelled (the CANCEL_JOB); throws to be retried. */
export async function cancelTaskDownstream(deps: DeliveryDeps, taskId: string): Promise<void> {
  const task = await loadTask(deps.db, taskId);
  if (!task || task.state !== 'cancelled' || !task.sent_at) return;
  const now = deps.now?.() ?? new Date();
  if (task.kind === 'webhook' && task.endpoint_url) {
    const secrets = activeSecrets({ ...task, id: task.system_id }, deps.config.secrets.connectorKey);
    if (secrets.length === 0) return;
    const payload = JSON.stringify({ type: 'dsr.cancelled', timestamp: now.toISOString(), data: { task_id: task.id, reference: task.reference } });
    const response = await outboundRequest(task.endpoint_url, {
      method: 'POST',
      headers: { ...webhookHeaders(secrets, `${task.delivery_id}_cancel`, now, payload), 'content-type': 'application/json', 'user-agent': 'PrivacyPortal-Webhooks/1' },
      body: payload,
      allowlistedHost: task.allowlisted_host,
      lookup: deps.lookup,
      maxBytes: 64 * 1024,
    });
    if (response.status === 410 || response.status === 404) return;
    if (response.status < 200 || response.status >= 300) throw new Error(`the cancellation was answered ${response.status}`);
  } else if (task.kind === 'opendsr' && task.endpoint_url && task.external_id) {
    // OpenDSR: DELETE is allowed while the processor still has the request pending; otherwise it is too late and says so.
    const response = await outboundRequest(`${openDsrBase(task)}/requests/${encodeURIComponent(task.external_id)}`, {
      method: 'DELETE',
      headers: openDsrHeaders(deps, task),
      allowlistedHost: task.allowlisted_host,
      lookup: deps.lookup,
      maxBytes: 64 * 1024,
    });
    if (response.status >= 500) throw new Error(`the cancellation was answered ${response.status}`);
  } else if (task.kind === 'manual' && task.owner_email) {
    await queueMail(deps.db, { to: task.owner_email, ...ownerMail(deps, task, '', 'cancel') });
  }
  await recordAudit(deps.db, { actorId: null, action: 'system.cancel_sent', targetType: 'request', targetId: String(task.request_id), details: { task: task.id, system: task.system_id } });
}

/** Skips a task with a reason (a missed deadline, staff's decision, a protocol that has no such request). */
export async function skipTask(db: DB, taskId: string, reason: string, actorId: string | null, now: Date = new Date()): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const task = await trx.selectFrom('system_tasks').select(['id', 'request_id', 'state', 'system_id']).where('id', '=', taskId).forUpdate().executeTakeFirst();
    if (!task || !OPEN_TASK_STATES.includes(task.state)) return false;
    await trx.updateTable('system_tasks').set({ state: 'skipped', state_reason: reason, next_attempt_at: null, token_hash: null, updated_at: now }).where('id', '=', taskId).execute();
    const system = await trx.selectFrom('connected_systems').select('name').where('id', '=', task.system_id).executeTakeFirstOrThrow();
    await trx.insertInto('request_events').values({ request_id: task.request_id, actor: actorId ? 'staff' : 'system', actor_id: actorId, kind: 'system_skipped', note: `${system.name} skipped: ${reason}`, visible_to_subject: false }).execute();
    await recordAudit(trx, { actorId, action: 'system.skipped', targetType: 'request', targetId: String(task.request_id), details: { task: taskId, system: task.system_id } });
    return true;
  });
}

/** OpenDSR: asks the processor where the request is, when no callback came. */
async function pollOpenDsr(deps: DeliveryDeps, task: LoadedTask, now: Date) {
  if (!task.external_id || !task.endpoint_url) return;
  let response: OutboundResponse;
  try {
    response = await outboundRequest(`${openDsrBase(task)}/requests/${encodeURIComponent(task.external_id)}`, {
      method: 'GET',
      headers: openDsrHeaders(deps, task),
      allowlistedHost: task.allowlisted_host,
      lookup: deps.lookup,
      maxBytes: 256 * 1024,
    });
  } catch (error) {
    await deps.db.updateTable('system_tasks').set({ last_attempt_at: now, last_error: outboundReason(error).reason }).where('id', '=', task.id).execute();
    return;
  }
  await deps.db.updateTable('system_tasks').set({ last_attempt_at: now, last_status: response.status }).where('id', '=', task.id).execute();
  if (response.status !== 200) return;
  let status: { request_status?: string; results_url?: string | null };
  try {
    status = JSON.parse(response.body.toString('utf8'));
  } catch {
    return;
  }
  await applyOpenDsrStatus(deps, task.id, status, { how: 'opendsr_receipt', now });
}

/**
 * A processor's status (from a verified callback or a poll): `completed` answers the task
 * (erased for an erasure; data, with the results file fetched, for access and portability);
 * `cancelled` skips it; anything else only records that the processor is working on it.
 */
export async function applyOpenDsrStatus(
  deps: DeliveryDeps,
  taskId: string,
  status: { request_status?: string; results_url?: string | null; subject_request_id?: string },
  options: { how: 'signature' | 'opendsr_receipt'; now: Date },
): Promise<'answered' | 'skipped' | 'noted'> {
  const task = await loadTask(deps.db, taskId);
  if (!task || !OPEN_TASK_STATES.includes(task.state)) return 'noted';
  if (status.request_status === 'cancelled') {
    await skipTask(deps.db, taskId, 'The processor cancelled the request', null, options.now);
    return 'skipped';
  }
  if (status.request_status !== 'completed') return 'noted';
  const files: Array<{ filename: string; bytes: Buffer }> = [];
  let outcome: 'erased' | 'data' | 'no_data' = task.type === 'erasure' ? 'erased' : 'no_data';
  if (task.type !== 'erasure' && status.results_url) {
    const results = await outboundRequest(status.results_url, { method: 'GET', allowlistedHost: task.allowlisted_host, lookup: deps.lookup, headers: openDsrHeaders(deps, task), maxBytes: 20 * 1024 * 1024 });
    if (results.status !== 200) throw new TaskAnswerError(`the results file answered ${results.status}`);
    const name = decodeURIComponent(new URL(status.results_url).pathname.split('/').pop() || 'results.json');
    files.push({ filename: name, bytes: results.body });
    outcome = 'data';
  }
  await recordTaskAnswer(
    deps.db,
    { taskId, outcome, note: null, files, how: options.how, by: settingsOf(task).processorDomain ?? task.system_name },
    { exportKey: deps.config.secrets.exportKey, now: options.now },
  );
  return 'answered';
}

/**
 * The periodic pass (SWEEP_JOB, every few minutes): deadlines (skip or flag), reminders to task
 * owners every 5 days, and OpenDSR polls; then it queues its next run.
 */
export async function sweepTasks(deps: DeliveryDeps): Promise<{ overdue: number; skipped: number; reminded: number; polled: number }> {
  const now = deps.now?.() ?? new Date();
  const counts = { overdue: 0, skipped: 0, reminded: 0, polled: 0 };
  const overdue = await deps.db
    .selectFrom('system_tasks as t')
    .innerJoin('connected_systems as s', 's.id', 't.system_id')
    .select(['t.id', 't.request_id', 't.state_reason', 's.on_missed', 's.deadline_days', 's.name'])
    .where('t.state', 'in', [...OPEN_TASK_STATES])
    .where('t.due_at', '<', now)
    .execute();
  for (const task of overdue) {
    if (task.on_missed === 'skip') {
      if (await skipTask(deps.db, task.id, `${task.name} missed its deadline of ${task.deadline_days} days`, null, now)) counts.skipped++;
    } else if (!task.state_reason?.startsWith('Past its deadline')) {
      await deps.db.transaction().execute(async (trx) => {
        await trx.updateTable('system_tasks').set({ state_reason: `Past its deadline of ${task.deadline_days} days: the request waits for it`, updated_at: now }).where('id', '=', task.id).execute();
        await recordAudit(trx, { actorId: null, action: 'system.overdue', targetType: 'request', targetId: String(task.request_id), details: { task: task.id } });
      });
      counts.overdue++;
    }
  }
  const reminderBefore = new Date(now.getTime() - MANUAL_REMINDER_DAYS * 86_400_000);
  const due = await deps.db
    .selectFrom('system_tasks as t')
    .innerJoin('connected_systems as s', 's.id', 't.system_id')
    .select('t.id')
    .where('s.kind', '=', 'manual')
    .where('t.state', '=', 'waiting')
    .where('t.due_at', '>', now)
    .where(sql<Date>`coalesce(t.reminded_at, t.sent_at)`, '<=', reminderBefore)
    .execute();
  for (const row of due) {
    const task = await loadTask(deps.db, row.id);
    if (task) {
      await deliverManual(deps, task, 'reminder');
      counts.reminded++;
    }
  }
  const pollBefore = new Date(now.getTime() - OPENDSR_POLL_HOURS * 3600_000);
  const waiting = await deps.db
    .selectFrom('system_tasks as t')
    .innerJoin('connected_systems as s', 's.id', 't.system_id')
    .select('t.id')
    .where('s.kind', '=', 'opendsr')
    .where('t.state', '=', 'waiting')
    .where(sql<Date>`coalesce(t.last_attempt_at, t.sent_at)`, '<=', pollBefore)
    .execute();
  for (const row of waiting) {
    const task = await loadTask(deps.db, row.id);
    if (task) {
      await pollOpenDsr(deps, task, now).catch((error) => deps.logger?.warn({ err: error, task: task.id }, 'OpenDSR poll failed'));
      counts.polled++;
    }
  }
  await scheduleSweep(deps.db, new Date(now.getTime() + SWEEP_MINUTES * 60_000));
  return counts;
}

export async function scheduleSweep(db: DB, at: Date = new Date()) {
  const slot = Math.floor(at.getTime() / (SWEEP_MINUTES * 60_000));
  await enqueueJob(db, { kind: SWEEP_JOB, runAt: at, dedupeKey: `${SWEEP_JOB}:${slot}`, maxAttempts: 3 });
}

/** Staff's "retry now": the task is sent again at once (same delivery id, so a receiver deduplicates). */
export async function retryTaskNow(db: DB, taskId: string, actorId: string, now: Date = new Date()): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const task = await trx
      .selectFrom('system_tasks as t')
      .innerJoin('connected_systems as s', 's.id', 't.system_id')
      .select(['t.id', 't.request_id', 't.state', 't.system_id', 's.kind', 's.enabled'])
      .where('t.id', '=', taskId)
      .forUpdate()
      .executeTakeFirst();
    if (!task || !['pending', 'failed', 'dead', 'waiting', 'sent'].includes(task.state) || task.kind === 'none') return false;
    await trx.updateTable('system_tasks').set({ state: 'pending', attempts: task.state === 'dead' ? 0 : sql<number>`attempts`, next_attempt_at: now, updated_at: now }).where('id', '=', taskId).execute();
    await enqueueJob(trx, { kind: DELIVER_JOB, payload: { taskId }, runAt: now, dedupeKey: `${DELIVER_JOB}:${taskId}:retry:${randomBytes(6).toString('hex')}`, maxAttempts: 3 });
    await recordAudit(trx, { actorId, action: 'system.retry_now', targetType: 'request', targetId: String(task.request_id), details: { task: taskId, system: task.system_id } });
    return true;
  });
}

export function systemJobHandlers(deps: DeliveryDeps): JobHandlers {
  return {
    [DELIVER_JOB]: async (payload) => deliverTask(deps, String(payload.taskId ?? '')),
    [CANCEL_JOB]: async (payload) => cancelTaskDownstream(deps, String(payload.taskId ?? '')),
    [SWEEP_JOB]: async () => {
      const counts = await sweepTasks(deps);
      if (counts.overdue + counts.skipped + counts.reminded + counts.polled > 0) deps.logger?.info(counts, 'connected systems: deadlines, reminders and polls');
    },
  };
}
