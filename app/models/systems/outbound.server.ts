import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';

/**
 * Every call the portal makes to another system (webhooks, OpenDSR, certificate fetches) goes
 * through here, SSRF-safe (issue 19, item 9; CVE-2023-46124 is what Fides got wrong):
 *
 * - the address is checked at connect time, after DNS, on every connection, so a name that
 *   resolves to a public address first and a private one later (rebinding) is refused on the
 *   connect that matters (request-filtering-agent, decision 170). Refused: loopback, private,
 *   link-local (the cloud metadata address with it), CGNAT, multicast, unspecified, IPv6
 *   unique-local and IPv4-mapped addresses: everything ipaddr.js does not call unicast;
 * - https only, except the one internal host an administrator allowlisted by name, which may
 *   use http and resolve to a private address;
 * - redirects are never followed (a 3xx is a failure), 15 s for the whole call, and the answer
 *   is cut off past a size cap;
 * - errors say what failed in a few words, never a body.
 */
export const OUTBOUND_TIMEOUT_MS = 15_000;
export const OUTBOUND_MAX_BYTES = 10 * 1024 * 1024;

export type OutboundErrorCode = 'refused_address' | 'refused_scheme' | 'bad_url' | 'timeout' | 'too_large' | 'redirect' | 'network';

export class OutboundError extends Error {
  override name = 'OutboundError';
  constructor(
    readonly code: OutboundErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export type OutboundRequest = {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
  maxBytes?: number;
  /** The one internal host (a name, as typed by an administrator) allowed past the filter, over http too. */
  allowlistedHost?: string | null;
  /** The resolver; tests pass a stub so that no name is ever looked up for real. */
  lookup?: LookupFunction;
};

export type OutboundResponse = { status: number; headers: Record<string, string>; body: Buffer };

const filteringHttps = new RequestFilteringHttpsAgent({ keepAlive: false });
const filteringHttp = new RequestFilteringHttpAgent({ keepAlive: false });
const plainHttps = new https.Agent({ keepAlive: false });
const plainHttp = new http.Agent({ keepAlive: false });

export async function outboundRequest(target: string, options: OutboundRequest = {}): Promise<OutboundResponse> {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new OutboundError('bad_url', 'not a URL');
  }
  if (url.username || url.password) throw new OutboundError('bad_url', 'a URL with credentials is refused');
  const allowlisted = !!options.allowlistedHost && url.hostname.toLowerCase() === options.allowlistedHost.toLowerCase();
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowlisted)) {
    throw new OutboundError('refused_scheme', allowlisted ? 'only http and https' : 'https only (an allowlisted internal host may use http)');
  }
  const secure = url.protocol === 'https:';
  const agent = allowlisted ? (secure ? plainHttps : plainHttp) : secure ? filteringHttps : filteringHttp;
  const maxBytes = options.maxBytes ?? OUTBOUND_MAX_BYTES;
  const timeoutMs = options.timeoutMs ?? OUTBOUND_TIMEOUT_MS;
  const body = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body);
  return new Promise<OutboundResponse>((resolve, reject) => {
    let settled = false;
    const fail = (error: OutboundError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      reject(error);
    };
    const request = (secure ? https : http).request(
      url,
      {
        method: options.method ?? 'GET',
        agent,
        headers: { ...(body ? { 'Content-Length': String(body.length) } : {}), ...options.headers },
        ...(options.lookup ? { lookup: options.lookup } : {}),
      },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          response.resume();
          fail(new OutboundError('redirect', `answered ${status}: redirects are not followed`, status));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            fail(new OutboundError('too_large', `the answer is larger than ${maxBytes} bytes`, status));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const headers: Record<string, string> = {};
          for (const [key, value] of Object.entries(response.headers)) if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
          resolve({ status, headers, body: Buffer.concat(chunks) });
        });
        response.on('error', () => fail(new OutboundError('network', 'the connection broke during the answer', status)));
      },
    );
    const timer = setTimeout(() => fail(new OutboundError('timeout', `no complete answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) => {
      const refused = /is not allowed/.test(error.message);
      fail(refused ? new OutboundError('refused_address', `refused: ${url.hostname} resolves to an address that is not public`) : new OutboundError('network', error.code ?? 'network error'));
    });
    if (body) request.end(body);
    else request.end();
  });
}
