/**
 * `npm run bench:load [-- --seconds 60 --connections 100 --route "GET /requests/new"]`: the mixed
 * load of issue 14, or all connections on one route of it (`--route`, by its name below).
 *
 * The real server runs as a child process (production mode, its own temporary DATA_DIR; with
 * DATABASE_URL, a fresh database on that server, dropped after). This process is the load
 * client: autocannon, one instance per route, sharing `connections` between them by weight —
 * public pages and feeds, the request form and intake, sign-in (argon2), the private status
 * page, the staff console, /healthz — all at once for `seconds`. Then a bare node:http server
 * answering a page of the same size, with the same connections, for the ceiling of this
 * machine in the same run. Prints per route: req/s, p50, p99, max, 5xx, errors and timeouts
 * (a request unanswered after 10 s), and the portal's 503 sheds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { createDb, migrateToLatest, type DB } from '../db/client';
import { createSession } from '../app/models/accounts/sessions.server';
import { insertUser } from '../app/models/accounts/users.server';
import { createRequest } from '../app/models/requests/requests.server';
import { confirmVerification } from '../app/models/requests/verification.server';
import { seedDemoRegistry } from '../app/models/subprocessors/demo.server';
import { loadConfig } from '../app/utils/env.server';
import { useOutboxKey } from '../app/utils/outbox-crypto.server';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function option(name: string, fallback: number) {
  const i = process.argv.indexOf(`--${name}`);
  const value = i === -1 ? undefined : Number(process.argv[i + 1]);
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

const SECONDS = option('seconds', Number(process.env.BENCH_SECONDS ?? 60));
const CONNECTIONS = option('connections', 100);
const BARE_SECONDS = Math.min(10, SECONDS);
const ROUTE = (() => {
  const i = process.argv.indexOf('--route');
  return i === -1 ? undefined : process.argv[i + 1];
})();
const TIMEOUT_SECONDS = 10;
const RULES = { timeZone: 'Europe/London', holidays: [] as string[], publicUrl: 'http://127.0.0.1' };

type Seed = { subject: { email: string; password: string }; staffCookie: string; statusToken: string };

async function seed(db: DB): Promise<Seed> {
  await migrateToLatest(db);
  await seedDemoRegistry(db, { timeZone: RULES.timeZone });
  const password = `load test ${randomBytes(8).toString('hex')}`;
  const email = `subject-${randomBytes(4).toString('hex')}@example.org`;
  await insertUser(db, { email, password, role: 'subject', emailVerified: true });
  const staff = await insertUser(db, { email: `staff-${randomBytes(4).toString('hex')}@example.org`, password, role: 'staff', emailVerified: true });
  const { token } = await createSession(db, staff);
  // A few dozen requests so the staff pages have rows to list.
  let statusToken = '';
  for (let i = 0; i < 40; i++) {
    const created = await createRequest(
      db,
      {
        type: 'access',
        email: `seed${i}-${randomBytes(3).toString('hex')}@example.org`,
        name: 'Load Seed',
        accountIdentifier: '',
        details: '',
        requesterRole: 'self',
        confirm: 'yes',
        submissionId: randomUUID(),
      },
      { rules: RULES },
    );
    if (created.outcome === 'created' && created.verifyToken) {
      const confirmed = await confirmVerification(db, created.verifyToken, { rules: RULES });
      if (confirmed.status === 'verified') statusToken = confirmed.statusToken;
    }
  }
  return { subject: { email, password }, staffCookie: `__Host-session=${token}`, statusToken };
}

async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production', PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out.length < 100_000 ? (out += d) : undefined));
  child.stderr!.on('data', (d) => (out.length < 100_000 ? (out += d) : undefined));
  // LOG_LEVEL=warn hides the "listening" line: find the port by asking /healthz on the one it bound.
  const deadline = Date.now() + 90_000;
  for (;;) {
    const port = await findListeningPort(child.pid!);
    if (port) return { child, port };
    if (child.exitCode !== null) throw new Error(`server exited: ${out}`);
    if (Date.now() > deadline) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The TCP port a process listens on (Linux: its sockets in /proc/net/tcp and /proc/PID/fd). */
