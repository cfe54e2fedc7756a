import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardLoopbackOnly, makeTestCa, startOpenDsrProcessor, startWebhookReceiver } from '../support/downstreams';
import { spawnPortalProcess, type PortalProcess } from '../support/server-process';
import { signInOverHttp } from '../support/users';

/**
 * Issue 19.10: tokens, secrets and signatures never reach a log, an audit detail or an error
 * page. The real server in its own process at the most verbose log level is driven through the
 * connected-systems forms (a webhook secret created and tested, an OpenDSR token stored, a task
 * answered on its page, signed callbacks, refused ones too); then its stdout and stderr, every
 * table and every file under DATA_DIR but the delivered mail are searched for each of them.
 */
const DOMAIN = 'opendsr.canary.test';
const id = randomBytes(5).toString('hex');
const OPENDSR_TOKEN = `canary-opendsr-token-${id}`;
const admin = { email: `canary-admin-${id}@example.org`, password: `canary admin ${id} password` };
const guard = guardLoopbackOnly();
let portal: PortalProcess;
let cookie: string;
let secret = '';
let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
let processor: Awaited<ReturnType<typeof startOpenDsrProcessor>>;
const ca = makeTestCa(DOMAIN);

beforeAll(async () => {
  portal = await spawnPortalProcess({ logLevel: 'trace', prefix: 'pp-systems-canary', admin });
  cookie = await signInOverHttp(portal.baseURL, admin);
  hook = await startWebhookReceiver({ secret: () => secret, answer: () => ({ outcome: 'no_data' }) });
  processor = await startOpenDsrProcessor({ domain: DOMAIN, ca });
}, 120_000);
afterAll(async () => {
  await hook?.close();
  await processor?.close();
  await portal?.cleanup();
  guard.restore();
});

