/**
 * `npm run bench:login [-- --seconds 10 --concurrency 4]`: how expensive a sign-in is here.
 *
 * 1. argon2id hash and verify time at the parameters in app/utils/password.server.ts.
 * 2. Sign-ins per second against the real server (a child process, production mode, its own
 *    temporary DATA_DIR; with DATABASE_URL, a fresh database on that server, dropped after),
 *    `concurrency` clients flat out.
 * 3. Whether the event loop stays responsive meanwhile: p50/p99 latency of a public page (/)
 *    idle, then while the sign-ins run. argon2 runs on libuv's thread pool, so it should.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';
import { fileURLToPath } from 'node:url';
import { ARGON2_PARAMS, hashPassword, verifyPassword } from '../app/utils/password.server';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function option(name: string, fallback: number) {
  const i = process.argv.indexOf(`--${name}`);
  const value = i === -1 ? undefined : Number(process.argv[i + 1]);
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

const SECONDS = option('seconds', 10);
const CONCURRENCY = option('concurrency', 4);
const IDLE_PROBES = 200;

function percentile(values: number[], p: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const ms = (n: number) => `${n.toFixed(1)} ms`;

async function timeHashing() {
  const password = `bench ${randomBytes(8).toString('hex')}`;
  await hashPassword(password); // warm-up
  const hashTimes: number[] = [];
  let hash = '';
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    hash = await hashPassword(password);
    hashTimes.push(performance.now() - t);
  }
  const verifyTimes: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    await verifyPassword(hash, password);
    verifyTimes.push(performance.now() - t);
  }
  return { hash: percentile(hashTimes, 50), verify: percentile(verifyTimes, 50) };
}

/** Event-loop delay in this process, idle and then while hashes run back to back: argon2 runs off the loop. */
async function loopDelayWhileHashing() {
  const measure = async (work: () => Promise<void>) => {
    const h = monitorEventLoopDelay({ resolution: 5 });
    h.enable();
    await work();
    h.disable();
    return { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
  };
  const idle = await measure(() => new Promise((r) => setTimeout(r, 2000)));
  const until = Date.now() + 2000;
  const hashing = await measure(async () => {
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (Date.now() < until) await hashPassword('a password being hashed for the benchmark');
      }),
    );
  });
  return { idle, hashing };
}

/** On PostgreSQL, a database of its own, dropped afterwards: the bench never touches real data. */
async function createBenchDatabase(): Promise<{ url: string; drop: () => Promise<void> } | undefined> {
  const url = process.env.DATABASE_URL;
  if (!url) return undefined;
  const name = `pp_bench_${randomBytes(6).toString('hex')}`;
  const admin = async (text: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const benchUrl = new URL(url);
  benchUrl.pathname = `/${name}`;
  return { url: benchUrl.href, drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function startServer() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-bench-'));
  const database = await createBenchDatabase();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: '0',
      DATA_DIR: dataDir,
      // info, for the "listening" line that names the port; the request log is discarded after it.
      LOG_LEVEL: 'info',
      SESSION_SECRET: process.env.SESSION_SECRET ?? randomBytes(32).toString('base64url'),
      EXPORT_KEY: process.env.EXPORT_KEY ?? randomBytes(32).toString('base64url'),
      BACKUP_KEY: process.env.BACKUP_KEY ?? randomBytes(32).toString('base64url'),
      CONNECTOR_KEY: process.env.CONNECTOR_KEY ?? randomBytes(32).toString('base64url'),
      DATABASE_URL: database?.url ?? '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let listening = false;
  const collect = (d: Buffer) => {
    if (!listening) output += d;
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const port = await new Promise<number>((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      const match = /listening on http:\/\/localhost:(\d+)/.exec(output);
      if (match) {
        listening = true;
        clearInterval(timer);
        resolve(Number(match[1]));
      } else if (child.exitCode !== null || Date.now() - started > 90_000) {
        clearInterval(timer);
        reject(new Error(`server did not start:\n${output}`));
      }
    }, 100);
  });
  return {
    baseURL: `http://127.0.0.1:${port}`,
    backend: process.env.DATABASE_URL ? 'postgres' : 'pglite',
    stop: async () => {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
      await database?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function probe(url: string) {
  const t = performance.now();
  const res = await fetch(url);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`probe answered ${res.status}`);
  return performance.now() - t;
}

async function main() {
  process.stdout.write(
    `argon2id parameters: m=${ARGON2_PARAMS.memoryCost} KiB, t=${ARGON2_PARAMS.timeCost}, p=${ARGON2_PARAMS.parallelism}; ` +
      `${os.cpus().length} CPUs; libuv thread pool ${process.env.UV_THREADPOOL_SIZE ?? 4}\n`,
  );
  const hashing = await timeHashing();
  process.stdout.write(`hash (median of 10): ${ms(hashing.hash)}; verify (median of 10): ${ms(hashing.verify)}\n`);
  const loop = await loopDelayWhileHashing();
  process.stdout.write(
    `event-loop delay in-process, idle: p99 ${ms(loop.idle.p99)}, max ${ms(loop.idle.max)}; ` +
      `while hashing flat out: p99 ${ms(loop.hashing.p99)}, max ${ms(loop.hashing.max)}\n`,
  );

  const server = await startServer();
  try {
    const email = `bench-${randomBytes(4).toString('hex')}@example.org`;
    const password = `bench passphrase ${randomBytes(8).toString('hex')}`;
    const signUp = await fetch(`${server.baseURL}/signup`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email, password }),
    });
    if (signUp.status !== 302) throw new Error(`sign-up answered ${signUp.status}`);

    for (let i = 0; i < 20; i++) await probe(`${server.baseURL}/`); // warm-up
    const idle: number[] = [];
    for (let i = 0; i < IDLE_PROBES; i++) idle.push(await probe(`${server.baseURL}/`));

    let signIns = 0;
    let failures = 0;
    const until = Date.now() + SECONDS * 1000;
    const client = async () => {
      while (Date.now() < until) {
        const res = await fetch(`${server.baseURL}/login`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ email, password }),
        });
        await res.arrayBuffer();
        if (res.status === 302) signIns++;
        else failures++;
      }
    };
    const busy: number[] = [];
    const prober = async () => {
      while (Date.now() < until) {
        busy.push(await probe(`${server.baseURL}/`));
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const started = performance.now();
    await Promise.all([...Array.from({ length: CONCURRENCY }, client), prober()]);
    const elapsed = (performance.now() - started) / 1000;

    process.stdout.write(
      `sign-ins (${server.backend}, ${CONCURRENCY} clients, ${SECONDS} s): ${signIns} ok, ${failures} failed, ` +
        `${(signIns / elapsed).toFixed(1)} per second\n`,
    );
    process.stdout.write(
      `GET / idle: p50 ${ms(percentile(idle, 50))}, p99 ${ms(percentile(idle, 99))} (${idle.length} requests)\n` +
        `GET / during sign-ins: p50 ${ms(percentile(busy, 50))}, p99 ${ms(percentile(busy, 99))} (${busy.length} requests)\n`,
    );
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:login failed: ${(error as Error).message}\n`);
  process.exit(1);
});
