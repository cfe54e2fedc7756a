/**
 * `npm run bench`: throughput, latency and server CPU per request for the public documents,
 * their 304s and the uncacheable pages, against two references measured in the same run: a bare
 * node:http server sending the same bytes (the ceiling) and a minimal Remix page doing one query
 * (the floor for a rendered page). Three processes: the portal (scripts/bench/target.ts), the
 * bare server (scripts/bench/bare.mjs) and autocannon, each run a process of its own.
 *
 * BENCH_SECONDS (default 5) per path; BENCH_CONNECTIONS (default 8); BENCH_ROUNDS (default 3:
 * the uncacheable pages and the minimal page are measured that many times, the median shown);
 * BENCH_ONLY, a comma-separated choice of the sections full, 304, pages, intake, log (default
 * all; the two minimal references always run). Embedded database by default; with
 * DATABASE_URL, a fresh database on that server, dropped afterwards.
 * Loopback only.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createTestDatabaseUrl, testDatabaseEnv } from '../../tests/support/db';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const SECTIONS = new Set((process.env.BENCH_ONLY || 'full,304,pages,intake,log').split(',').map((s) => s.trim()));
const wanted = (section: 'full' | '304' | 'pages' | 'intake' | 'log') => SECTIONS.has(section);
const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-bench-'));

function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

async function waitForFile(file: string, child: ReturnType<typeof spawn>, what: string) {
  for (let i = 0; i < 600; i++) {
    if (fs.existsSync(file) && fs.statSync(file).size > 0) return JSON.parse(fs.readFileSync(file, 'utf8'));
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start`);
}

type Result = { name: string; rps: number; p50: number; p99: number; cpuMs: number; non2xx: number; errors: number };

/** One autocannon run in its own process; CPU is the target process's user+system time over the run. */
function run(
  name: string,
  url: string,
  pid: number,
  options: { headers?: Record<string, string>; method?: string; body?: string; expect?: number; intake?: boolean } = {},
): Promise<Result & { acknowledged: number }> {
  const args = ['-j', '-c', String(CONNECTIONS), '-d', String(SECONDS)];
  for (const [k, v] of Object.entries(options.headers ?? {})) args.push('-H', `${k}=${v}`);
  if (options.method) args.push('-m', options.method);
  if (options.body) args.push('-b', options.body);
  args.push(url);
  const before = cpuSeconds(pid);
  return new Promise((resolve, reject) => {
    // The intake row needs a new key, email and address per submission: its own small client.
    const child = options.intake
      ? spawn(process.execPath, ['scripts/bench/intake-client.mjs', url, String(CONNECTIONS), String(SECONDS)], { stdio: ['ignore', 'pipe', 'ignore'] })
      : spawn(path.resolve('node_modules/.bin/autocannon'), args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.on('error', reject);
    child.on('exit', () => {
      const cpu = cpuSeconds(pid) - before;
      const r = JSON.parse(out) as {
        requests: { total: number; average: number };
        latency: { p50: number; p99: number };
        non2xx: number;
        errors: number;
        timeouts: number;
        statusCodeStats?: Record<string, { count: number }>;
      };
      const expected = options.expect ?? 200;
      const unexpected = Object.entries(r.statusCodeStats ?? {})
        .filter(([code]) => Number(code) !== expected)
        .reduce((n, [, s]) => n + s.count, 0);
      resolve({
        name,
        rps: r.requests.total / SECONDS,
        p50: r.latency.p50,
        p99: r.latency.p99,
        cpuMs: r.requests.total ? (cpu * 1000) / r.requests.total : NaN,
        non2xx: unexpected,
        errors: r.errors + r.timeouts,
        acknowledged: r.statusCodeStats?.[String(expected)]?.count ?? 0,
      });
    });
  });
}

async function accessLogLineCpuMicroseconds(): Promise<number> {
  const { createLogger, logDestination } = await import('../../app/utils/logger.server');
  // The same writer the server logs through, pointed at /dev/null.
  const logger = createLogger({ level: 'info' }, logDestination('/dev/null'));
  const line = () =>
    logger.info({ req: { method: 'GET', url: '/subprocessors.json' }, res: { statusCode: 304 }, responseTime: 0.05, cache: 'public' }, 'request completed');
  for (let i = 0; i < 20_000; i++) line();
  const n = 200_000;
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) line();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / n;
}

