/**
 * `npm run bench:public`: the public registry (page, JSON, feeds) from the real server, full
 * responses and 304s, side by side with a bare node:http server sending the same bytes, as a
 * ratio of that ceiling, on a throwaway embedded database with the demo registry. Loopback only; each run is bounded by BENCH_SECONDS (default 2) and
 * BENCH_MAX_REQUESTS (default 20000), with BENCH_CONCURRENCY (default 8) connections.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startPortal } from '../server';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const MAX_REQUESTS = Number(process.env.BENCH_MAX_REQUESTS ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const PATHS = ['/subprocessors', '/subprocessors.json', '/subprocessors/feed.rss', '/subprocessors/feed.atom', '/subprocessors/feed.json'];

type Captured = { status: number; headers: Record<string, string>; body: Buffer };

function request(port: number, urlPath: string, headers: Record<string, string>, agent: http.Agent): Promise<Captured> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string>, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Requests per second over SECONDS (or MAX_REQUESTS), every response checked for the expected status. */
async function measure(port: number, urlPath: string, headers: Record<string, string>, expected: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  let done = 0;
  let issued = 0;
  const workers = Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < deadline && issued < MAX_REQUESTS) {
      issued++;
      const res = await request(port, urlPath, headers, agent);
      if (res.status !== expected) throw new Error(`${urlPath}: expected ${expected}, got ${res.status}`);
      done++;
    }
  });
  await Promise.all(workers);
  agent.destroy();
  return done / ((performance.now() - started) / 1000);
}

/** A bare node:http server answering each path with the captured bytes and headers, and 304 on a matching tag. */
function bareServer(captured: Map<string, Captured>): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const hit = captured.get(req.url ?? '');
    if (!hit) {
      res.statusCode = 404;
      res.end();
      return;
    }
    const { etag, 'last-modified': lastModified, 'cache-control': cacheControl, 'content-type': type } = hit.headers;
    const base = { ETag: etag!, 'Last-Modified': lastModified!, 'Cache-Control': cacheControl! };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, base);
      res.end();
      return;
    }
    res.writeHead(200, { ...base, 'Content-Type': type!, 'Content-Length': hit.body.length });
    res.end(hit.body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-bench-'));
  const portal = await startPortal({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    PORT: '0',
    DATA_DIR: dataDir,
    SUBPROCESSOR_DEMO: 'on',
    PUBLIC_URL: 'https://privacy.example.test',
    // Always a throwaway embedded database: a benchmark never writes to the operator's.
    DATABASE_URL: '',
  });
  try {
    const agent = new http.Agent({ keepAlive: true });
    const captured = new Map<string, Captured>();
    for (const p of PATHS) captured.set(p, await request(portal.port, p, {}, agent));
    agent.destroy();
    const ceiling = await bareServer(captured);
    const barePort = (ceiling.address() as { port: number }).port;
    console.log(`bench:public — ${portal.config.backend}, ${CONCURRENCY} connections, ${SECONDS}s per run (max ${MAX_REQUESTS} requests), ${os.cpus().length} CPUs`);
    console.log(`${'path'.padEnd(26)}${'mode'.padEnd(6)}${'bytes'.padStart(8)}${'portal req/s'.padStart(14)}${'bare req/s'.padStart(12)}${'ratio'.padStart(8)}`);
    for (const p of PATHS) {
      const hit = captured.get(p)!;
      for (const [mode, headers, status] of [
        ['full', {}, 200],
        ['304', { 'If-None-Match': hit.headers.etag! }, 304],
      ] as const) {
        const portalRate = await measure(portal.port, p, headers, status);
        const bareRate = await measure(barePort, p, headers, status);
        console.log(
          `${p.padEnd(26)}${mode.padEnd(6)}${String(mode === 'full' ? hit.body.length : 0).padStart(8)}` +
            `${portalRate.toFixed(0).padStart(14)}${bareRate.toFixed(0).padStart(12)}${(portalRate / bareRate).toFixed(3).padStart(8)}`,
        );
      }
    }
    await new Promise((r) => ceiling.close(r));
  } finally {
    await portal.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
