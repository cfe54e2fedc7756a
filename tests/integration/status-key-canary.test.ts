import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnPortalProcess, type PortalProcess } from '../support/server-process';
import { sessionCookieFrom } from '../support/users';

/**
 * Monitor API keys are credentials. The real server in its own process at the most verbose log
 * level: an administrator issues a key through the staff page, monitors use it in every way the
 * API takes it (Bearer, Statuspage's OAuth, Uptime Kuma), in a query string and in refused calls,
 * and the key is revoked. Afterwards no log line, no file under DATA_DIR and no table row holds
 * the key: only its hash.
 */
const admin = { email: `status-admin-${randomBytes(4).toString('hex')}@example.org`, password: `status admin ${randomBytes(8).toString('hex')}` };
let portal: PortalProcess;

beforeAll(async () => {
  portal = await spawnPortalProcess({ logLevel: 'trace', prefix: 'pp-status-key', admin });
}, 120_000);

afterAll(async () => {
  await portal?.cleanup();
});

describe('monitor API keys', () => {
  it('appear in no log line, no file under DATA_DIR and no table', { timeout: 180_000 }, async () => {
    const form = (pathname: string, fields: Record<string, string>, cookie?: string) =>
      fetch(`${portal.baseURL}${pathname}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: portal.baseURL, ...(cookie ? { Cookie: cookie } : {}) },
        body: new URLSearchParams(fields),
      });
    const signIn = await form('/login', admin);
    expect(signIn.status).toBe(302);
    const cookie = sessionCookieFrom(signIn)!;

    expect((await form('/staff/service-status/components/new', { name: 'Website', kind: 'component', position: '0' }, cookie)).status).toBe(302);
    const keysPage = await (await fetch(`${portal.baseURL}/staff/service-status/api-keys`, { headers: { Cookie: cookie } })).text();
    const componentId = /Website \(id (\d+)\)/.exec(keysPage)![1]!;
    const issued = await form('/staff/service-status/api-keys', { intent: 'issue', name: 'Uptime Kuma', 'scope-components': 'yes', 'scope-incidents': 'yes', expiresOn: '2099-01-01' }, cookie);
    // Too far ahead: refused, and nothing issued.
    expect(issued.status).toBe(400);
    const expiresOn = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const shown = await form('/staff/service-status/api-keys', { intent: 'issue', name: 'Uptime Kuma', 'scope-components': 'yes', 'scope-incidents': 'yes', expiresOn }, cookie);
    expect(shown.status).toBe(200);
    expect(shown.headers.get('cache-control')).toBe('no-store');
    const key = /ppst_[A-Za-z0-9_-]{20,}/.exec(await shown.text())![0];

    const pageId = ((await (await fetch(`${portal.baseURL}/api/v2/summary.json`)).json()) as { page: { id: string } }).page.id;
    const api = (pathname: string, method: string, auth: string, body: unknown) =>
      fetch(`${portal.baseURL}/api/v1${pathname}`, { method, headers: { 'Content-Type': 'application/json', Authorization: auth }, body: JSON.stringify(body) });
    const component = `/pages/${pageId}/components/${componentId}`;
    expect((await api(component, 'PATCH', `Bearer ${key}`, { component: { status: 'major_outage' } })).status).toBe(200);
    expect((await api(component, 'PATCH', `OAuth ${key}`, { component: { status: 'operational' } })).status).toBe(200);
    expect((await api(`/uptime-kuma/${componentId}`, 'POST', `Bearer ${key}`, { heartbeat: { status: 0, msg: 'timeout' }, monitor: { name: 'Website' }, msg: 'Website is down' })).status).toBe(200);
    // Refusals: a key with a byte too many, a key where a status belongs, a key in the query string.
    expect((await api(component, 'PATCH', `Bearer ${key}x`, { component: { status: 'operational' } })).status).toBe(401);
    expect((await api(component, 'PATCH', `Bearer ${key}`, { component: { status: key } })).status).toBe(422);
    expect((await fetch(`${portal.baseURL}/api/v2/summary.json?api_key=${key}&token=${key}`)).status).toBe(200);

    const tokenId = /name="tokenId" value="(\d+)"/.exec(await (await fetch(`${portal.baseURL}/staff/service-status/api-keys`, { headers: { Cookie: cookie } })).text())![1]!;
    expect((await form('/staff/service-status/api-keys', { intent: 'revoke', tokenId }, cookie)).status).toBe(200);
    expect((await api(component, 'PATCH', `Bearer ${key}`, { component: { status: 'operational' } })).status).toBe(401);

    expect(await portal.stop()).toBe(0);
    const haystacks: Record<string, string> = { stdout: portal.out.stdout, stderr: portal.out.stderr, ...portal.readDataFiles(), ...(await portal.dumpTables()) };
    // The search is real: the calls were logged and the key's issue, use and revocation recorded.
    expect(portal.out.stdout).toContain(`/api/v1/pages/${pageId}/components/${componentId}`);
    expect(portal.out.stdout).toContain('"url":"/api/v2/summary.json?api_key=[REDACTED]&token=[REDACTED]"');
    expect(haystacks['table status_api_tokens']).toContain('Uptime Kuma');
    expect(haystacks['table audit_events']).toContain('status.api_key_revoked');
    expect(haystacks['table status_component_changes']).toContain('uptime_kuma');

    const secret = key.slice('ppst_'.length);
    const found = Object.entries(haystacks)
      .filter(([, text]) => text.includes(secret))
      .map(([where]) => where);
    expect(found).toEqual([]);
  });
});