async function findListeningPort(pid: number): Promise<number | undefined> {
  let inodes: Set<string>;
  try {
    inodes = new Set(
      fs
        .readdirSync(`/proc/${pid}/fd`)
        .map((fd) => {
          try {
            return /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
          } catch {
            return undefined;
          }
        })
        .filter((x): x is string => !!x),
    );
  } catch {
    return undefined;
  }
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').slice(1) : [];
    for (const line of lines) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A' && inodes.has(cols[9]!)) {
        const port = parseInt(cols[1]!.split(':')[1]!, 16);
        const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
        if (ok) return port;
      }
    }
  }
  return undefined;
}

type RouteLoad = { name: string; weight: number; options: (base: string) => Partial<autocannon.Options> & { path?: string } };

let ipCounter = 0;
const nextIp = () => {
  ipCounter++;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
};

function routes(s: Seed): RouteLoad[] {
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  return [
    { name: 'GET /', weight: 8, options: () => ({ path: '/' }) },
    { name: 'GET /subprocessors', weight: 16, options: () => ({ path: '/subprocessors' }) },
    { name: 'GET /subprocessors.json', weight: 8, options: () => ({ path: '/subprocessors.json' }) },
    { name: 'GET /subprocessors/feed.rss', weight: 6, options: () => ({ path: '/subprocessors/feed.rss' }) },
    { name: 'GET /subprocessors/feed.atom', weight: 6, options: () => ({ path: '/subprocessors/feed.atom' }) },
    { name: 'GET /requests/new', weight: 8, options: () => ({ path: '/requests/new' }) },
    {
      name: 'POST /requests/new (intake)',
      weight: 12,
      options: (base) => ({
        requests: [
          {
            method: 'POST',
            path: '/requests/new',
            setupRequest: (req) => ({
              ...req,
              headers: {
                ...req.headers,
                'content-type': 'application/x-www-form-urlencoded',
                origin: base,
                // Each submission from its own address and email: the intake limits are per both.
                'x-forwarded-for': nextIp(),
              },
              body: form({
                type: 'access',
                email: `load-${randomUUID().slice(0, 13)}@example.org`,
                name: 'Load Test',
                requesterRole: 'self',
                confirm: 'yes',
                website: '',
                submissionId: randomUUID(),
              }),
            }),
          },
        ],
      }),
    },
    {
      name: 'POST /login (argon2)',
      weight: 6,
      options: (base) => ({
        method: 'POST',
        path: '/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
        body: form({ email: s.subject.email, password: s.subject.password }),
      }),
    },
    { name: 'GET /status/s/:token', weight: 10, options: () => ({ path: `/status/s/${s.statusToken}` }) },
    { name: 'GET /staff (console)', weight: 6, options: () => ({ path: '/staff', headers: { cookie: s.staffCookie } }) },
    { name: 'GET /staff/subprocessors', weight: 6, options: () => ({ path: '/staff/subprocessors', headers: { cookie: s.staffCookie } }) },
    { name: 'GET /healthz', weight: 8, options: () => ({ path: '/healthz' }) },
  ];
}

type Row = { name: string; connections: number; rps: number; p50: number; p99: number; max: number; s5xx: number; s503: number; errors: number; timeouts: number; codes: string };

