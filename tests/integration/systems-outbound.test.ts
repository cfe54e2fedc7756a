import dns from 'node:dns';
import http from 'node:http';
import net, { type LookupFunction } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboundRequest, OutboundError } from '../../app/models/systems/outbound.server';

/**
 * Issue 19, item 9: outbound calls are SSRF-safe, tested without a single packet leaving the
 * machine. Names resolve through a stub resolver, and a guard on the socket layer (net.Socket's
 * connect) fails the lookup of any socket about to connect anywhere but loopback, and records it.
 */
const attempted: string[] = [];
const isLoopback = (address: string) => address === '127.0.0.1' || address === '::1' || address === 'localhost';
const originalConnect = net.Socket.prototype.connect;

beforeAll(() => {
  net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
    const options = args[0] as { host?: string; lookup?: LookupFunction } | number;
    const host = typeof options === 'object' ? options.host : typeof args[1] === 'string' ? args[1] : undefined;
    // A literal address skips DNS: refuse it before any connect.
    if (host && net.isIP(host) && !isLoopback(host)) {
      attempted.push(host);
      throw new Error(`test guard: a connect to ${host} was stopped`);
    }
    // After DNS, whatever the code under test decided: the address the socket would connect to
    // must be loopback, or the lookup fails and the socket never connects.
    if (typeof options === 'object' && host && !net.isIP(host)) {
      const inner: LookupFunction = options.lookup ?? dns.lookup;
      const guarded = ((hostname: string, lookupOptions: object, callback: (...a: unknown[]) => void) =>
        (inner as (...a: unknown[]) => void)(hostname, lookupOptions, (err: Error | null, address: unknown, family?: number) => {
          const addresses = Array.isArray(address) ? address.map((a: { address: string }) => a.address) : typeof address === 'string' ? [address] : [];
          const outside = addresses.filter((a) => !isLoopback(a));
          if (!err && outside.length > 0) {
            attempted.push(...outside);
            callback(new Error(`test guard: a connect to ${outside.join(', ')} was stopped`));
            return;
          }
          callback(err, address, family);
        })) as unknown as LookupFunction;
      args[0] = { ...options, lookup: guarded };
    }
    return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof net.Socket.prototype.connect;
});
afterAll(() => {
  net.Socket.prototype.connect = originalConnect;
});

/** A stub resolver: each name maps to a list of answers, used one per lookup (the last one repeats). */
function resolver(table: Record<string, string[]>): LookupFunction & { calls: string[] } {
  const calls: string[] = [];
  const used: Record<string, number> = {};
  const lookup = ((hostname: string, options: { all?: boolean }, callback: (...a: unknown[]) => void) => {
    calls.push(hostname);
    const answers = table[hostname];
    if (!answers) {
      callback(Object.assign(new Error(`stub resolver: no ${hostname}`), { code: 'ENOTFOUND' }));
      return;
    }
    const i = Math.min(used[hostname] ?? 0, answers.length - 1);
    used[hostname] = (used[hostname] ?? 0) + 1;
    const address = answers[i]!;
    const family = net.isIPv6(address) ? 6 : 4;
    if (options?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as unknown as LookupFunction & { calls: string[] };
  lookup.calls = calls;
  return lookup;
}

let server: http.Server;
let port: number;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/redirect') {
      res.writeHead(302, { Location: 'http://127.0.0.1/elsewhere' });
      res.end();
    } else if (req.url === '/slow') {
      setTimeout(() => res.end('late'), 2_000);
    } else if (req.url === '/huge') {
      res.end(Buffer.alloc(64 * 1024, 120));
    } else {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => res.end(JSON.stringify({ method: req.method, body })));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function refusal(promise: Promise<unknown>): Promise<OutboundError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OutboundError);
  return error as OutboundError;
}

