import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSystem } from '../../app/models/datamap/map.server';
import { createJobHandlers } from '../../app/models/job-handlers.server';
import { runDueJobs } from '../../app/models/jobs.server';
import { transitionRequest } from '../../app/models/requests/transitions.server';
import { confirmVerification } from '../../app/models/requests/verification.server';
import { receiveWebhookCallback } from '../../app/models/systems/callbacks.server';
import { cancelTaskDownstream, deliverTask, nextRetryDelayMs, retryAfterMs, retryTaskNow, RETRY_SCHEDULE_SECONDS, type DeliveryDeps } from '../../app/models/systems/delivery.server';
import { issueSecret, saveConnection } from '../../app/models/systems/registry.server';
import { taskToken } from '../../app/models/systems/tasks.server';
import { DEMO_ORGANISATION, loadConfig } from '../../app/utils/env.server';
import { createLogger } from '../../app/utils/logger.server';
import { createTestDb, type TestDb } from '../support/db';
import { guardLoopbackOnly, startWebhookReceiver } from '../support/downstreams';
import { fileRequest, rules } from '../support/requests';
import { createUser } from '../support/users';

/**
 * Issue 19's faults, against real receivers on loopback and the real job handlers: a
 * downstream that is down, slow, answers 500, 429 with Retry-After or 410; the retry schedule
 * and its dead letter; "retry now"; callbacks replayed, tampered, stale, from another system or
 * with another task's token; a withdrawal half-way; two workers; and an answer lost mid-delivery
 * (the same webhook-id is sent again and the receiver acts once). On both databases.
 */
let t: TestDb;
/** Where the job handlers write mail files in this test. */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-systems-delivery-'));
const guard = guardLoopbackOnly();
const secrets = { sessionSecret: 'x'.repeat(32), exportKey: randomBytes(32).toString('base64url'), backupKey: 'z'.repeat(32), connectorKey: randomBytes(32).toString('base64url'), auditSigningKey: 'a'.repeat(32) };
const config = { publicUrl: 'http://portal.test', secrets, organisation: DEMO_ORGANISATION, timeZone: 'Europe/London' };
let deps: DeliveryDeps;
let adminId: string;
let mode: { status: number; headers?: Record<string, string>; delayMs?: number } | undefined;
let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
let other: Awaited<ReturnType<typeof startWebhookReceiver>>;
const secretOf: Record<string, string> = {};
let crm = '';
let billing = '';

async function connect(systemId: string, url: string) {
  await saveConnection(
    t.db,
    systemId,
    { kind: 'webhook', endpointUrl: url, allowlisted: 'on', ownerLang: 'en', deadlineDays: 14, onMissed: 'block', fanOutOn: 'verified', processorDomain: '', trustedRootPem: '', identities: ['email'] },
    { id: adminId, ip: null },
  );
  secretOf[systemId] = (await issueSecret(t.db, secrets.connectorKey, systemId, { id: adminId, ip: null })).secret;
}

const task = (requestId: string, systemId: string) =>
  t.db.selectFrom('system_tasks').selectAll().where('request_id', '=', requestId).where('system_id', '=', systemId).executeTakeFirstOrThrow();

async function verifiedRequest(type: 'access' | 'erasure' = 'access') {
  const { request, verifyToken } = await fileRequest(t.db, { type });
  await confirmVerification(t.db, verifyToken!, { rules });
  return request;
}

beforeAll(async () => {
  t = await createTestDb();
  adminId = (await createUser(t.db, { role: 'admin' })).id;
  // Generous for a loaded machine; the timeout test uses its own short limit.
  deps = { db: t.db, config, timeoutMs: 10_000 };
  hook = await startWebhookReceiver({ secret: () => secretOf[crm]!, respond: () => mode, answer: () => null });
  other = await startWebhookReceiver({ secret: () => secretOf[billing]!, answer: () => null });
  const base = { description: '', ownerName: 'Owner', ownerEmail: 'owner@example.test', securityMeasures: '', subprocessorId: null, requestTypes: ['access', 'erasure'] };
  crm = await createSystem(t.db, { ...base, name: 'CRM' }, { id: adminId, ip: null });
  billing = await createSystem(t.db, { ...base, name: 'Billing' }, { id: adminId, ip: null });
  await connect(crm, `${hook.url}/dsr`);
  await connect(billing, `${other.url}/dsr`);
}, 60_000);
afterAll(async () => {
  await hook?.close();
  await other?.close();
  await t?.destroy();
  fs.rmSync(dataDir, { recursive: true, force: true });
  guard.restore();
});
beforeEach(() => {
  mode = undefined;
});