const post = (pathname: string, fields: Record<string, string>, headers: Record<string, string> = { Cookie: cookie }) =>
  fetch(`${portal.baseURL}${pathname}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: portal.baseURL, ...headers },
    body: new URLSearchParams(fields),
  });

async function mailTo(to: string, subjectPart: string) {
  const dir = path.join(portal.dataDir, 'mail');
  const deadline = Date.now() + 30_000;
  for (;;) {
    for (const file of fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml')) : []) {
      const mail = await simpleParser(fs.readFileSync(path.join(dir, file)));
      const recipient = Array.isArray(mail.to) ? mail.to[0]?.text : mail.to?.text;
      if (recipient === to && mail.subject?.includes(subjectPart)) return mail;
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${to}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function addSystem(name: string, ownerEmail: string) {
  const res = await post('/staff/systems', { name, description: '', ownerName: 'Owner', ownerEmail, securityMeasures: '', subprocessorId: '', 'rt:access': 'on' });
  expect(res.status).toBe(302);
  return /\/staff\/systems\/([0-9a-f-]{36})/.exec(res.headers.get('location') ?? '')![1]!;
}

describe('connected systems’ credentials', () => {
  it('appear in no log line, no table and no file under DATA_DIR but the delivered mail', { timeout: 180_000 }, async () => {
    const connection = { ownerLang: 'en', deadlineDays: '14', onMissed: 'block', fanOutOn: 'verified', 'id:email': 'on', processorDomain: '', trustedRootPem: '', allowlisted: 'on' };
    const hookId = await addSystem('Canary hook', 'hook@example.org');
    const procId = await addSystem('Canary processor', 'proc@example.org');
    const deskId = await addSystem('Canary desk', 'desk@example.org');
    expect((await post(`/staff/systems/${hookId}?connection=save`, { ...connection, kind: 'webhook', endpointUrl: `${hook.url}/dsr` })).status).toBe(302);
    expect((await post(`/staff/systems/${procId}?connection=save`, { ...connection, kind: 'opendsr', endpointUrl: processor.url, processorDomain: DOMAIN, trustedRootPem: ca.rootPem })).status).toBe(302);
    expect((await post(`/staff/systems/${deskId}?connection=save`, { ...connection, kind: 'manual', endpointUrl: '' })).status).toBe(302);
    secret = /value="(whsec_[A-Za-z0-9+/=]+)"/.exec(await (await post(`/staff/systems/${hookId}?connection=secret`, {})).text())![1]!;
    expect((await post(`/staff/systems/${procId}?connection=secret`, { providedSecret: OPENDSR_TOKEN })).status).toBe(200);
    // A token that is refused keeps nothing either.
    expect((await post(`/staff/systems/${procId}?connection=secret`, { providedSecret: `short ${id}` })).status).toBe(400);
    expect((await post(`/staff/systems/${hookId}?connection=test`, {})).headers.get('location')).toContain('done=tested');

    const form = await (await fetch(`${portal.baseURL}/requests/new`)).text();
    const submissionId = /name="submissionId" value="([^"]+)"/.exec(form)![1]!;
    expect((await post('/requests/new', { type: 'access', email: `subject-${id}@example.org`, name: 'Canary Subject', requesterRole: 'self', confirm: 'yes', website: '', submissionId }, {})).status).toBe(302);
    const receipt = await mailTo(`subject-${id}@example.org`, '');
    const verifyToken = /\/verify\/([A-Za-z0-9_-]{43})/.exec(receipt.text ?? '')![1]!;
    expect([302, 303]).toContain((await post(`/verify/${verifyToken}`, { intent: 'confirm' }, {})).status);

    const task = await mailTo('desk@example.org', 'Data protection request');
    const taskToken = /\/task\/([A-Za-z0-9_-]{20,})/.exec(task.text ?? '')![1]!;
    // A wrong task link, then the right one: an error page and the answer.
    expect((await fetch(`${portal.baseURL}/task/${taskToken.slice(0, -4)}AAAA`)).status).toBe(404);
    const answer = new FormData();
    answer.append('outcome', 'no_data');
    answer.append('attestedBy', 'Dana Desk');
    expect((await fetch(`${portal.baseURL}/task/${taskToken}`, { method: 'POST', headers: { Origin: portal.baseURL }, body: answer })).status).toBe(200);

    // Wait for the webhook's and the processor's answers, then replay the webhook callback (refused, audited).
    const deadline = Date.now() + 40_000;
    while ((hook.callbacks.length < 1 || processor.callbacks.length < 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(hook.callbacks.map((c) => c.status)).toEqual([200]);
    expect(processor.callbacks.map((c) => c.status)).toEqual([200]);
    const delivery = hook.deliveries.find((d) => d.type === 'dsr.requested')!;
    const callbackToken = (delivery.body.data as { callback_token: string }).callback_token;
    const replay = await fetch((delivery.body.data as { callback_url: string }).callback_url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': 'msg_replay', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,bm90IGEgc2lnbmF0dXJl' },
      body: JSON.stringify({ token: callbackToken, outcome: 'erased' }),
    });
    expect(replay.status).toBe(401);
    expect(processor.authorizations).toContain(`Bearer ${OPENDSR_TOKEN}`);

    expect(await portal.stop()).toBe(0);
    const tables = await portal.dumpTables();
    const files = Object.fromEntries(Object.entries(portal.readDataFiles()).filter(([file]) => !file.includes(`${path.sep}mail${path.sep}`) && !file.endsWith('secrets.json')));
    const haystacks: Record<string, string> = { stdout: portal.out.stdout, stderr: portal.out.stderr, ...tables, ...files };
    expect(haystacks['table audit_events']).toContain('system.secret_set');
    expect(haystacks['table audit_events']).toContain('system.callback_refused');
    expect(portal.out.stdout).toContain('"url":"/task/[REDACTED]"');
    const needles = [secret, secret.slice(6), OPENDSR_TOKEN, taskToken, callbackToken, ...hook.signatures, `short ${id}`];
    const found: string[] = [];
    for (const [where, text] of Object.entries(haystacks)) {
      for (const needle of needles) if (text.includes(needle)) found.push(`${where} contains ${needle.slice(0, 12)}…`);
    }
    expect(found).toEqual([]);
    expect(guard.refused).toEqual([]);
  });
});
