import { recordBreachFixture } from '../support/breaches';
import { seedInboxItem } from '../support/inbox';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../db/schema';
import { createRequest } from '../../app/models/requests/requests.server';
import { confirmVerification } from '../../app/models/requests/verification.server';
import { requestInformation, transitionRequest } from '../../app/models/requests/transitions.server';
import { startTestPortal, type TestPortal } from '../support/portal';
import { intakeInput, rules } from '../support/requests';
import { createSessionCookie, createUser, uniqueEmail, uniquePassword, type TestUser } from '../support/users';
import { ROUTES, type Fixtures, type RouteEntry } from './route-table';

/**
 * The hostile suite (issue 9): one real server in production mode, two subjects, a staff member
 * and an administrator; every route file in app/routes is tried by every role, with foreign
 * origins, bad bodies and unexpected methods. A route file without an entry in route-table.ts
 * fails the first test.
 */
const ROUTES_DIR = path.resolve(__dirname, '../../app/routes');
const HOSTILE_REDIRECTS = [
  '//evil.example',
  '/\\evil.example',
  '\\\\evil.example',
  'https://evil.example/',
  'javascript:alert(1)',
  '/\t/evil.example',
  '/\n/evil.example',
  '/\r\nSet-Cookie: x=1',
  '/%09/evil.example',
  '/%0A/evil.example',
  '/%0d%0a/evil.example',
  '/%5cevil.example',
  '/%2F/evil.example',
  '/\u0000/evil.example',
  '/\u0085/evil.example',
  '/ /evil.example',
];

let portal: TestPortal;
let fixtures: Fixtures;
const users = {} as Record<'subjectA' | 'subjectB' | 'staff' | 'admin', TestUser>;
let clientNumber = 0;
/** Each probe from its own client address, so the sign-in throttle and rate limits stay out of the way. */
const client = () => `203.0.113.${(clientNumber++ % 250) + 1}`;

beforeAll(async () => {
  portal = await startTestPortal({ NODE_ENV: 'production', LOG_LEVEL: 'silent' });
  users.subjectA = await createUser(portal.db);
  users.subjectB = await createUser(portal.db);
  users.staff = await createUser(portal.db, { role: 'staff' });
  users.admin = await createUser(portal.db, { role: 'admin' });
  const own = await createRequest(portal.db, { ...intakeInput({ email: users.subjectA.email }), userId: users.subjectA.id }, { rules });
  if (own.outcome !== 'created') throw new Error('fixture request not created');
  const linked = await createRequest(portal.db, intakeInput(), { rules });
  if (linked.outcome !== 'created') throw new Error('fixture request not created');
  const confirmed = await confirmVerification(portal.db, linked.verifyToken!, { rules });
  if (confirmed.status !== 'verified') throw new Error('fixture request not verified');
  // Waiting on the subject, so the reply pages are live (they redirect away otherwise).
  for (const id of [own.request.id, linked.request.id]) {
    await transitionRequest(portal.db, { requestId: id, action: 'start', actor: { kind: 'staff', id: users.staff.id } }, { rules });
    await requestInformation(portal.db, { requestId: id, staffId: users.staff.id, question: 'Proof, please.' }, { rules });
  }
  const breach = await recordBreachFixture(portal.db, users.admin.id);
  const system = await portal.db.insertInto('connected_systems').values({ name: 'Route-table CRM', fides_key: 'route_table_crm' }).returning('id').executeTakeFirstOrThrow();
  fixtures = { requestId: own.request.id, statusToken: confirmed.statusToken, missingId: '987654321', fakeToken: 'A'.repeat(43), breachId: breach.id, systemId: system.id, inboxId: await seedInboxItem(portal.db, portal.config.secrets.exportKey) };
});
afterAll(async () => {
  await portal?.stop();
});

