import { createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../app/models/audit.server';
import { verifyExportFile } from '../../scripts/audit-verify';
import { startTestPortal, type TestPortal } from '../support/portal';
import { createSessionCookie, createUser, signInOverHttp, type TestUser } from '../support/users';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';
let portal: TestPortal;
let admin: TestUser;
let adminCookie: string;

type Family = { name: string; type: string; metrics: { labels?: Record<string, string>; value?: string; buckets?: Record<string, string> }[] };
async function parsePrometheus(text: string): Promise<Family[]> {
  const name = 'parse-prometheus-text-format';
  const mod = (await import(name)) as { default: (t: string) => Family[] };
  return mod.default(text);
}

beforeAll(async () => {
  portal = await startTestPortal({ METRICS_TOKEN });
  admin = await createUser(portal.db, { role: 'admin' });
  adminCookie = await signInOverHttp(portal.url, admin);
});
afterAll(async () => {
  await portal?.stop();
});

describe('/metrics', () => {
  it('is refused without the bearer token, or with a wrong one', async () => {
    const none = await fetch(`${portal.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const wrong = await fetch(`${portal.url}/metrics`, { headers: { Authorization: 'Bearer nope-nope-nope-nope' } });
    expect(wrong.status).toBe(401);
  });

  it('parses as Prometheus text, names routes by id and never carries a path, token or email', async () => {
    // A status link with a token in its path, and a subject's email in a sign-in attempt.
    const secretPath = `/status/s/${'x'.repeat(43)}`;
    await fetch(`${portal.url}${secretPath}`);
    await fetch(`${portal.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: 'metrics-canary@example.test', password: 'not the password at all' }),
    });
    // Answered from the public document cache, before Express: counted all the same.
    const cached = await fetch(`${portal.url}/subprocessors.json`);
    expect(await cached.json()).toHaveProperty('subprocessors');
    const res = await fetch(`${portal.url}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).not.toContain('x'.repeat(43));
    expect(text).not.toContain('metrics-canary');
    expect(text).not.toContain(admin.email);
    const families = await parsePrometheus(text);
    const byName = new Map(families.map((f) => [f.name, f]));
    const histogram = byName.get('portal_http_request_duration_seconds')!;
    expect(histogram.type).toBe('HISTOGRAM');
    expect(histogram.metrics.length).toBeGreaterThan(0);
    expect(Object.keys(histogram.metrics[0]!.buckets!)).toContain('+Inf');
    const counted = byName.get('portal_http_requests_total')!;
    const routes = new Set(counted.metrics.map((m) => m.labels!.route));
    expect(routes).toContain('routes/status.s.$token');
    expect(routes).toContain('routes/login');
    expect(routes).toContain('routes/subprocessors[.json]');
    for (const route of routes) expect(route).toMatch(/^(routes\/[^/]+|root|unmatched|static|healthz|readyz|metrics)$/);
    for (const name of ['portal_jobs', 'portal_mail_outbox', 'portal_requests', 'portal_requests_overdue', 'portal_backup_age_seconds']) {
      expect(byName.has(name), name).toBe(true);
    }
    expect(byName.get('portal_metrics_scrape_errors_total')!.metrics[0]!.value).toBe('0');
    expect(byName.get('portal_requests_overdue')!.metrics[0]!.value).toBe('0');
    expect(byName.get('portal_backup_age_seconds')!.metrics[0]!.value).toBe('-1');
    const jobs = byName.get('portal_jobs')!.metrics;
    expect(jobs.some((m) => m.labels!.kind === 'maintenance.daily')).toBe(true);
  });

  it('answers 404 when no METRICS_TOKEN is configured', async () => {
    const bare = await startTestPortal();
    try {
      expect((await fetch(`${bare.url}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(404);
    } finally {
      await bare.stop();
    }
  });
});

