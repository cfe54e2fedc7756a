import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { createDb, type Backend } from '../../db/client';
import { recordSystemAnswer } from '../../app/models/systems/answers.server';
import { issueToken } from '../../app/models/requests/tokens.server';
import { transitionRequest } from '../../app/models/requests/transitions.server';
import { confirmVerification } from '../../app/models/requests/verification.server';
import { useOutboxKey } from '../../app/utils/outbox-crypto.server';
import { fileRequest, rules } from '../support/requests';
import { spawnPortalProcess, type PortalProcess } from '../support/server-process';
import { createUser, signInOverHttp, type TestUser } from '../support/users';

/**
 * Issue 19.5 and decision 218, measured on what users run: `node build/server.js` in its own
 * process, on the embedded database and on PostgreSQL. An access request whose ten connected
 * systems each answered with a 20 MB file is completed by staff over HTTP (the package is built
 * and stored in that POST) and downloaded by the subject through the status link by a client
 * that reads slower than the server can send. The server's resident memory is read from
 * /proc/<pid>/status: its growth over the level before the completion, at its peak (the kernel's
 * high-water mark, reset before, and a 10 ms sampler besides), must stay under 64 MB.
 */
const SYSTEMS = 10;
const FILE_BYTES = 20 * 1024 * 1024;
const LIMIT_MB = 64;
const backends: Backend[] = process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