function summarize(name: string, connections: number, r: autocannon.Result): Row {
  const codes = (r as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {};
  const count = (pred: (code: number) => boolean) =>
    Object.entries(codes).reduce((n, [code, v]) => n + (pred(Number(code)) ? v.count : 0), 0);
  return {
    name,
    connections,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    s5xx: count((c) => c >= 500),
    s503: count((c) => c === 503),
    errors: r.errors,
    timeouts: r.timeouts,
    codes: Object.entries(codes)
      .map(([c, v]) => `${c}:${v.count}`)
      .join(' '),
  };
}

function printTable(rows: Row[]) {
  const head = `${'route'.padEnd(30)}${'conns'.padStart(6)}${'req/s'.padStart(9)}${'p50 ms'.padStart(8)}${'p99 ms'.padStart(8)}${'max ms'.padStart(8)}${'5xx'.padStart(6)}${'errors'.padStart(8)}${'timeouts'.padStart(10)}  statuses`;
  console.log(head);
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(30)}${String(r.connections).padStart(6)}${r.rps.toFixed(0).padStart(9)}${String(r.p50).padStart(8)}${String(r.p99).padStart(8)}${String(r.max).padStart(8)}${String(r.s5xx).padStart(6)}${String(r.errors).padStart(8)}${String(r.timeouts).padStart(10)}  ${r.codes}`,
    );
  }
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-bench-load-'));
  let pgDatabase: { url: string; drop: () => Promise<void> } | undefined;
  if (process.env.DATABASE_URL) {
    const name = `pp_bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = `/${name}`;
    pgDatabase = {
      url: url.href,
      drop: async () => {
        const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  }
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    DATABASE_URL: pgDatabase?.url ?? '',
    SUBPROCESSOR_DEMO: 'off',
  };
  if (pgDatabase) for (const k of ['SESSION_SECRET', 'EXPORT_KEY', 'BACKUP_KEY', 'CONNECTOR_KEY']) env[k] = randomBytes(32).toString('base64url');
  // The seed queues verification mails, sealed under the key the server will use (generated into DATA_DIR on the embedded database).
  useOutboxKey(loadConfig({ ...env, NODE_ENV: 'production' }).secrets.exportKey);
  const { db } = createDb(pgDatabase ? { databaseUrl: pgDatabase.url } : { dataDir: path.join(dataDir, 'pglite') });
  const s = await seed(db);
  await db.destroy();

  const { child, port } = await startServer(env);
  const base = `http://127.0.0.1:${port}`;
  const loads = routes(s).filter((l) => !ROUTE || l.name === ROUTE);
  if (loads.length === 0) throw new Error(`--route: no route named ${ROUTE}; one of: ${routes(s).map((l) => l.name).join(', ')}`);
  const totalWeight = loads.reduce((n, l) => n + l.weight, 0);
  const shares = loads.map((l) => Math.max(1, Math.round((l.weight / totalWeight) * CONNECTIONS)));
  try {
    console.log(
      `bench:load — ${pgDatabase ? 'postgres' : 'pglite'}, ${shares.reduce((a, b) => a + b, 0)} connections for ${SECONDS} s, ` +
        `timeout ${TIMEOUT_SECONDS} s, ${os.availableParallelism()} CPUs, MAX_CONCURRENT_REQUESTS=${process.env.MAX_CONCURRENT_REQUESTS ?? 'default'}`,
    );
    const cpuBefore = process.cpuUsage();
    const results = await Promise.all(
      loads.map(
        (l, i) =>
          new Promise<Row>((resolve, reject) => {
            const { path: urlPath, ...options } = l.options(base);
            autocannon(
              { url: `${base}${urlPath ?? '/'}`, connections: shares[i]!, duration: SECONDS, timeout: TIMEOUT_SECONDS, ...options },
              (error, result) => (error ? reject(error) : resolve(summarize(l.name, shares[i]!, result))),
            );
          }),
      ),
    );
    const clientCpu = process.cpuUsage(cpuBefore);
    printTable(results);
    const total = results.reduce((n, r) => n + r.rps, 0);
    console.log(
      `total ${total.toFixed(0)} req/s, 5xx ${results.reduce((n, r) => n + r.s5xx, 0)}, timeouts ${results.reduce((n, r) => n + r.timeouts, 0)}, ` +
        `errors ${results.reduce((n, r) => n + r.errors, 0)}; load client CPU ${((clientCpu.user + clientCpu.system) / 1e6).toFixed(1)} s`,
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await pgDatabase?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  // The ceiling: node:http in a process of its own answering a page of the registry page's size.
  const bare = spawn(
    process.execPath,
    [
      '-e',
      `const page = Buffer.from('<!doctype html><html><body>' + 'x'.repeat(20000) + '</body></html>');
       const s = require('node:http').createServer((q, r) => { r.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': page.length }); r.end(page); });
       s.listen(0, '127.0.0.1', () => console.log(s.address().port));`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const barePort = await new Promise<number>((resolve) => bare.stdout!.once('data', (d) => resolve(Number(String(d).trim()))));
  const ceiling = await autocannon({ url: `http://127.0.0.1:${barePort}/`, connections: CONNECTIONS, duration: BARE_SECONDS, timeout: TIMEOUT_SECONDS });
  const c = summarize('bare node:http (ceiling)', CONNECTIONS, ceiling);
  console.log(`${c.name}: ${c.rps.toFixed(0)} req/s, p50 ${c.p50} ms, p99 ${c.p99} ms over ${BARE_SECONDS} s, ${CONNECTIONS} connections`);
  bare.kill('SIGTERM');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
