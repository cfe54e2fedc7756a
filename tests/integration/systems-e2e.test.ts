import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSystem } from '../../app/models/datamap/map.server';
import { requestVersion } from '../../app/models/requests/staff.server';
import { confirmVerification } from '../../app/models/requests/verification.server';
import { issueSecret } from '../../app/models/systems/registry.server';
import { guardLoopbackOnly, makeTestCa, startOpenDsrProcessor, startWebhookReceiver } from '../support/downstreams';
import { linkIn, waitForMail } from '../support/mailbox';
import { startTestPortal, type TestPortal } from '../support/portal';
import { fileRequest, rules } from '../support/requests';
import { createSessionCookie, createUser, type TestUser } from '../support/users';

/**
 * Issue 19 end to end, on the built server with its own job worker: three systems of the three
 * kinds, each a real server on loopback (allowlisted by name for the test):
 * - a webhook system that verifies our Standard Webhooks signature and calls back with a CSV;
 * - an OpenDSR processor that signs under a test CA the test makes;
 * - a task owner who answers the captured email through the task page.
 * An access request ends in a package holding all three systems' files; an erasure ends in three
 * confirmations that survive the erasure in the proof record. Nothing leaves loopback: the
 * socket guard fails the test otherwise.
 */
const DOMAIN = 'opendsr.processor.test';
let portal: TestPortal;
let admin: TestUser;
let staff: TestUser;
let adminCookie: string;
let staffCookie: string;
let webhookSecret = '';
const guard = guardLoopbackOnly();
const ca = makeTestCa(DOMAIN);
let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
let processor: Awaited<ReturnType<typeof startOpenDsrProcessor>>;
const ids: Record<'crm' | 'analytics' | 'warehouse', string> = { crm: '', analytics: '', warehouse: '' };
const OWNER = 'warehouse-owner@example.test';

const post = (path: string, fields: Record<string, string>, cookie = adminCookie) =>
  fetch(portal.url + path, {
    method: 'POST',
    redirect: 'manual',
    headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', Origin: portal.url },
    body: new URLSearchParams(fields),
  });
const current = (id: string) => portal.db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 40_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const tasksOf = (requestId: string) =>
  portal.db
    .selectFrom('system_tasks as t')
    .innerJoin('connected_systems as s', 's.id', 't.system_id')
    .select(['s.name', 't.state', 't.outcome', 't.answered_how', 't.answered_at', 't.attempts', 't.last_error', 't.receipt'])
    .where('t.request_id', '=', requestId)
    .orderBy('s.name')
    .execute();

async function answerManualTask(reference: string, outcome: 'data' | 'erased') {
  const mail = await waitForMail(portal.dataDir, OWNER, reference);
  const link = linkIn(mail, '/task/');
  const page = await fetch(portal.url + link);
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain(reference);
  // Only what the task needs: the identities to look up, not the request's details.
  expect(html).not.toContain('Staff-only detail');
  const form = new FormData();
  form.append('outcome', outcome);
  form.append('attestedBy', 'Wanda Warehouse');
  form.append('note', '');
  if (outcome === 'data') form.append('files', new Blob(['order,placed\nA-1,2026-10-02\n'], { type: 'text/csv' }), 'orders.csv');
  const done = await fetch(portal.url + link, { method: 'POST', headers: { Origin: portal.url }, body: form });
  expect(done.status).toBe(200);
  // The link is spent: it takes no second answer.
  expect((await fetch(portal.url + link)).status).toBe(404);
}

