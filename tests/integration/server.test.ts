import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabaseUrl } from '../support/db';
import { startTestPortal, type TestPortal } from '../support/portal';

let portal: TestPortal;
beforeAll(async () => {
  portal = await startTestPortal();
});
afterAll(async () => {
  await portal?.stop();
});

describe('the server', () => {
  it('answers /healthz after a real database round trip', async () => {
    const res = await fetch(`${portal.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await res.json();
    expect(body).toEqual({
      status: 'ok',
      db: 'ok',
      backend: process.env.DATABASE_URL ? 'postgres' : 'pglite',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
  });

  it('serves the home page with security headers and a fresh CSP nonce on each request', async () => {
    const nonces: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await fetch(portal.url);
      expect(res.status).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce).toBeTruthy();
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      const html = await res.text();
      expect(html).toContain('Your data, your rights');
      // Every script tag carries the nonce, or the browser would refuse it.
      const scripts = html.match(/<script\b[^>]*>/g) ?? [];
      expect(scripts.length).toBeGreaterThan(0);
      for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      expect(res.headers.get('x-powered-by')).toBeNull();
      nonces.push(nonce!);
    }
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  it('gives every page its own 16-byte nonce and the full set of helmet headers', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${portal.url}/login`);
      const nonce = /'nonce-([^']+)'/.exec(res.headers.get('content-security-policy') ?? '')?.[1] ?? '';
      expect(Buffer.from(nonce, 'base64')).toHaveLength(16);
      seen.add(nonce);
      for (const name of ['cross-origin-opener-policy', 'cross-origin-resource-policy', 'origin-agent-cluster', 'x-frame-options', 'x-dns-prefetch-control', 'x-permitted-cross-domain-policies', 'permissions-policy']) {
        expect(res.headers.get(name), name).toBeTruthy();
      }
      await res.arrayBuffer();
    }
    expect(seen.size).toBe(40);
  });

  it('answers an unknown path with a 404 page', async () => {
    const res = await fetch(`${portal.url}/no/such/page`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('Page not found');
  });

  it('serves compiled assets with long-lived cache headers', async () => {
    const html = await (await fetch(portal.url)).text();
    const asset = /href="(\/build\/[^"]+\.css)"/.exec(html)?.[1];
    expect(asset).toBeTruthy();
    const res = await fetch(`${portal.url}${asset}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });
});

describe('start-up and shutdown', () => {
  it('reuses the same data and secrets when started again', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-restart-'));
    const pgDatabase = await createTestDatabaseUrl();
    const env = { DATA_DIR: dataDir, ...(pgDatabase ? { DATABASE_URL: pgDatabase.url } : {}) };
    const first = await startTestPortal(env);
    await first.db.insertInto('jobs').values({ kind: 'marker', payload: '{}', run_at: new Date('2100-01-01') }).execute();
    const secrets = first.config.secrets;
    await first.stop();

    const second = await startTestPortal(env);
    try {
      expect(second.config.secrets).toEqual(secrets);
      const marker = await second.db.selectFrom('jobs').select('kind').where('kind', '=', 'marker').execute();
      expect(marker).toHaveLength(1);
    } finally {
      await second.stop();
      await pgDatabase?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('answers 503 from /healthz when the database is unreachable', async () => {
    const broken = await startTestPortal();
    try {
      await broken.db.destroy();
      const res = await fetch(`${broken.url}/healthz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'error', db: 'unreachable' });
    } finally {
      await broken.stop().catch(() => {});
    }
  });

  it('stops accepting connections after close and finishes cleanly', async () => {
    const p = await startTestPortal();
    expect((await fetch(`${p.url}/healthz`)).status).toBe(200);
    await p.stop();
    await expect(fetch(`${p.url}/healthz`)).rejects.toThrow();
  });
});

describe('request bodies', () => {
  it('refuses a declared body over the hard limit with 413 without reading it', async () => {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        `${portal.url}/`,
        { method: 'POST', headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(60 * 1024 * 1024) } },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.write('x'); // never the whole declared body: the answer must not wait for it
    });
    expect(status).toBe(413);
    expect(body).toContain('Too much data');
  });

  it('refuses a chunked body without a length', async () => {
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('a=1'));
        controller.close();
      },
    });
    const res = await fetch(`${portal.url}/`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(411);
  });
});