describe('overdue requests', () => {
  it('are counted in /metrics and on the staff home once a running clock passes its due date', async () => {
    const { fileRequest } = await import('../support/requests');
    const { request } = await fileRequest(portal.db);
    await portal.db.updateTable('requests').set({ state: 'open', received_at: new Date('2020-01-01'), due_date: '2020-02-03' }).where('id', '=', request.id).execute();
    const paused = (await fileRequest(portal.db)).request;
    await portal.db.updateTable('requests').set({ state: 'awaiting_subject', received_at: new Date('2020-01-01'), due_date: '2020-02-03', paused_at: new Date() }).where('id', '=', paused.id).execute();
    const text = await (await fetch(`${portal.url}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    const byName = new Map((await parsePrometheus(text)).map((f) => [f.name, f]));
    expect(byName.get('portal_requests_overdue')!.metrics[0]!.value).toBe('1');
    const states = Object.fromEntries(byName.get('portal_requests')!.metrics.map((m) => [m.labels!.state, m.value]));
    expect(states).toMatchObject({ open: '1', awaiting_subject: '1' });
    const html = await (await fetch(`${portal.url}/staff`, { headers: { Cookie: adminCookie } })).text();
    expect(html).toMatch(/Overdue requests:(<!-- -->| )*1</);
    await portal.db.updateTable('requests').set({ state: 'completed', closed_at: new Date() }).where('id', 'in', [request.id, paused.id]).execute();
  });
});

describe('/readyz', () => {
  it('is ready once migrations are current and the worker has polled', async () => {
    let body: Record<string, unknown> = {};
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${portal.url}/readyz`);
      body = (await res.json()) as Record<string, unknown>;
      if (res.status === 200) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(body).toMatchObject({ status: 'ready', migrations: 'current', worker: 'running' });
  });
});

describe('/staff/audit', () => {
  it('is for administrators only', async () => {
    const staff = await createUser(portal.db, { role: 'staff' });
    const cookie = await createSessionCookie(portal.db, staff);
    expect((await fetch(`${portal.url}/staff/audit`, { headers: { Cookie: cookie } })).status).toBe(403);
    expect((await fetch(`${portal.url}/staff/audit/export?from=2026-01-01&to=2026-01-02`, { headers: { Cookie: cookie } })).status).toBe(403);
    const anonymous = await fetch(`${portal.url}/staff/audit`, { redirect: 'manual' });
    expect(anonymous.status).toBe(302);
  });

  it('lists sign-ins, filters by action, pages by keyset, and records the viewing', async () => {
    const page = await fetch(`${portal.url}/staff/audit?action=auth.sign_in`, { headers: { Cookie: adminCookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('auth.sign_in');
    expect(html).not.toContain('auth.sign_in_failed');
    const failed = await (await fetch(`${portal.url}/staff/audit?action=auth.sign_in_failed`, { headers: { Cookie: adminCookie } })).text();
    expect(failed).toContain('auth.sign_in_failed');
    const viewed = await portal.db.selectFrom('audit_events').selectAll().where('action', '=', 'audit.viewed').execute();
    expect(viewed.length).toBeGreaterThanOrEqual(2);
    expect(viewed[0]!.actor_id).toBe(admin.id);

    const first = await (await fetch(`${portal.url}/staff/audit?action=audit.viewed&limit=1`, { headers: { Cookie: adminCookie } })).text();
    expect(first).toContain('Older events');
    const byEmail = await (await fetch(`${portal.url}/staff/audit?actor=${encodeURIComponent(admin.email)}&action=auth.sign_in`, { headers: { Cookie: adminCookie } })).text();
    expect(byEmail).toContain(admin.id);
    const nobody = await (await fetch(`${portal.url}/staff/audit?actor=nobody%40example.test`, { headers: { Cookie: adminCookie } })).text();
    expect(nobody).toContain('No events match');
    const bad = await fetch(`${portal.url}/staff/audit?from=yesterday`, { headers: { Cookie: adminCookie } });
    expect(bad.status).toBe(400);
  });

  it('exports a date range as JSON lines that verify offline', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const res = await fetch(`${portal.url}/staff/audit/export?from=${today}&to=${today}`, { headers: { Cookie: adminCookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="audit-/);
    const text = await res.text();
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ type: 'audit-export', from: `${today}T00:00:00.000Z` });
    expect(lines.at(-1)).toMatchObject({ type: 'audit-export-trailer', count: lines.length - 2 });
    expect(lines.length).toBeGreaterThan(4);
    expect(lines.some((l) => l.action === 'auth.sign_in')).toBe(true);
    const publicKey = createPublicKey(await (await fetch(`${portal.url}/.well-known/audit-key`)).text());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-audit-export-'));
    try {
      const file = path.join(dir, 'export.jsonl');
      fs.writeFileSync(file, text);
      expect(await verifyExportFile(file, { publicKey, live: portal.db })).toEqual({ ok: true, count: lines.length - 2, live: 'matched' });
      // One changed character in one event breaks the offline check at that event's line.
      const tampered = lines.map((l, i) => (i === 2 ? { ...l, ip: '203.0.113.9' } : l));
      fs.writeFileSync(file, tampered.map((l) => JSON.stringify(l)).join('\n'));
      const result = await verifyExportFile(file, { publicKey });
      expect(result).toMatchObject({ ok: false, line: 3 });
      if (!result.ok) expect(result.reason).toContain(`event id ${String(lines[2]!.id)}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    // A date left empty: the 30 days up to the other one (or today).
    const fromOnly = await fetch(`${portal.url}/staff/audit/export?from=${today}`, { headers: { Cookie: adminCookie } });
    expect(fromOnly.status).toBe(200);
    expect(fromOnly.headers.get('content-disposition')).toContain(`audit-${today}-to-${today}.jsonl`);
    await fromOnly.text();
    expect((await verifyAuditChain(portal.db)).ok).toBe(true);
  });
});

describe('what the audit trail records', () => {
  it('sign-in, failed sign-in, role change, staff views and sign-out, each with actor and address', async () => {
    const person = await createUser(portal.db);
    const since = await portal.db.selectFrom('audit_events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow();
    const post = (path: string, body: Record<string, string>, cookie?: string) =>
      fetch(`${portal.url}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(cookie ? { Cookie: cookie } : {}) },
        body: new URLSearchParams(body),
      });
    await post('/login', { email: person.email, password: 'certainly not the password' });
    const cookie = await signInOverHttp(portal.url, admin);
    await fetch(`${portal.url}/staff/users`, { headers: { Cookie: cookie } });
    expect((await post('/staff/users', { intent: 'grant', email: person.email }, cookie)).status).toBe(302);
    await fetch(`${portal.url}/staff/objections`, { headers: { Cookie: cookie } });
    await post('/logout', {}, cookie);
    const events = await portal.db
      .selectFrom('audit_events')
      .selectAll()
      .where('id', '>', String(since.id ?? '0'))
      .orderBy('id')
      .execute();
    const seen = events.map((e) => [e.action, e.actor_id]);
    expect(seen).toEqual(
      expect.arrayContaining([
        ['auth.sign_in_failed', person.id],
        ['auth.sign_in', admin.id],
        ['staff_accounts.view', admin.id],
        ['role.staff_granted', admin.id],
        ['subprocessor.objections.view', admin.id],
        ['auth.sign_out', admin.id],
      ]),
    );
    expect(events.every((e) => e.ip !== null)).toBe(true);
    expect((await verifyAuditChain(portal.db)).ok).toBe(true);
  });
});

describe('staff home', () => {
  it('shows the operations block: overdue requests, failed jobs and mail, last backup', async () => {
    const html = await (await fetch(`${portal.url}/staff`, { headers: { Cookie: adminCookie } })).text();
    expect(html).toContain('Operations');
    expect(html).toMatch(/Overdue requests:(<!-- -->| )*0</);
    expect(html).toContain('Failed background jobs');
    expect(html).toContain('Mail that could not be delivered');
    expect(html).toMatch(/Last backup:(<!-- -->| )*never/);
  });
});