beforeAll(async () => {
  portal = await startTestPortal({});
  admin = await createUser(portal.db, { role: 'admin' });
  staff = await createUser(portal.db, { role: 'staff' });
  adminCookie = await createSessionCookie(portal.db, admin);
  staffCookie = await createSessionCookie(portal.db, staff);
  hook = await startWebhookReceiver({
    secret: () => webhookSecret,
    answer: (d) => {
      const data = d.body.data as { request_type: string; identities: { email: string } };
      if (data.request_type === 'erasure') return { outcome: 'erased', note: 'Deleted from the CRM.' };
      return { outcome: 'data', files: [{ name: 'crm-contacts.csv', content_base64: Buffer.from(`email,segment\n${data.identities.email},newsletter\n`).toString('base64') }] };
    },
  });
  processor = await startOpenDsrProcessor({ domain: DOMAIN, ca, results: 'event,when\nopened_app,2026-11-01\n' });
  const actor = { id: admin.id, ip: null };
  const base = { description: '', securityMeasures: '', subprocessorId: null, requestTypes: ['access', 'erasure'] };
  ids.crm = await createSystem(portal.db, { ...base, name: 'CRM', ownerName: 'Carla CRM', ownerEmail: 'crm-owner@example.test' }, actor);
  ids.analytics = await createSystem(portal.db, { ...base, name: 'Analytics', ownerName: 'Ana Lytics', ownerEmail: 'analytics@example.test' }, actor);
  ids.warehouse = await createSystem(portal.db, { ...base, name: 'Warehouse', ownerName: 'Wanda Warehouse', ownerEmail: OWNER }, actor);
  const connection = { ownerLang: 'en', deadlineDays: '14', onMissed: 'block', fanOutOn: 'verified', 'id:email': 'on', 'id:name': 'on', processorDomain: '', trustedRootPem: '' };
  expect((await post(`/staff/systems/${ids.crm}?connection=save`, { ...connection, kind: 'webhook', endpointUrl: `${hook.url}/dsr`, allowlisted: 'on' })).status).toBe(302);
  expect((await post(`/staff/systems/${ids.analytics}?connection=save`, { ...connection, kind: 'opendsr', endpointUrl: processor.url, allowlisted: 'on', processorDomain: DOMAIN, trustedRootPem: ca.rootPem })).status).toBe(302);
  expect((await post(`/staff/systems/${ids.warehouse}?connection=save`, { ...connection, kind: 'manual', endpointUrl: '' })).status).toBe(302);
  // The secret is shown once, in the answer to the POST that made it.
  const issued = await post(`/staff/systems/${ids.crm}?connection=secret`, {});
  const page = await issued.text();
  webhookSecret = /value="(whsec_[A-Za-z0-9+/=]+)"/.exec(page)?.[1] ?? '';
  expect(webhookSecret).toMatch(/^whsec_/);
  expect(await (await fetch(`${portal.url}/staff/systems/${ids.crm}`, { headers: { Cookie: adminCookie } })).text()).not.toContain(webhookSecret);
  // The test button sends a signed ping the receiver verifies.
  expect((await post(`/staff/systems/${ids.crm}?connection=test`, {})).headers.get('location')).toContain('done=tested');
}, 120_000);

afterAll(async () => {
  await hook?.close();
  await processor?.close();
  await portal?.stop();
  guard.restore();
});