type Who = 'signed-out' | keyof typeof users;
/** A fresh session per probe: a probe that signs out (POST /logout) cannot spoil the next one. */
async function cookieFor(who: Who): Promise<Record<string, string>> {
  if (who === 'signed-out') return {};
  const user = users[who];
  return { Cookie: await createSessionCookie(portal.db, { id: user.id, role: user.role as Role }, 'production') };
}

async function send(method: string, url: string, options: { who?: Who; headers?: Record<string, string>; body?: string | Buffer } = {}) {
  const res = await fetch(`${portal.url}${url}`, {
    method,
    redirect: 'manual',
    headers: { 'X-Forwarded-For': client(), ...(await cookieFor(options.who ?? 'signed-out')), ...options.headers },
    body: options.body as BodyInit | undefined,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text };
}

function raw(method: string, url: string, headers: Record<string, string> = {}): Promise<number> {
  const { hostname, port } = new URL(portal.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, method, path: url, headers, agent: false });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode!);
      req.destroy();
    });
    req.on('error', reject);
    // Headers only: a server that waited for the declared body would hang here, and fail the test.
    req.flushHeaders();
  });
}

const hasAction = (file: string) => /export\s+(async\s+function|const)\s+action\b/.test(fs.readFileSync(path.join(ROUTES_DIR, file), 'utf8'));
const routeFiles = fs.readdirSync(ROUTES_DIR).filter((f) => /\.(tsx?|jsx?)$/.test(f) && !/\.server\.[tj]sx?$/.test(f));
const entries = Object.entries(ROUTES) as Array<[string, RouteEntry]>;
const allowedRole: Record<RouteEntry['access'], Who> = {
  public: 'signed-out',
  'signed-in': 'subjectA',
  owner: 'subjectA',
  staff: 'staff',
  admin: 'admin',
  link: 'signed-out',
  'dev-only': 'admin',
  'api-key': 'signed-out',
};

describe('the route table', () => {
  it('has an entry for every route file, and only for route files', () => {
    expect(routeFiles.filter((f) => !(f in ROUTES)), 'route files without an entry in tests/security/route-table.ts').toEqual([]);
    expect(Object.keys(ROUTES).filter((f) => !routeFiles.includes(f)), 'entries whose route file is gone').toEqual([]);
  });
});