async function main() {
  const pgDatabase = await createTestDatabaseUrl();
  const info = path.join(tmp, 'target.json');
  const target = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench/target.ts'], {
    env: {
      ...process.env,
      ...testDatabaseEnv(pgDatabase),
      ...(pgDatabase ? {} : { DATABASE_URL: '' }),
      NODE_ENV: 'production',
      DATA_DIR: path.join(tmp, 'data'),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      SUBPROCESSOR_DEMO: 'on',
      BENCH_INFO: info,
    },
    stdio: ['ignore', fs.openSync(path.join(tmp, 'portal.log'), 'w'), 'inherit'],
  });
  const bare: { child?: ReturnType<typeof spawn> } = {};
  try {
    const { portalPort, minimalPort, pid, statusPath, subjectCookie, staffCookie } = await waitForFile(info, target, 'the portal');
    const portal = `http://127.0.0.1:${portalPort}`;
    const today = new Date().toISOString().slice(0, 10);
    const publicPaths = [
      '/subprocessors',
      `/subprocessors?at=${today}`,
      '/subprocessors.json',
      '/subprocessors/feed.rss',
      '/subprocessors/feed.atom',
      '/subprocessors/feed.json',
    ];
    // The bytes each public path sends, for the bare server to send the same.
    const captured: Record<string, { body: string; etag: string; contentType: string; cacheControl: string }> = {};
    for (const p of publicPaths) {
      const res = await fetch(portal + p, { headers: { 'Accept-Encoding': 'identity' } });
      if (res.status !== 200) throw new Error(`${p} answered ${res.status}`);
      captured[p] = {
        body: Buffer.from(await res.arrayBuffer()).toString('base64'),
        etag: res.headers.get('etag') ?? '',
        contentType: res.headers.get('content-type') ?? '',
        cacheControl: res.headers.get('cache-control') ?? '',
      };
    }
    fs.writeFileSync(path.join(tmp, 'captured.json'), JSON.stringify(captured));
    bare.child = spawn(process.execPath, ['scripts/bench/bare.mjs', path.join(tmp, 'captured.json'), path.join(tmp, 'bare.json')], { stdio: 'inherit' });
    const bareInfo = await waitForFile(path.join(tmp, 'bare.json'), bare.child, 'the bare server');
    const bareUrl = `http://127.0.0.1:${bareInfo.port}`;

    const rows: { result: Result; ceiling?: Result; ratioOf?: 'ceiling' | 'minimal' | 'insert'; range?: [number, number] }[] = [];
    const minimalPage = await run('minimal Remix page (1 query)', `http://127.0.0.1:${minimalPort}/`, pid);
    const minimalInsert = await run('minimal Remix action (1 INSERT, redirect)', `http://127.0.0.1:${minimalPort}/?index`, pid, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'body=hello',
      expect: 302,
    });
    rows.push({ result: minimalPage }, { result: minimalInsert });
    for (const p of wanted('full') ? publicPaths : []) {
      const ceiling = await run(`bare node:http ${p}`, bareUrl + p, bareInfo.pid);
      const full = await run(`${p} full`, portal + p, pid);
      rows.push({ result: full, ceiling, ratioOf: 'ceiling' });
    }
    const bare304 = wanted('304')
      ? await run('bare node:http 304', bareUrl + publicPaths[0], bareInfo.pid, {
          headers: { 'If-None-Match': captured[publicPaths[0]!]!.etag },
          expect: 304,
        })
      : undefined;
    for (const p of bare304 ? publicPaths : []) {
      const r = await run(`${p} 304`, portal + p, pid, { headers: { 'If-None-Match': captured[p]!.etag }, expect: 304 });
      rows.push({ result: r, ceiling: bare304, ratioOf: 'ceiling' });
    }
    const pages: [string, string, Record<string, string>?][] = [
      ['/requests/new', '/requests/new'],
      ['/login', '/login'],
      ['/signup', '/signup'],
      ['/', '/'],
      ['/status/s/… (status page)', statusPath],
      ['/account (subject signed in)', '/account', { Cookie: subjectCookie }],
      ['/staff/requests (queue, staff)', '/staff/requests', { Cookie: staffCookie }],
    ];
    // The page ratios are the noisiest figures on a shared machine: ROUNDS rounds, each measuring
    // the minimal page right before the pages; each row shows its median round (by ratio) and
    // the range of the ratio over the rounds.
    const rounds: { minimal: Result; results: Result[] }[] = [];
    for (let round = 0; round < (wanted('pages') ? ROUNDS : 0); round++) {
      const minimal = round === 0 ? minimalPage : await run('minimal Remix page (1 query)', `http://127.0.0.1:${minimalPort}/`, pid);
      const results: Result[] = [];
      for (const [name, p, headers] of pages) results.push(await run(`${name} (uncacheable)`, portal + p, pid, { headers }));
      rounds.push({ minimal, results });
    }
    pages.forEach((_, i) => {
      if (rounds.length === 0) return;
      const byRatio = rounds.map((r) => ({ result: r.results[i]!, minimal: r.minimal, ratio: r.results[i]!.cpuMs / r.minimal.cpuMs })).sort((a, b) => a.ratio - b.ratio);
      const median = byRatio[Math.floor(byRatio.length / 2)]!;
      rows.push({ result: median.result, ceiling: median.minimal, ratioOf: 'minimal', range: [byRatio[0]!.ratio, byRatio[byRatio.length - 1]!.ratio] });
    });
    if (wanted('pages')) rows.push({ result: await run('/healthz', portal + '/healthz', pid) });
    // Intake through the real form, against the minimal INSERT action, in the same run. Last:
    // the mail it queues keeps the worker busy afterwards, which would bill the rows after it.
    const statementsSoFar = async () =>
      ((await (await fetch(`http://127.0.0.1:${minimalPort}/__statements`)).json()) as { statements: number }).statements;
    const statementsBefore = await statementsSoFar();
    const intake = wanted('intake')
      ? await run('/requests/new POST (intake)', portal + '/requests/new', pid, { intake: true, expect: 302 })
      : undefined;
    // Let the worker send the confirmation emails the run queued: their statements are the intake's too.
    if (intake && pgDatabase) await new Promise((r) => setTimeout(r, 3000));
    const intakeStatements = (await statementsSoFar()) - statementsBefore;
    if (intake) rows.push({ result: intake, ceiling: minimalInsert, ratioOf: 'insert' });

    const pad = (s: string, n: number) => s.padEnd(n);
    const num = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-').padStart(8);
    console.log(
      `\n${os.cpus().length} cores, ${CONNECTIONS} connections, ${SECONDS} s per path, ${pgDatabase ? 'PostgreSQL' : 'embedded PGlite'}\n`,
    );
    console.log(`${pad('path', 44)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'CPU ms'.padStart(8)}  ratio`);
    for (const { result: r, ceiling, ratioOf, range } of rows) {
      let ratio = '';
      if (ceiling && ratioOf === 'ceiling') ratio = `${(r.rps / ceiling.rps).toFixed(3)} of bare (${ceiling.rps.toFixed(0)} req/s)`;
      if (ceiling && ratioOf === 'minimal') {
        ratio = `CPU ${(r.cpuMs / ceiling.cpuMs).toFixed(2)}x the minimal page`;
        if (range && ROUNDS > 1) ratio += ` (${range[0].toFixed(2)}-${range[1].toFixed(2)} over ${ROUNDS} rounds)`;
      }
      if (ceiling && ratioOf === 'insert') ratio = `${(r.rps / ceiling.rps).toFixed(3)} of the minimal INSERT action`;
      const bad = r.non2xx || r.errors ? `  !! ${r.non2xx} unexpected status, ${r.errors} errors` : '';
      console.log(`${pad(r.name, 44)} ${num(r.rps)} ${num(r.p50, 1)} ${num(r.p99, 1)} ${num(r.cpuMs, 3)}  ${ratio}${bad}`);
    }
    // Every acknowledged submission must be stored (readable from outside on PostgreSQL only:
    // the embedded database belongs to the portal's process while it runs).
    if (!intake) {
      // Not measured this run.
    } else if (pgDatabase) {
      const client = new pg.Client({ connectionString: pgDatabase.url });
      await client.connect();
      const stored = Number((await client.query<{ n: string }>(`select count(*) as n from requests where email like 'bench-%'`)).rows[0]!.n);
      await client.end();
      console.log(`\nintake: ${intake.acknowledged} submissions acknowledged (302), ${stored} stored${stored >= intake.acknowledged ? '' : '  !! some acknowledged submissions are missing'}`);
      console.log(
        `intake: ${(intakeStatements / Math.max(1, intake.acknowledged)).toFixed(1)} statements sent to PostgreSQL per submission (form, worker and its email included; the minimal action sends 1)`,
      );
    } else {
      console.log(`\nintake: ${intake.acknowledged} submissions acknowledged (302); run with DATABASE_URL to count them in the database`);
    }

    // The request log's share of a cached response: the access line the cache writes, through
    // the production logger (redaction included) into /dev/null, timed in CPU, against the CPU
    // per request of the cached 304s measured above.
    const cached304 = rows.filter((r) => r.result.name.endsWith(' 304')).map((r) => r.result.cpuMs * 1000);
    const median304 = cached304.sort((a, b) => a - b)[Math.floor(cached304.length / 2)]!;
    if (wanted('log') && cached304.length) {
      const lineUs = await accessLogLineCpuMicroseconds();
      console.log(
        `request log: ${lineUs.toFixed(2)} µs CPU per access line = ${((100 * lineUs) / median304).toFixed(1)}% of a cached 304 (median ${median304.toFixed(1)} µs CPU per request)`,
      );
    }
  } finally {
    target.kill('SIGTERM');
    bare.child?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
    await pgDatabase?.drop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