describe('an access request reaches three systems and ends in one package', () => {
  it('fans out on verification, collects the three answers, and packages their files', async () => {
    const { request, verifyToken } = await fileRequest(portal.db, { type: 'access', name: 'Petra Package', details: 'Staff-only detail' });
    await confirmVerification(portal.db, verifyToken!, { rules });
    const made = await tasksOf(request.id);
    expect(made.map((t) => t.name)).toEqual(['Analytics', 'CRM', 'Warehouse']);
    // A second run of the fan-out makes nothing: one task per request and system.
    const { fanOut } = await import('../../app/models/systems/tasks.server');
    const row = await current(request.id);
    expect(await portal.db.transaction().execute((trx) => fanOut(trx, row, 'started', { now: new Date() }))).toEqual([]);

    await answerManualTask(request.reference, 'data');
    const tasks = await waitFor('three answers', async () => {
      const rows = await tasksOf(request.id);
      return rows.every((t) => t.state === 'answered') && rows;
    });
    expect(tasks.map((t) => [t.name, t.outcome, t.answered_how])).toEqual([
      ['Analytics', 'data', 'signature'],
      ['CRM', 'data', 'signature'],
      ['Warehouse', 'data', 'attestation'],
    ]);
    // The OpenDSR processor's signed acknowledgement is kept as the receipt.
    const receipt = tasks.find((t) => t.name === 'Analytics')!.receipt as Record<string, string>;
    expect(receipt.encoded_request).toBeTruthy();
    expect(receipt.processor_signature).toBeTruthy();
    expect(hook.deliveries.filter((d) => d.type === 'dsr.requested')).toHaveLength(1);
    expect(hook.refusedSignatures).toEqual([]);
    expect(hook.callbacks.map((c) => c.status)).toEqual([200]);

    expect((await post(`/staff/requests/${request.id}`, { intent: 'start', version: requestVersion(await current(request.id)) }, staffCookie)).status).toBe(302);
    const zip = unzipSync(new Uint8Array(await (await fetch(`${portal.url}/staff/requests/${request.id}/package-preview`, { headers: { Cookie: staffCookie } })).arrayBuffer()));
    const names = Object.keys(zip).filter((n) => n.startsWith('systems/')).sort();
    expect(names).toHaveLength(3);
    expect(names[0]).toMatch(/^systems\/Analytics\/[0-9a-f-]{36}\.csv$/);
    expect(names.slice(1)).toEqual(['systems/CRM/crm-contacts.csv', 'systems/Warehouse/orders.csv']);
    expect(strFromU8(zip[names[0]!]!)).toContain('opened_app');
    expect(strFromU8(zip['systems/CRM/crm-contacts.csv']!)).toContain('newsletter');

    const completed = await post(
      `/staff/requests/${request.id}`,
      { intent: 'complete', version: requestVersion(await current(request.id)), outcome: 'fulfilled', answer: 'Here is your data from every system.' },
      staffCookie,
    );
    expect(completed.status).toBe(302);
    expect((await current(request.id)).state).toBe('completed');

    const timeline = await portal.db.selectFrom('request_events').select(['at', 'actor', 'kind', 'note']).where('request_id', '=', request.id).orderBy('id').execute();
    console.log(
      `timeline of ${request.reference} across three systems:\n` +
        timeline.map((e) => `  ${new Date(e.at).toISOString()}  ${e.actor.padEnd(7)} ${e.kind.padEnd(18)} ${(e.note ?? '').split('\n')[0]}`).join('\n'),
    );
    expect(timeline.map((e) => e.kind)).toEqual(expect.arrayContaining(['systems_dispatched', 'system_answer', 'start', 'complete']));
  }, 90_000);
});

describe('an erasure reaches three systems and their confirmations outlive it', () => {
  it('keeps each system’s confirmation (when and how) in the proof record', async () => {
    const { request, verifyToken } = await fileRequest(portal.db, { type: 'erasure', name: 'Erin Erase' });
    await confirmVerification(portal.db, verifyToken!, { rules });
    // The completion gate: while a system has not answered, the erasure is refused.
    expect((await post(`/staff/requests/${request.id}`, { intent: 'start', version: requestVersion(await current(request.id)) }, staffCookie)).status).toBe(302);
    await answerManualTask(request.reference, 'erased');
    await waitFor('three confirmations', async () => (await tasksOf(request.id)).every((t) => t.state === 'answered'));
    const preview = await (await fetch(`${portal.url}/staff/requests/${request.id}/erase`, { headers: { Cookie: staffCookie } })).text();
    expect(preview).toContain('kept as evidence');
    const erased = await post(`/staff/requests/${request.id}/erase`, { version: requestVersion(await current(request.id)), answer: 'We erased your data everywhere.' }, staffCookie);
    expect(erased.status).toBe(302);
    const after = await current(request.id);
    expect(after.state).toBe('completed');
    const proof = await tasksOf(request.id);
    expect(proof.map((t) => [t.name, t.outcome, t.answered_how])).toEqual([
      ['Analytics', 'erased', 'signature'],
      ['CRM', 'erased', 'signature'],
      ['Warehouse', 'erased', 'attestation'],
    ]);
    expect(proof.every((t) => t.answered_at)).toBe(true);
    expect(JSON.stringify(proof)).not.toContain('Erin Erase');
    // The OpenDSR receipt stays without the request it echoed (the person's address).
    const receipt = proof.find((t) => t.name === 'Analytics')!.receipt as Record<string, unknown>;
    expect(receipt.processor_signature).toBeTruthy();
    expect(receipt.encoded_request).toBeUndefined();
  }, 90_000);
});