describe.each(entries)('%s', (file, entry) => {
  const methods = hasAction(file) ? ['GET', 'POST'] : ['GET'];
  const form = { 'Content-Type': 'application/x-www-form-urlencoded' };

  it('refuses whoever may not use it', async () => {
    const url = entry.path(fixtures);
    for (const method of methods) {
      const body = method === 'POST' ? (entry.probeBody ?? 'intent=probe') : undefined;
      const headers = method === 'POST' ? form : {};
      const expectLogin = async () => {
        const res = await send(method, url, { headers, body });
        expect(res.status, `${method} ${url} signed out`).toBe(302);
        expect(res.headers.get('location'), `${method} ${url} signed out`).toMatch(/^\/login\?redirectTo=%2F/);
      };
      const expectStatus = async (who: Who, statuses: number[], target = url) => {
        const res = await send(method, target, { who, headers, body });
        expect(statuses, `${method} ${target} as ${who}: ${res.status}`).toContain(res.status);
      };
      switch (entry.access) {
        case 'public': {
          const res = await send(method, url, { headers, body });
          expect(res.status, `${method} ${url}`).toBeLessThan(500);
          break;
        }
        case 'signed-in':
          await expectLogin();
          break;
        case 'owner':
          await expectLogin();
          await expectStatus('subjectB', [404]);
          await expectStatus('staff', [404]);
          break;
        case 'staff':
          await expectLogin();
          await expectStatus('subjectA', [403]);
          break;
        case 'admin':
          await expectLogin();
          await expectStatus('subjectA', [403]);
          await expectStatus('staff', [403]);
          break;
        case 'link': {
          const refused = (entry.refusedPath ?? entry.path)(fixtures);
          // 409: the verification link's POST says "this link can no longer confirm a request".
          await expectStatus('signed-out', [404, 409, 410], refused);
          await expectStatus('subjectB', [404, 409, 410], refused);
          break;
        }
        case 'dev-only':
          for (const who of ['signed-out', 'subjectA', 'staff', 'admin'] as const) await expectStatus(who, [404]);
          break;
        case 'api-key':
          // A session is no key: every role is refused, and so is a key that is not one.
          for (const who of ['signed-out', 'subjectA', 'staff', 'admin'] as const) await expectStatus(who, [401]);
          expect((await send(method, url, { headers: { ...headers, Authorization: 'Bearer ppst_notakeynotakeynotakey' }, body })).status, `${method} ${url} with a bad key`).toBe(401);
          break;
      }
    }
  });

  it('refuses every state-changing method from another site', async () => {
    const url = entry.path(fixtures);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const hostiles: Array<Record<string, string>> = [{ Origin: 'https://evil.example' }, { 'Sec-Fetch-Site': 'cross-site' }, { Origin: 'null' }];
      for (const hostile of hostiles) {
        const res = await send(method, url, { who: allowedRole[entry.access], headers: { ...form, ...hostile }, body: 'intent=probe' });
        expect(res.status, `${method} ${url} with ${JSON.stringify(hostile)}`).toBe(403);
      }
    }
  });

  it('answers bad bodies and unexpected methods with a 4xx, never a 5xx', async () => {
    const url = entry.path(fixtures);
    const who = allowedRole[entry.access];
    for (const method of ['TRACE', 'PROPFIND', 'MKCOL']) expect(await raw(method, url), `${method} ${url}`).toBe(405);
    expect(await raw('POST', url, { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': String(60 * 1024 * 1024) })).toBe(413);
    if (!hasAction(file)) {
      const res = await send('POST', url, { who, headers: form, body: 'intent=probe' });
      expect(res.status, `POST ${url} without an action`).toBe(405);
      return;
    }
    const bodies: Array<[string, Record<string, string>, string | Buffer]> = [
      ['text/plain', { 'Content-Type': 'text/plain' }, 'email=a@example.org'],
      ['JSON', { 'Content-Type': 'application/json' }, '{"email":"a@example.org","intent":"withdraw"}'],
      ['broken multipart', { 'Content-Type': 'multipart/form-data; boundary=XX' }, '--XX\r\nContent-Disposition: form-data; name="message"\r\n\r\ntrunc'],
      ['multipart without a boundary', { 'Content-Type': 'multipart/form-data' }, '--XX\r\n\r\n'],
      ['invalid UTF-8', form, Buffer.concat([Buffer.from('intent=probe&email=a%FF%FE&message='), Buffer.from([0xc3, 0x28, 0xff])])],
      ['no content type', {}, 'intent=probe'],
      ['a form over 1 MB', form, `message=${'a'.repeat(1_100_000)}`],
    ];
    for (const [name, headers, body] of bodies) {
      const res = await send('POST', url, { who, headers, body });
      if (entry.bodyIgnored) expect(res.status, `${name} to ${url}`).toBeLessThan(500);
      else {
        expect(res.status, `${name} to ${url}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${name} to ${url}`).toBeLessThan(500);
      }
    }
  });

  it('answers a NUL byte or other control character in any query parameter with no 5xx', async () => {
    // PostgreSQL cannot hold U+0000 in text: a parameter that reached a query unchanged was a 500.
    const names = ['q', 'action', 'actor', 'targetType', 'targetId', 'assignee', 'type', 'state', 'after', 'token', 'at', 'category', 'redirectTo', 'done', 'lng'];
    const url = entry.path(fixtures);
    // Each alone (one invalid parameter must not hide another that reaches the database), then all together.
    const queries = [...names.map((n) => `${n}=a%00b`), ...['%00', '%01%1F%7F'].map((v) => names.map((n) => `${n}=${v}`).join('&'))];
    for (const query of queries) {
      const probe = `${url}${url.includes('?') ? '&' : '?'}${query}`;
      const res = await send('GET', probe, { who: allowedRole[entry.access] });
      expect(res.status, `GET ${probe}`).toBeLessThan(500);
    }
  });

  it('sends the security headers with every HTML answer', async () => {
    const url = entry.path(fixtures);
    for (const who of new Set<Who>(['signed-out', allowedRole[entry.access]])) {
      const res = await send('GET', url, { who });
      expect(res.status, `GET ${url} as ${who}`).toBeLessThan(500);
      if (!(res.headers.get('content-type') ?? '').startsWith('text/html')) continue;
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, url).toContain("default-src 'self'");
      expect(csp, url).toContain("frame-ancestors 'none'");
      expect(csp, url).toContain("object-src 'none'");
      // A page with scripts allows only its own nonce; a page shared caches may keep has no script and no nonce.
      expect(csp, url).toMatch(/script-src 'self'( 'nonce-[A-Za-z0-9+/=]+')?;/);
      expect(csp, url).not.toContain('unsafe-');
      if (res.text.includes('<script')) expect(csp, url).toContain("'nonce-");
      expect(res.headers.get('x-content-type-options'), url).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), url).toBe('SAMEORIGIN');
      // Private pages add no-referrer to the site-wide same-origin; the last one a browser understands wins.
      expect(res.headers.get('referrer-policy'), url).toMatch(/^(same-origin|no-referrer)(, ?no-referrer)?$/);
    }
  });
});

