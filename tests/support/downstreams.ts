import { execFileSync } from 'node:child_process';
import { sign } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';

/**
 * Fake downstream systems for the connected-systems tests (issue 19), each a real HTTP server
 * on loopback: a webhook receiver that verifies the portal's Standard Webhooks signature and
 * calls back, and an OpenDSR processor that signs its callbacks under a test CA the test makes.
 * Plus the socket guard: any connection to an address that is not loopback fails the test.
 */

/** Fails any connect to a non-loopback address, for the rest of the process (tests send traffic to loopback only). */
export function guardLoopbackOnly(): { refused: string[]; restore: () => void } {
  const refused: string[] = [];
  const original = net.Socket.prototype.connect;
  const loopback = (host: string) => host === '127.0.0.1' || host === '::1' || host === 'localhost' || host.startsWith('127.') || host === '::ffff:127.0.0.1';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  (net.Socket.prototype as any).connect = function guarded(this: net.Socket, ...args: any[]) {
    const options = typeof args[0] === 'object' && args[0] !== null ? args[0] : { port: args[0], host: args[1] };
    const host = String(options.host ?? (options.path ? 'unix' : 'localhost'));
    if (!options.path && !loopback(host) && !options.lookup) {
      refused.push(host);
      throw new Error(`test socket guard: refused a connection to ${host}`);
    }
    // A connect that resolves a name: check the address it resolves to before it is used.
    if (options.lookup) {
      const lookup = options.lookup;
      options.lookup = (hostname: string, opts: unknown, cb: (...a: unknown[]) => void) =>
        lookup(hostname, opts, (err: unknown, address: unknown, family: unknown) => {
          const addresses = Array.isArray(address) ? address.map((a: { address: string }) => a.address) : [String(address)];
          if (!err && addresses.some((a) => !loopback(a))) {
            refused.push(addresses.join(','));
            // Hand the address on: the connection itself must refuse it (the code under test).
          }
          cb(err, address, family);
        });
    }
    return original.apply(this, args as never);
  };
  return { refused, restore: () => void (net.Socket.prototype.connect = original) };
}

export async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return `http://127.0.0.1:${address.port}`;
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export type WebhookDelivery = { id: string; type: string; body: Record<string, unknown> };

/**
 * A webhook system: verifies each delivery's signature (refusing with 401 otherwise), drops a
 * repeated `webhook-id`, answers `respond()` (default 202), and then, for a `dsr.requested`,
 * calls back signed with the task's token and `answer(delivery)`.
 */
export async function startWebhookReceiver(options: {
  secret: () => string;
  respond?: (delivery: WebhookDelivery, attempt: number) => { status: number; headers?: Record<string, string>; delayMs?: number } | undefined;
  answer?: (delivery: WebhookDelivery) => Record<string, unknown> | null;
}) {
  const seen = new Set<string>();
  const deliveries: WebhookDelivery[] = [];
  const received: string[] = [];
  const refusedSignatures: string[] = [];
  const callbacks: Array<{ status: number; body: string }> = [];
  /** Every signature seen: the portal's on deliveries, ours on callbacks (for the canary tests). */
  const signatures: string[] = [];
  let attempts = 0;
  const server = http.createServer(async (req, res) => {
    const raw = await readBody(req);
    const headers = { 'webhook-id': String(req.headers['webhook-id'] ?? ''), 'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''), 'webhook-signature': String(req.headers['webhook-signature'] ?? '') };
    received.push(headers['webhook-id']);
    signatures.push(...headers['webhook-signature'].split(' ').map((sig) => sig.split(',')[1] ?? '').filter(Boolean));
    let body: Record<string, unknown>;
    try {
      body = new Webhook(options.secret()).verify(raw.toString('utf8'), headers) as Record<string, unknown>;
    } catch {
      refusedSignatures.push(headers['webhook-id']);
      res.writeHead(401).end();
      return;
    }
    attempts += 1;
    const delivery = { id: headers['webhook-id'], type: String(body.type), body };
    const custom = options.respond?.(delivery, attempts);
    if (custom?.delayMs) await new Promise((r) => setTimeout(r, custom.delayMs));
    if (custom && custom.status !== 202 && custom.status !== 200) {
      res.writeHead(custom.status, custom.headers).end();
      return;
    }
    res.writeHead(custom?.status ?? 202).end();
    if (seen.has(delivery.id)) return; // a duplicate: acknowledged, not acted on twice
    seen.add(delivery.id);
    deliveries.push(delivery);
    if (delivery.type !== 'dsr.requested') return;
    const answer = options.answer?.(delivery);
    if (answer === null) return;
    const data = body.data as { callback_url: string; callback_token: string };
    const payload = JSON.stringify({ token: data.callback_token, outcome: 'no_data', ...answer });
    const id = `msg_cb_${delivery.id.slice(4, 20)}`;
    const now = new Date();
    const signature = new Webhook(options.secret()).sign(id, now, payload);
    signatures.push(signature.split(',')[1]!);
    try {
      const response = await fetch(data.callback_url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': signature },
        body: payload,
      });
      callbacks.push({ status: response.status, body: await response.text() });
    } catch {
      callbacks.push({ status: 0, body: 'unreachable' }); // the portal stopped first
    }
  });
  const url = await listen(server);
  return { url, deliveries, received, refusedSignatures, callbacks, signatures, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A test CA and a leaf certificate for `domain`, made with openssl. */
export function makeTestCa(domain: string) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-test-ca-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'root.key', '-out', 'root.pem', '-days', '3650', '-subj', '/CN=Privacy Portal Test Root');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', `/CN=${domain}`);
  fs.writeFileSync(path.join(work, 'ext.cnf'), `subjectAltName=DNS:${domain}\n`);
  openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '30', '-extfile', 'ext.cnf');
  const read = (f: string) => fs.readFileSync(path.join(work, f), 'utf8');
  const ca = { rootPem: read('root.pem'), leafPem: read('leaf.pem'), leafKey: read('leaf.key') };
  fs.rmSync(work, { recursive: true, force: true });
  return ca;
}