describe('the completion gate', () => {
  it('refuses to complete while a system has not answered, and completes with an override that is on the timeline and in the audit trail', async () => {
    const { request, verifyToken } = await fileRequest(portal.db, { type: 'access', name: 'Gina Gate' });
    // The warehouse owner never answers: its task stays open.
    await confirmVerification(portal.db, verifyToken!, { rules });
    expect((await post(`/staff/requests/${request.id}`, { intent: 'start', version: requestVersion(await current(request.id)) }, staffCookie)).status).toBe(302);
    const refused = await post(`/staff/requests/${request.id}`, { intent: 'complete', version: requestVersion(await current(request.id)), outcome: 'fulfilled', answer: 'Done.' }, staffCookie);
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain('Warehouse');
    const overridden = await post(
      `/staff/requests/${request.id}`,
      { intent: 'complete', version: requestVersion(await current(request.id)), outcome: 'fulfilled', answer: 'Done.', systemsOverride: 'The warehouse was decommissioned last week.' },
      staffCookie,
    );
    expect(overridden.status).toBe(302);
    const after = await current(request.id);
    expect(after.systems_override_reason).toBe('The warehouse was decommissioned last week.');
    const events = await portal.db.selectFrom('request_events').select('kind').where('request_id', '=', request.id).execute();
    expect(events.map((e) => e.kind)).toContain('systems_override');
    const audit = await portal.db.selectFrom('audit_events').select('action').where('target_id', '=', String(request.id)).execute();
    expect(audit.map((a) => a.action)).toContain('request.systems_override');
  }, 90_000);
});

describe('the README’s 20-line webhook receiver', () => {
  it('runs as written: verifies the delivery, answers 202 and calls back signed', async () => {
    const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Connected systems'));
    const code = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
    expect(code.trim().split('\n')).toHaveLength(20);
    const file = path.join(__dirname, `.readme-receiver-${process.pid}.ts`);
    fs.writeFileSync(file, code);
    const actor = { id: admin.id, ip: null };
    const id = await createSystem(portal.db, { name: 'Newsletter', description: '', ownerName: 'N', ownerEmail: 'news@example.test', securityMeasures: '', subprocessorId: null, requestTypes: ['access'] }, actor);
    const secret = (await issueSecret(portal.db, portal.config.secrets.connectorKey, id, actor)).secret;
    const port = await freePort();
    const child = spawn(path.join(__dirname, '../../node_modules/.bin/tsx'), [file], { env: { ...process.env, PORT: String(port), PORTAL_WEBHOOK_SECRET: secret }, stdio: 'pipe' });
    try {
      await waitFor('the receiver to listen', async () => fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' }).then((r) => r.status === 401, () => false), 30_000);
      const connection = { kind: 'webhook', endpointUrl: `http://127.0.0.1:${port}/`, allowlisted: 'on', ownerLang: 'en', deadlineDays: '14', onMissed: 'block', fanOutOn: 'verified', 'id:email': 'on', processorDomain: '', trustedRootPem: '' };
      expect((await post(`/staff/systems/${id}?connection=save`, connection)).status).toBe(302);
      const { request, verifyToken } = await fileRequest(portal.db, { type: 'access', name: 'Rita Readme' });
      await confirmVerification(portal.db, verifyToken!, { rules });
      const row = await waitFor('the receiver’s answer', async () => {
        const found = await portal.db.selectFrom('system_tasks').select(['state', 'outcome', 'answered_how']).where('request_id', '=', request.id).where('system_id', '=', id).executeTakeFirst();
        return found?.state === 'answered' && found;
      });
      expect(row).toEqual({ state: 'answered', outcome: 'no_data', answered_how: 'signature' });
    } finally {
      child.kill();
      fs.rmSync(file, { force: true });
      await portal.db.updateTable('connected_systems').set({ enabled: false }).where('id', '=', id).execute();
    }
  }, 90_000);
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('nothing left loopback', () => {
  it('the socket guard saw no other address', () => {
    expect(guard.refused).toEqual([]);
  });
});
