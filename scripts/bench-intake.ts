/**
 * npm run bench:intake — sustained intake throughput of the real server on PostgreSQL.
 *
 * Starts the portal (Express + the Remix build) on a free port against a fresh database on the
 * PostgreSQL named by DATABASE_URL, posts the public intake form flat out over loopback from
 * BENCH_CONCURRENCY clients for BENCH_SECONDS, prints submissions per second, then checks that
 * every submission the server answered with its redirect exists in the database. Submissions
 * arrive through the (trusted, loopback) proxy with X-Forwarded-For, so the per-address rate
 * limit measures the intake rather than refusing it: every submission comes from its own
 * address (as many people filing at once would), and every one has its own email.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startPortal } from '../server';
import { createTestDatabaseUrl } from '../tests/support/db';

const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);

async function main() {
  if (!process.env.DATABASE_URL) {
    process.stderr.write('bench:intake needs DATABASE_URL (a PostgreSQL role that may create databases)\n');
    process.exit(2);
  }
  const database = (await createTestDatabaseUrl())!;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-bench-'));
  const portal = await startPortal({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    PORT: '0',
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    SESSION_SECRET: 'b'.repeat(40),
    EXPORT_KEY: 'e'.repeat(40),
    BACKUP_KEY: 'k'.repeat(40),
    CONNECTOR_KEY: 'c'.repeat(40),
  });
  const url = `http://127.0.0.1:${portal.port}/requests/new`;
  const answered: string[] = [];
  const failures = new Map<string, number>();
  const latencies: number[] = [];
  let submissionNo = 0;
  const stopAt = performance.now() + seconds * 1000;
  const started = performance.now();

  async function client() {
    let n = 0;
    while (performance.now() < stopAt) {
      const k = submissionNo++;
      const address = `10.${Math.floor(k / 62_500) % 250}.${Math.floor(k / 250) % 250}.${(k % 250) + 1}`;
      const submissionId = randomUUID();
      const body = new URLSearchParams({
        type: 'access',
        email: `bench.${submissionId}@example.test`,
        name: 'Bench Subject',
        accountIdentifier: '',
        details: `Submission ${n++}`,
        requesterRole: 'self',
        confirm: 'yes',
        website: '',
        submissionId,
      });
      const t0 = performance.now();
      try {
        const res = await fetch(url, {
          method: 'POST',
          body,
          redirect: 'manual',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Forwarded-For': address },
        });
        await res.arrayBuffer();
        latencies.push(performance.now() - t0);
        if (res.status === 302 && res.headers.get('location') === '/requests/sent') answered.push(submissionId);
        else failures.set(String(res.status), (failures.get(String(res.status)) ?? 0) + 1);
      } catch (error) {
        const key = error instanceof Error ? error.message : String(error);
        failures.set(key, (failures.get(key) ?? 0) + 1);
      }
    }
  }

  await Promise.all(Array.from({ length: concurrency }, client));
  const elapsed = (performance.now() - started) / 1000;

  // Every answered submission must be a request in the database, found by its idempotency key.
  const stored = new Set<string>();
  for (let i = 0; i < answered.length; i += 5000) {
    const rows = await portal.db
      .selectFrom('request_submissions')
      .innerJoin('requests', 'requests.id', 'request_submissions.request_id')
      .select('request_submissions.key')
      .where('request_submissions.key', 'in', answered.slice(i, i + 5000))
      .execute();
    for (const row of rows) stored.add(row.key);
  }
  const missing = answered.filter((key) => !stored.has(key));
  const total = await portal.db.selectFrom('requests').select(portal.db.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]?.toFixed(1) ?? '-';

  await portal.close();
  await database.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });

  const lines = [
    `intake benchmark: ${concurrency} concurrent clients for ${elapsed.toFixed(1)} s on PostgreSQL (${os.cpus().length} CPUs)`,
    `answered: ${answered.length} submissions, ${(answered.length / elapsed).toFixed(1)} submissions/second sustained`,
    `latency: p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, p99 ${pct(0.99)} ms`,
    `failed: ${[...failures].map(([k, v]) => `${k} x${v}`).join(', ') || 'none'}`,
    `requests in the database: ${total.n}; answered but missing: ${missing.length}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (missing.length > 0 || answered.length === 0) {
    process.stdout.write('FAIL: answered submissions missing from the database\n');
    process.exit(1);
  }
  process.stdout.write('OK: every answered submission is in the database\n');
}

main().catch((error) => {
  process.stderr.write(`bench:intake failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