describe('addresses that are not public', () => {
  const PRIVATE = ['127.0.0.1', '10.0.0.1', '169.254.169.254', '100.64.0.1', '::1', 'fd00::1', '::ffff:127.0.0.1', '192.168.1.1', '172.16.0.1', '0.0.0.0', '224.0.0.1', 'fe80::1'];

  it.each(PRIVATE)('a name resolving to %s is refused before any connect', async (address) => {
    const lookup = resolver({ 'victim.example': [address] });
    const error = await refusal(outboundRequest(`https://victim.example:${port}/`, { lookup }));
    expect(error.code).toBe('refused_address');
    expect(lookup.calls).toEqual(['victim.example']);
  });

  it.each(['10.0.0.1', '169.254.169.254', '[fd00::1]', '[::ffff:127.0.0.1]', '127.0.0.1'])('a literal address %s is refused', async (host) => {
    const error = await refusal(outboundRequest(`https://${host}:${port}/`));
    expect(error.code).toBe('refused_address');
  });

  it('a name that resolves to a public address, then to a private one (rebinding), is refused on the connect that matters', async () => {
    const lookup = resolver({ 'rebind.example': ['93.184.216.34', '127.0.0.1'] });
    // The first connect passes the filter: the public address is what the guard then stops (no packet leaves).
    await refusal(outboundRequest(`https://rebind.example:${port}/`, { lookup }));
    expect(attempted).toContain('93.184.216.34');
    const second = await refusal(outboundRequest(`https://rebind.example:${port}/`, { lookup }));
    expect(second.code).toBe('refused_address');
    expect(lookup.calls).toEqual(['rebind.example', 'rebind.example']);
  });
});

describe('schemes and the allowlisted internal host', () => {
  it('refuses http and other schemes for any other host, and URLs with credentials', async () => {
    expect((await refusal(outboundRequest(`http://public.example:${port}/`, { lookup: resolver({ 'public.example': ['93.184.216.34'] }) }))).code).toBe('refused_scheme');
    expect((await refusal(outboundRequest('file:///etc/passwd'))).code).toBe('refused_scheme');
    expect((await refusal(outboundRequest('https://user:pw@public.example/'))).code).toBe('bad_url');
  });

  it('lets the one allowlisted internal host through, over http, to its private address', async () => {
    const lookup = resolver({ 'crm.internal': ['127.0.0.1'] });
    const res = await outboundRequest(`http://crm.internal:${port}/hook`, { method: 'POST', body: '{"a":1}', allowlistedHost: 'crm.internal', lookup });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual({ method: 'POST', body: '{"a":1}' });
    // Another name resolving to the same address is still refused.
    const other = await refusal(outboundRequest(`https://other.internal:${port}/`, { allowlistedHost: 'crm.internal', lookup: resolver({ 'other.internal': ['127.0.0.1'] }) }));
    expect(other.code).toBe('refused_address');
  });
});

describe('answers', () => {
  const lookup = () => resolver({ 'crm.internal': ['127.0.0.1'] });
  it('does not follow a redirect, even to loopback: a 3xx is a failure', async () => {
    const error = await refusal(outboundRequest(`http://crm.internal:${port}/redirect`, { allowlistedHost: 'crm.internal', lookup: lookup() }));
    expect(error).toMatchObject({ code: 'redirect', status: 302 });
  });

  it('gives up after the timeout', async () => {
    const error = await refusal(outboundRequest(`http://crm.internal:${port}/slow`, { allowlistedHost: 'crm.internal', lookup: lookup(), timeoutMs: 300 }));
    expect(error.code).toBe('timeout');
  });

  it('cuts off an answer past the size cap', async () => {
    const error = await refusal(outboundRequest(`http://crm.internal:${port}/huge`, { allowlistedHost: 'crm.internal', lookup: lookup(), maxBytes: 1024 }));
    expect(error.code).toBe('too_large');
    expect(error.message).not.toContain('xxx');
  });
});

describe('the guard', () => {
  it('saw no connect to anything but loopback, except the one public address the rebinding test let through to it', () => {
    expect(attempted.filter((a) => a !== '93.184.216.34')).toEqual([]);
  });
});