describe('redirect targets never leave the site', () => {
  it.each(HOSTILE_REDIRECTS)('redirectTo %j', async (target) => {
    const signIn = await send('POST', '/login', {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: users.subjectA.email, password: users.subjectA.password, redirectTo: target }).toString(),
    });
    expect(signIn.status).toBe(302);
    const stays = (location: string | null) => {
      expect(location).toMatch(/^\/(?![/\\])/);
      expect(new URL(location!, portal.url).origin).toBe(portal.url);
    };
    stays(signIn.headers.get('location'));
    for (const page of ['/login', '/signup']) {
      const query = `?redirectTo=${encodeURIComponent(target)}`;
      const signedIn = await send('GET', `${page}${query}`, { who: 'subjectA' });
      expect(signedIn.status).toBe(302);
      stays(signedIn.headers.get('location'));
      const form = await send('GET', `${page}${query}`);
      expect(form.status).toBe(200);
      const carried = /name="redirectTo" value="([^"]*)"/.exec(form.text)?.[1] ?? '';
      if (carried !== '') stays(carried.replace(/&amp;/g, '&'));
    }
  });
});

describe('known and unknown addresses get the same answer', () => {
  /** What may differ between two answers: the nonce, the build's version key and the address typed. */
  const comparable = (text: string, email: string) =>
    text.replaceAll(email, 'EMAIL').replace(/nonce="[^"]*"/g, 'nonce=""').replace(/"version":"[^"]*"/g, '');

  const cases: Array<[string, string, (email: string) => Record<string, string>]> = [
    ['sign-in', '/login', (email) => ({ email, password: 'not the password at all' })],
    ['sign-up', '/signup', (email) => ({ email, password: uniquePassword() })],
    ['password reset', '/forgot-password', (email) => ({ email })],
    ['lost status link', '/status', (email) => ({ email })],
  ];
  it.each(cases)('%s', async (_name, url, fields) => {
    const known = (await createUser(portal.db)).email;
    const unknown = uniqueEmail('unknown');
    const answer = (email: string) =>
      send('POST', url, { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields(email)).toString() });
    const [a, b] = [await answer(known), await answer(unknown)];
    expect(a.status).toBe(b.status);
    expect(a.status).toBeLessThan(500);
    expect(a.headers.getSetCookie()).toEqual(b.headers.getSetCookie());
    expect(comparable(a.text, known)).toBe(comparable(b.text, unknown));
  });
});