const MB = 1024 * 1024;
const kB = (field: string, status: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
const statusOf = (pid: number) => fs.readFileSync(`/proc/${pid}/status`, 'utf8');

/** A 20 MB CSV export of the kind a system sends: a header, then rows of random base64 (it barely compresses). */
function csvExport(system: number): Buffer {
  const rows: string[] = ['record_id,system,payload'];
  let size = rows[0]!.length + 1;
  for (let i = 0; size < FILE_BYTES; i++) {
    const row = `${i},${system},${randomBytes(96).toString('base64')}`;
    rows.push(row);
    size += row.length + 1;
  }
  return Buffer.from(`${rows.join('\n')}\n`).subarray(0, FILE_BYTES);
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe.each(backends)('a package of 10 systems × 20 MB on the built server (%s)', (backend) => {
  let portal: PortalProcess | undefined;
  afterAll(async () => {
    await portal?.cleanup();
    if (backend === 'pglite' && portal) fs.rmSync(portal.dataDir, { recursive: true, force: true });
  });

  it('is built and downloaded with the server’s RSS growing by less than 64 MB', { timeout: 900_000 }, async () => {
    const secrets = {
      SESSION_SECRET: randomBytes(32).toString('base64url'),
      EXPORT_KEY: randomBytes(32).toString('base64url'),
      BACKUP_KEY: randomBytes(32).toString('base64url'),
      CONNECTOR_KEY: randomBytes(32).toString('base64url'),
    };
    let staff: TestUser | undefined;
    let requestId = '';
    let warmId = '';
    let statusToken = '';
    const digests = new Map<string, string>();
    portal = await spawnPortalProcess({
      prefix: 'pp-package-memory',
      env: { ...secrets, ...(backend === 'pglite' ? { DATABASE_URL: '' } : {}) },
      ...(backend === 'pglite' ? { dataDir: fs.mkdtempSync('/tmp/pp-package-memory-') } : {}),
      // The systems' answers are recorded before the server starts (the embedded database has one
      // owner at a time), through the model staff use to record an answer by hand: checked by
      // content, sealed under EXPORT_KEY's file key.
      seed: async (db) => {
        useOutboxKey(secrets.EXPORT_KEY);
        staff = await createUser(db, { role: 'staff' });
        const actor = { id: staff.id, ip: null, email: staff.email };
        const inProgress = async () => {
          const { request, verifyToken } = await fileRequest(db, { type: 'access' });
          await confirmVerification(db, verifyToken!, { rules });
          await transitionRequest(db, { requestId: request.id, action: 'start', actor: { kind: 'staff', id: staff!.id } }, { rules });
          return request.id;
        };
        requestId = await inProgress();
        warmId = await inProgress();
        statusToken = await issueToken(db, requestId, 'status');
        for (let i = 0; i < SYSTEMS; i++) {
          const system = await db.insertInto('connected_systems').values({ name: `System ${i + 1}` }).returning('id').executeTakeFirstOrThrow();
          const bytes = csvExport(i + 1);
          digests.set(`systems/System ${i + 1}/export.csv`, sha256(bytes));
          await recordSystemAnswer(db, { requestId, systemId: system.id, outcome: 'data', note: 'Export from the system.', files: [{ filename: 'export.csv', bytes }] }, actor, { exportKey: secrets.EXPORT_KEY });
          if (i === 0) {
            await recordSystemAnswer(db, { requestId: warmId, systemId: system.id, outcome: 'data', note: 'Small export.', files: [{ filename: 'small.csv', bytes: Buffer.from('a,b\n1,2\n') }] }, actor, { exportKey: secrets.EXPORT_KEY });
          }
        }
      },
    });
    const { baseURL, pid } = portal;
    const cookie = await signInOverHttp(baseURL, staff!);
    const complete = async (id: string) => {
      const page = await fetch(`${baseURL}/staff/requests/${id}`, { headers: { Cookie: cookie } });
      const version = /name="version" value="([^"]+)"/.exec(await page.text())?.[1];
      expect(version, 'the staff request page carries the version').toBeTruthy();
      return fetch(`${baseURL}/staff/requests/${id}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { Cookie: cookie, Origin: baseURL, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ intent: 'complete', version: version!, outcome: 'fulfilled', answer: 'Here is everything we and our systems hold about you.' }),
      });
    };

    // Warm up the code the measured run uses (a small package built and previewed), then settle.
    expect((await complete(warmId)).status).toBe(302);
    const preview = await fetch(`${baseURL}/staff/requests/${requestId}/package-preview`, { headers: { Cookie: cookie } });
    expect(preview.status).toBe(200);
    await preview.arrayBuffer();
    await new Promise((r) => setTimeout(r, 1500));

    const before = kB('VmRSS', statusOf(pid));
    // Reset the kernel's peak-RSS mark for the process (root may; the sampler covers it otherwise).
    let hwmReset = true;
    try {
      fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    } catch {
      hwmReset = false;
    }
    let sampled = before;
    const sampler = setInterval(() => {
      try {
        sampled = Math.max(sampled, kB('VmRSS', statusOf(pid)));
      } catch {
        /* the process is gone: the test fails below */
      }
    }, 10);

    const started = Date.now();
    const done = await complete(requestId);
    expect(done.status, await done.clone().text()).toBe(302);
    const built = Date.now();

    // The subject's download, read slower than the server can send it (about 4 MB/s, pausing
    // between reads), so the server must wait for the socket rather than queue the package:
    // without the pacing of decision 218 this client costs the server 155 MB (measured).
    const zipPath = path.join(portal.dataDir, '..', `downloaded-${backend}-${Date.now()}.zip`);
    const download = await new Promise<{ status: number; size: number; digest: string; type: string; length: string }>((resolve, reject) => {
      http
        .get(`${baseURL}/status/s/${statusToken}/package`, async (res) => {
          const hash = createHash('sha256');
          const out = fs.createWriteStream(zipPath);
          let size = 0;
          let sincePause = 0;
          try {
            for await (const chunk of res as AsyncIterable<Buffer>) {
              hash.update(chunk);
              if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
              size += chunk.length;
              sincePause += chunk.length;
              if (sincePause >= 256 * 1024) {
                sincePause = 0;
                await new Promise((r) => setTimeout(r, 60));
              }
            }
            await new Promise<void>((r) => out.end(() => r()));
            resolve({ status: res.statusCode ?? 0, size, digest: hash.digest('hex'), type: String(res.headers['content-type']), length: String(res.headers['content-length']) });
          } catch (error) {
            reject(error);
          }
        })
        .on('error', reject);
    });
    const downloaded = Date.now();
    clearInterval(sampler);
    const status = statusOf(pid);
    const peak = Math.max(sampled, kB('VmRSS', status), hwmReset ? kB('VmHWM', status) : 0);
    const growth = (peak - before) / MB;

    expect(download.status).toBe(200);
    expect(download.type).toBe('application/zip');
    expect(download.length).toBe(String(download.size));
    // Every system's file arrived whole, under systems/<system>/ (read from the ZIP's central directory one entry at a time).
    const zip = new Uint8Array(fs.readFileSync(zipPath));
    fs.rmSync(zipPath);
    for (const [entry, digest] of digests) expect(sha256(unzipSync(zip, { filter: (f) => f.name === entry })[entry] ?? new Uint8Array()), entry).toBe(digest);
    const names = Object.keys(unzipSync(zip, { filter: (f) => f.name.endsWith('.json') || f.name.endsWith('.html') }));
    expect(names.sort()).toEqual(['data.json', 'summary.html']);

    expect(await portal.stop()).toBe(0);
    const { db } = createDb(portal.databaseUrl ? { databaseUrl: portal.databaseUrl } : { dataDir: path.join(portal.dataDir, 'pglite') });
    const stored = await db
      .selectFrom('access_packages')
      .select(['size', 'sha256', 'chunks'])
      .where('request_id', '=', requestId)
      .executeTakeFirstOrThrow()
      .finally(() => db.destroy());
    expect(download.size).toBe(Number(stored.size));
    expect(download.digest).toBe(stored.sha256);

    console.log(
      `[package-memory ${backend}] ${SYSTEMS} systems × ${FILE_BYTES / MB} MB: package ${(download.size / MB).toFixed(1)} MB in ${stored.chunks} sealed chunks; ` +
        `built in ${((built - started) / 1000).toFixed(1)} s, downloaded in ${((downloaded - built) / 1000).toFixed(1)} s; ` +
        `server RSS ${(before / MB).toFixed(0)} MB before, peak ${(peak / MB).toFixed(0)} MB: growth ${growth.toFixed(1)} MB (limit ${LIMIT_MB} MB; peak from ${hwmReset ? 'VmHWM and ' : ''}a 10 ms sampler)`,
    );
    expect(growth).toBeLessThan(LIMIT_MB);
  });
});