describe('the retry schedule', () => {
  it('follows the specification’s schedule with ±10 % jitter and ends after ten attempts', () => {
    expect(RETRY_SCHEDULE_SECONDS).toEqual([0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]);
    expect(nextRetryDelayMs(1, () => 0)).toBe(4500);
    expect(nextRetryDelayMs(1, () => 1)).toBe(5500);
    expect(nextRetryDelayMs(2, () => 0.5)).toBe(300_000);
    expect(nextRetryDelayMs(10)).toBeNull();
    const now = new Date('2026-12-04T10:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Fri, 04 Dec 2026 10:05:00 GMT', now)).toBe(300_000);
    expect(retryAfterMs('999999', now)).toBe(86_400_000);
    expect(retryAfterMs('soon', now)).toBeNull();
  });
});

describe('delivery faults', () => {
  it('a 500 is retried on the schedule with the same webhook-id, and other systems are unaffected', async () => {
    const request = await verifiedRequest();
    mode = { status: 500 };
    const before = Date.now();
    await deliverTask(deps, (await task(request.id, crm)).id);
    await deliverTask(deps, (await task(request.id, billing)).id);
    const failed = await task(request.id, crm);
    expect(failed).toMatchObject({ state: 'failed', attempts: 1, last_status: 500, last_error: '500: answered 500' });
    const wait = new Date(failed.next_attempt_at!).getTime() - before;
    expect(wait).toBeGreaterThanOrEqual(4000);
    expect(wait).toBeLessThan(7000);
    const queued = await t.db.selectFrom('jobs').select('run_at').where('dedupe_key', '=', `systems.deliver:${failed.id}:2`).executeTakeFirst();
    expect(queued).toBeTruthy();
    expect((await task(request.id, billing)).state).toBe('waiting');
    mode = undefined;
    await deliverTask(deps, failed.id);
    expect((await task(request.id, crm)).state).toBe('waiting');
    const sent = hook.received.filter((id) => id === failed.delivery_id);
    expect(sent).toHaveLength(2);
  });

  it('a 429 waits for its Retry-After', async () => {
    const request = await verifiedRequest();
    mode = { status: 429, headers: { 'Retry-After': '120' } };
    const before = Date.now();
    await deliverTask(deps, (await task(request.id, crm)).id);
    const row = await task(request.id, crm);
    expect(row.state).toBe('failed');
    const wait = new Date(row.next_attempt_at!).getTime() - before;
    expect(wait).toBeGreaterThanOrEqual(119_000);
    expect(wait).toBeLessThan(125_000);
  });

  it('a slow downstream times out and is retried; the answer lost mid-delivery is resent with the same webhook-id and acted on once', async () => {
    const request = await verifiedRequest();
    mode = { status: 202, delayMs: 3000 };
    const id = (await task(request.id, crm)).id;
    await deliverTask({ ...deps, timeoutMs: 500 }, id);
    const row = await task(request.id, crm);
    expect(row).toMatchObject({ state: 'failed', last_error: 'no complete answer within 1 s' });
    mode = undefined;
    await deliverTask(deps, id);
    expect((await task(request.id, crm)).state).toBe('waiting');
    expect(hook.received.filter((r) => r === row.delivery_id)).toHaveLength(2);
    expect(hook.deliveries.filter((d) => d.id === row.delivery_id)).toHaveLength(1);
  });

  it('a downstream that is down goes to the dead letter after the last attempt; "retry now" sends it again', async () => {
    const request = await verifiedRequest();
    const id = (await task(request.id, crm)).id;
    await t.db.updateTable('connected_systems').set({ endpoint_url: 'http://127.0.0.1:9/dsr' }).where('id', '=', crm).execute();
    try {
      await deliverTask(deps, id);
      expect(await task(request.id, crm)).toMatchObject({ state: 'failed', attempts: 1 });
      await t.db.updateTable('system_tasks').set({ attempts: RETRY_SCHEDULE_SECONDS.length - 1 }).where('id', '=', id).execute();
      await deliverTask(deps, id);
      const dead = await task(request.id, crm);
      expect(dead).toMatchObject({ state: 'dead', attempts: RETRY_SCHEDULE_SECONDS.length, next_attempt_at: null });
      expect(dead.last_error).toMatch(/ECONNREFUSED|network/);
    } finally {
      await t.db.updateTable('connected_systems').set({ endpoint_url: `${hook.url}/dsr` }).where('id', '=', crm).execute();
    }
    expect(await retryTaskNow(t.db, id, adminId)).toBe(true);
    const handlers = createJobHandlers({ db: t.db, config: loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, ...envOf() }), logger: createLogger({ level: 'silent' }) });
    while ((await runDueJobs(t.db, handlers, createLogger({ level: 'silent' }))) > 0) {
      // drain
    }
    expect((await task(request.id, crm)).state).toBe('waiting');
    const audit = await t.db.selectFrom('audit_events').select('action').where('target_id', '=', String(request.id)).execute();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['system.dispatched', 'system.attempt', 'system.retry_now']));
  });

  it('a 410 disables the system and tells the administrators', async () => {
    const request = await verifiedRequest();
    mode = { status: 410 };
    await deliverTask(deps, (await task(request.id, crm)).id);
    expect(await task(request.id, crm)).toMatchObject({ state: 'failed', last_status: 410 });
    const system = await t.db.selectFrom('connected_systems').select(['enabled', 'disabled_reason']).where('id', '=', crm).executeTakeFirstOrThrow();
    expect(system.enabled).toBe(false);
    expect(system.disabled_reason).toMatch(/410/);
    const mail = await t.db.selectFrom('mail_outbox').select('subject').where('subject', 'like', 'Connected system disabled%').execute();
    expect(mail.length).toBeGreaterThan(0);
    await t.db.updateTable('connected_systems').set({ enabled: true, disabled_reason: null }).where('id', '=', crm).execute();
  });

  it('two workers deliver a task once', async () => {
    const request = await verifiedRequest();
    const id = (await task(request.id, billing)).id;
    const handlers = createJobHandlers({ db: t.db, config: loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, ...envOf() }), logger: createLogger({ level: 'silent' }) });
    const before = other.received.length;
    await Promise.all([runDueJobs(t.db, handlers, createLogger({ level: 'silent' })), runDueJobs(t.db, handlers, createLogger({ level: 'silent' }))]);
    const row = await task(request.id, billing);
    expect(row.state).toBe('waiting');
    expect(other.received.slice(before).filter((r) => r === row.delivery_id)).toHaveLength(1);
    expect(id).toBe(row.id);
  });
});