/**
 * An OpenDSR processor: `/discovery`, its certificate, `POST /requests` (a signed receipt), then a
 * signed `completed` callback (with a results file for access requests), `GET /requests/{id}`
 * and `DELETE /requests/{id}`.
 */
export async function startOpenDsrProcessor(options: { domain: string; ca: ReturnType<typeof makeTestCa>; results?: string; callback?: boolean }) {
  const requests = new Map<string, { body: Record<string, unknown>; status: string }>();
  const deleted: string[] = [];
  const callbacks: Array<{ status: number; body: string }> = [];
  /** The bearer tokens the portal sent. */
  const authorizations: string[] = [];
  let base = '';
  const signBody = (body: string) => sign('sha256', Buffer.from(body), options.ca.leafKey).toString('base64');
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', base);
    if (req.headers.authorization) authorizations.push(req.headers.authorization);
    const json = (status: number, value: unknown) => {
      const body = JSON.stringify(value);
      res.writeHead(status, { 'content-type': 'application/json', 'x-opendsr-processor-domain': options.domain, 'x-opendsr-signature': signBody(body) }).end(body);
    };
    if (req.method === 'GET' && url.pathname === '/discovery') {
      return json(200, {
        api_version: '0.1',
        supported_identities: [{ identity_type: 'email', identity_format: 'raw' }],
        supported_subject_request_types: ['erasure', 'access', 'portability'],
        processor_certificate: `${base}/cert.pem`,
      });
    }
    if (req.method === 'GET' && url.pathname === '/cert.pem') {
      res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(options.ca.leafPem);
      return;
    }
    const id = decodeURIComponent(url.pathname.replace(/^\/requests\//, ''));
    if (req.method === 'POST' && url.pathname === '/requests') {
      const body = JSON.parse((await readBody(req)).toString('utf8')) as Record<string, unknown> & { subject_request_id: string; subject_request_type: string; status_callback_urls: string[] };
      requests.set(body.subject_request_id, { body, status: 'pending' });
      json(201, {
        controller_id: 'privacy-portal',
        expected_completion_time: new Date(Date.now() + 86_400_000).toISOString(),
        received_time: new Date().toISOString(),
        encoded_request: Buffer.from(JSON.stringify(body)).toString('base64'),
        subject_request_id: body.subject_request_id,
      });
      if (options.callback === false) return;
      setTimeout(async () => {
        const entry = requests.get(body.subject_request_id);
        if (!entry || entry.status === 'cancelled') return;
        entry.status = 'completed';
        const status = JSON.stringify({
          controller_id: 'privacy-portal',
          subject_request_id: body.subject_request_id,
          request_status: 'completed',
          api_version: '0.1',
          results_url: body.subject_request_type === 'erasure' ? null : `${base}/results/${body.subject_request_id}.csv`,
        });
        try {
          const response = await fetch(body.status_callback_urls[0]!, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-opendsr-processor-domain': options.domain, 'x-opendsr-signature': signBody(status) },
            body: status,
          });
          callbacks.push({ status: response.status, body: await response.text() });
        } catch {
          // The portal stopped before the callback (a test that ended): the processor gives up, as a real one would retry later.
          callbacks.push({ status: 0, body: 'unreachable' });
        }
      }, 300);
      return;
    }
    if (req.method === 'GET' && url.pathname.startsWith('/results/')) {
      res.writeHead(200, { 'content-type': 'text/csv' }).end(options.results ?? 'event,when\nopened_app,2026-11-01\n');
      return;
    }
    if (req.method === 'GET' && url.pathname.startsWith('/requests/')) {
      const entry = requests.get(id);
      return entry ? json(200, { subject_request_id: id, request_status: entry.status, results_url: null }) : json(404, { error: 'not found' });
    }
    if (req.method === 'DELETE' && url.pathname.startsWith('/requests/')) {
      const entry = requests.get(id);
      deleted.push(id);
      if (!entry || entry.status !== 'pending') return json(405, { error: 'not pending' });
      entry.status = 'cancelled';
      return json(200, { subject_request_id: id, request_status: 'cancelled' });
    }
    res.writeHead(404).end();
  });
  base = await listen(server);
  return { url: base, requests, deleted, callbacks, authorizations, close: () => new Promise<void>((r) => server.close(() => r())) };
}
