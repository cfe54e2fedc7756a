import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../support/smtp';

const root = path.resolve(__dirname, '../..');
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/**
 * Runs a PostgreSQL binary as the `postgres` user when we are root (initdb refuses root).
 * Asynchronous, so the test's own clients keep running while PostgreSQL restarts.
 */
async function asPostgres(command: string, args: string[]) {
  const file = path.join(PG_BIN, command);
  if (process.getuid?.() === 0) await promisify(execFile)('runuser', ['-u', 'postgres', '--', file, ...args]);
  else await promisify(execFile)(file, args);
}

export type Cluster = {
  url: string;
  port: number;
  start: () => Promise<void>;
  stop: () => Promise<void>;
  /** Fast restart: every session is terminated (57P01), as in a failover or minor upgrade. */
  restart: () => Promise<void>;
  /** A new, empty database on this cluster named `<prefix>_<random>`; resolves with its URL. */
  createDatabase: (prefix: string) => Promise<string>;
  destroy: () => Promise<void>;
};

/**
 * A throwaway PostgreSQL cluster of our own in a temp folder on a free port: the fault suite
 * stops and restarts it under traffic. Never the shared server other tests use.
 */
export async function createThrowawayCluster(): Promise<Cluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-faults-pg-'));
  const dataDir = path.join(dir, 'data');
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    fs.chownSync(dir, uid, gid);
  }
  const port = await freePort();
  await asPostgres('initdb', ['-D', dataDir, '-U', 'pp_faults', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=60 -c shared_buffers=16MB`;
  const ctl = (...args: string[]) => asPostgres('pg_ctl', ['-D', dataDir, '-l', path.join(dir, 'log'), '-w', '-t', '60', ...args]);
  const cluster: Cluster = {
    url: `postgres://pp_faults@127.0.0.1:${port}/postgres`,
    port,
    start: () => ctl('-o', options, 'start'),
    stop: () => ctl('-m', 'fast', 'stop'),
    restart: () => ctl('-m', 'fast', '-o', options, 'restart'),
    createDatabase: async (prefix) => {
      const name = `${prefix}_${randomUUID().slice(0, 8)}`;
      const admin = new pg.Client({ connectionString: cluster.url });
      await admin.connect();
      try {
        await admin.query(`create database ${name}`);
      } finally {
        await admin.end();
      }
      return cluster.url.replace(/\/postgres$/, `/${name}`);
    },
    destroy: async () => {
      try {
        await ctl('-m', 'immediate', 'stop');
      } catch {
        // already stopped
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}

export type ServerProcess = {
  baseURL: string;
  child: ChildProcess;
  out: { stdout: string; stderr: string };
  exited: Promise<number | null>;
  kill: (signal: NodeJS.Signals) => Promise<void>;
};

/** Shared secrets for every instance on one PostgreSQL database. */
export function sharedSecrets(): Record<string, string> {
  return {
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    EXPORT_KEY: randomBytes(32).toString('base64url'),
    BACKUP_KEY: randomBytes(32).toString('base64url'),
    CONNECTOR_KEY: randomBytes(32).toString('base64url'),
  };
}

/** The real server (`node build/server.js`, production mode, as `npm start` runs it) as its own process. */
export async function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  const out = { stdout: '', stderr: '' };
  const child = spawn(process.execPath, ['build/server.js'], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production', PORT: '0', LOG_LEVEL: 'info', DATABASE_URL: '', ...env },
  });
  child.stdout!.on('data', (d) => (out.stdout += d));
  child.stderr!.on('data', (d) => (out.stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let baseURL = '';
  const deadline = Date.now() + 90_000;
  while (!baseURL) {
    const port = /"port":(\d+)/.exec(out.stdout)?.[1];
    if (port) baseURL = `http://127.0.0.1:${port}`;
    if (child.exitCode !== null) throw new Error(`server exited: ${out.stderr}`);
    if (Date.now() > deadline) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    baseURL,
    child,
    out,
    exited,
    kill: async (signal) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let clientCounter = 0;

/**
 * Files one request through the public form as a browser would (GET for the key, then POST).
 * Each call comes from its own client address (X-Forwarded-For from loopback is trusted), so
 * the per-address intake limit does not interfere. Resolves with the POST's status and the
 * email it used; a network error resolves with status 0.
 */
export async function fileThroughForm(baseURL: string): Promise<{ status: number; email: string; submissionId: string; body?: string }> {
  clientCounter++;
  const email = `fault-${randomUUID().slice(0, 12)}@example.org`;
  const submissionId = randomUUID();
  const forwarded = `10.${(clientCounter >> 16) & 255}.${(clientCounter >> 8) & 255}.${clientCounter & 255}`;
  try {
    const res = await fetch(`${baseURL}/requests/new`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Origin: baseURL,
        'X-Forwarded-For': forwarded,
      },
      body: new URLSearchParams({
        type: 'access',
        email,
        name: 'Fault Subject',
        requesterRole: 'self',
        confirm: 'yes',
        website: '',
        submissionId,
      }),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    return { status: res.status, email, submissionId, body: res.status === 302 ? undefined : text.slice(0, 4000) };
  } catch {
    return { status: 0, email, submissionId };
  }
}