function envOf() {
  return { SESSION_SECRET: secrets.sessionSecret, EXPORT_KEY: secrets.exportKey, BACKUP_KEY: secrets.backupKey, CONNECTOR_KEY: secrets.connectorKey, PUBLIC_URL: config.publicUrl };
}

/** A callback as a webhook system sends it: signed with `secret`, at `at`. */
function signed(secret: string, body: Record<string, unknown>, at = new Date(), id = `msg_${randomBytes(8).toString('hex')}`) {
  const payload = JSON.stringify(body);
  return { body: Buffer.from(payload), headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, at, payload) } };
}

describe('callbacks', () => {
  it('refuse tampered, stale, foreign and replayed answers; each refusal is audited without the token or signature', async () => {
    const request = await verifiedRequest();
    const row = await task(request.id, crm);
    await deliverTask(deps, row.id);
    const token = taskToken(secrets.connectorKey, row);
    const answer = { token, outcome: 'no_data' };
    const send = (input: { body: Buffer; headers: Record<string, string> }) => receiveWebhookCallback(deps, { taskId: row.id, ...input, ip: '127.0.0.1' });

    const tampered = signed(secretOf[crm]!, answer);
    tampered.body = Buffer.from(tampered.body.toString().replace('no_data', 'erased'));
    expect((await send(tampered)).status).toBe(401);
    expect((await send(signed(secretOf[crm]!, answer, new Date(Date.now() - 10 * 60_000)))).status).toBe(401);
    expect((await send(signed(secretOf[billing]!, answer))).status).toBe(401);
    const otherTask = await task(request.id, billing);
    expect((await send(signed(secretOf[crm]!, { ...answer, token: taskToken(secrets.connectorKey, otherTask) }))).status).toBe(409);
    expect((await task(request.id, crm)).state).toBe('waiting');

    const good = signed(secretOf[crm]!, answer);
    expect((await send(good)).status).toBe(200);
    expect(await task(request.id, crm)).toMatchObject({ state: 'answered', outcome: 'no_data', answered_how: 'signature', token_hash: null });
    // The same message again, and a freshly signed one with the spent token: nothing changes.
    expect((await send(good)).status).toBe(409);
    expect((await send(signed(secretOf[crm]!, { ...answer, outcome: 'erased' }))).status).toBe(409);
    expect((await task(request.id, crm)).outcome).toBe('no_data');

    const refusals = await t.db.selectFrom('audit_events').select(['details']).where('action', '=', 'system.callback_refused').where('target_id', '=', String(request.id)).execute();
    expect(refusals.length).toBe(6);
    const logged = JSON.stringify(refusals);
    expect(logged).not.toContain(token);
    expect(logged).not.toContain(good.headers['webhook-signature'].slice(3, 30));
  });

  it('a rotated secret keeps verifying during its overlap', async () => {
    const request = await verifiedRequest();
    const row = await task(request.id, billing);
    await deliverTask(deps, row.id);
    const old = secretOf[billing]!;
    secretOf[billing] = (await issueSecret(t.db, secrets.connectorKey, billing, { id: adminId, ip: null })).secret;
    const result = await receiveWebhookCallback(deps, { taskId: row.id, ...signed(old, { token: taskToken(secrets.connectorKey, row), outcome: 'no_data' }), ip: null });
    expect(result.status).toBe(200);
    const audit = await t.db.selectFrom('audit_events').select(['details']).where('action', '=', 'system.secret_rotated').where('target_id', '=', billing).executeTakeFirstOrThrow();
    expect(JSON.stringify(audit)).not.toContain(secretOf[billing]!.slice(6, 30));
  });
});

describe('withdrawal half-way', () => {
  it('cancels the open tasks, tells the system, and refuses its late answer', async () => {
    const request = await verifiedRequest();
    const row = await task(request.id, crm);
    await deliverTask(deps, row.id);
    expect((await task(request.id, crm)).state).toBe('waiting');
    await transitionRequest(t.db, { requestId: request.id, action: 'withdraw', actor: { kind: 'subject' } }, { rules });
    expect(await task(request.id, crm)).toMatchObject({ state: 'cancelled', state_reason: 'The subject withdrew the request.' });
    await cancelTaskDownstream(deps, row.id);
    expect(hook.deliveries.some((d) => d.type === 'dsr.cancelled' && (d.body.data as { task_id: string }).task_id === row.id)).toBe(true);
    const late = await receiveWebhookCallback(deps, { taskId: row.id, ...signed(secretOf[crm]!, { token: taskToken(secrets.connectorKey, row), outcome: 'no_data' }), ip: null });
    expect(late.status).toBe(409);
    expect((await task(request.id, crm)).state).toBe('cancelled');
  });
});

describe('nothing left loopback', () => {
  it('the socket guard saw no other address', () => {
    expect(guard.refused).toEqual([]);
  });
});
