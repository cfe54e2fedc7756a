import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DB } from '../../db/client';
import { createSession } from '../../app/models/accounts/sessions.server';
import { insertUser } from '../../app/models/accounts/users.server';
import { createRequest } from '../../app/models/requests/requests.server';
import { requestVersion } from '../../app/models/requests/staff.server';
import { transitionRequest } from '../../app/models/requests/transitions.server';
import { confirmVerification } from '../../app/models/requests/verification.server';
import { recordIdentityCheck } from '../../app/models/requests/identity.server';
import { FILE_PATTERN, restoreBackup } from '../../app/models/backups/backups.server';
import { useOutboxKey } from '../../app/utils/outbox-crypto.server';
import { intakeInput, rules } from '../support/requests';
import { createThrowawayCluster, sharedSecrets, sleep, spawnServer, type Cluster } from './support';

/**
 * SIGKILL during an erasure and during a backup, on both databases. An erasure is one
 * transaction: each person is found wholly erased (account, completion, proof record, Art. 19
 * notice, mail) or wholly untouched, and every erasure the client was told of is complete. A
 * backup is written under a temporary name and renamed: a killed backup leaves no file that
 * passes for a backup, the next backup succeeds and clears the leftover, and it restores.
 */
let cluster: Cluster;
const secrets = sharedSecrets();
const dirs: string[] = [];
const report: string[] = [];

beforeAll(async () => {
  cluster = await createThrowawayCluster();
  // Requests made here queue mail sealed under the key the servers use.
  useOutboxKey(secrets.EXPORT_KEY!);
});

afterAll(async () => {
  console.log(report.join('\n'));
  await cluster?.destroy();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

type Target = { env: Record<string, string>; open: () => DB; dataDir: string; url?: string };

async function freshTarget(backend: 'pglite' | 'postgres'): Promise<Target> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-faults-kill2-'));
  dirs.push(dataDir);
  if (backend === 'pglite') return { dataDir, env: { DATA_DIR: dataDir, ...secrets }, open: () => createDb({ dataDir: path.join(dataDir, 'pglite') }).db };
  const url = await cluster.createDatabase('pp_kill2');
  return { dataDir, url, env: { DATA_DIR: dataDir, DATABASE_URL: url, ...secrets }, open: () => createDb({ databaseUrl: url, poolSize: 2 }).db };
}

async function inspect<T>(target: Target, fn: (db: DB) => Promise<T>): Promise<T> {
  const db = target.open();
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

describe.each(['pglite', 'postgres'] as const)('SIGKILL on %s', (backend) => {
  it('during erasures: each person is wholly erased or wholly untouched, and every acknowledged one is complete', async () => {
    const target = await freshTarget(backend);
    const first = await spawnServer(target.env); // migrates
    await first.kill('SIGTERM');
    const people = 40;
    const { cookie, requests } = await inspect(target, async (db) => {
      const staff = await insertUser(db, { email: `staff-${randomUUID().slice(0, 8)}@example.org`, password: `kill test ${randomUUID()}`, role: 'staff', emailVerified: true });
      await db.updateTable('subprocessors').set({ receives_personal_data: false }).execute();
      const list: Array<{ id: string; email: string; version: string }> = [];
      for (let i = 0; i < people; i++) {
        const email = `erase-${i}-${randomUUID().slice(0, 6)}@example.org`;
        await insertUser(db, { email, password: `subject pw ${randomUUID()}`, role: 'subject', emailVerified: true });
        await db.insertInto('subprocessor_subscriptions').values({ email, confirm_token_hash: null, confirmed_at: new Date() }).execute();
        const created = await createRequest(db, intakeInput({ type: 'erasure', email }), { rules });
        if (created.outcome !== 'created') throw new Error('not created');
        await confirmVerification(db, created.verifyToken!, { rules });
        // An account holder's erasure confirmed by link alone is below its level (issue 21.3): staff check identity first.
        const verified = await db.selectFrom('requests').selectAll().where('id', '=', created.request.id).executeTakeFirstOrThrow();
        await recordIdentityCheck(db, { requestId: created.request.id, version: requestVersion(verified), method: 'known_details', note: 'Matched the account details.', documentIds: [] }, { id: staff.id, ip: null });
        const r = await transitionRequest(db, { requestId: created.request.id, action: 'start', actor: { kind: 'staff', id: staff.id } }, { rules });
        list.push({ id: String(r.id), email, version: requestVersion(r) });
      }
      return { cookie: `__Host-session=${(await createSession(db, staff)).token}`, requests: list };
    });

    const server = await spawnServer(target.env);
    const answered: Array<{ id: string; status: number }> = [];
    let next = 0;
    const work = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < requests.length) {
          const r = requests[next++]!;
          const status = await fetch(`${server.baseURL}/staff/requests/${r.id}/erase`, {
            method: 'POST',
            redirect: 'manual',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.baseURL, Cookie: cookie },
            body: new URLSearchParams({ version: r.version, answer: 'Erased.' }),
          }).then(
            async (res) => (await res.arrayBuffer(), res.status),
            () => 0,
          );
          answered.push({ id: r.id, status });
        }
      }),
    );
    // Kill once some erasures were acknowledged, while others are in flight.
    const deadline = Date.now() + 30_000;
    while (answered.filter((a) => a.status === 302).length < 3 && Date.now() < deadline) await sleep(5);
    await sleep(Math.random() * 150);
    await server.kill('SIGKILL');
    await work;

    const states = await inspect(target, async (db) => {
      const out: Array<{ id: string; erased: boolean; partial: boolean }> = [];
      for (const r of requests) {
        const row = await db.selectFrom('requests').select(['state', 'email', 'personal_data_deleted_at']).where('id', '=', r.id).executeTakeFirstOrThrow();
        const user = await db.selectFrom('users').select('id').where(sql`lower(email)`, '=', r.email).executeTakeFirst();
        const subscription = await db.selectFrom('subprocessor_subscriptions').select('id').where(sql`lower(email)`, '=', r.email).executeTakeFirst();
        const audit = await db.selectFrom('audit_events').select('id').where('action', '=', 'request.erase').where('target_id', '=', r.id).executeTakeFirst();
        const told = await db.selectFrom('mail_outbox').select('id').where('to_address', '=', r.email).where('subject', 'like', '%complete%').executeTakeFirst();
        const marks = [row.state === 'completed', row.personal_data_deleted_at !== null, !user, !subscription, !!audit, !!told];
        out.push({ id: r.id, erased: marks.every(Boolean), partial: marks.some(Boolean) && !marks.every(Boolean) });
      }
      return out;
    });
    const acknowledged = answered.filter((a) => a.status === 302).map((a) => a.id);
    const erased = states.filter((s) => s.erased).map((s) => s.id);
    const partial = states.filter((s) => s.partial);
    report.push(
      `FAULT sigkill erasure (${backend}): ${people} people, ${answered.length} attempted (${acknowledged.length} acknowledged before the kill), ${erased.length} wholly erased, ${people - erased.length - partial.length} untouched, ${partial.length} half-erased`,
    );
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(partial).toEqual([]);
    expect(acknowledged.filter((id) => !erased.includes(id))).toEqual([]);
  });

  it('during a backup: no file passes for a backup, the next one succeeds and clears the leftover, and it restores', async () => {
    const target = await freshTarget(backend);
    const first = await spawnServer(target.env); // migrates and seeds the demo registry
    await first.kill('SIGTERM');
    await inspect(target, async (db) => {
      for (let i = 0; i < 300; i++) {
        const created = await createRequest(db, intakeInput({ details: `backup row ${i} ${'x'.repeat(400)}` }), { rules });
        if (created.outcome !== 'created') throw new Error('not created');
      }
    });
    const out = path.join(target.dataDir, 'backups');
    const runBackup = () =>
      spawn(process.execPath, ['--import', 'tsx', 'scripts/backup.ts', '--out', out], {
        env: { ...process.env, NODE_ENV: 'production', DATABASE_URL: '', ...target.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    const kills: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      const child = runBackup();
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      // The script compiles and connects first; kill it at a random point of its run.
      const delay = 300 + Math.random() * 1500;
      kills.push(Math.round(delay));
      await sleep(delay);
      child.kill('SIGKILL');
      await exited;
    }
    const finished = fs.existsSync(out) ? fs.readdirSync(out).filter((f) => FILE_PATTERN.test(f)) : [];
    // A backup that finished before its kill must be whole: it restores below like the next one.
    const good = runBackup();
    let stderr = '';
    good.stderr!.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((r) => good.once('exit', r));
    expect(code, stderr).toBe(0);
    const files = fs.readdirSync(out);
    const backups = files.filter((f) => FILE_PATTERN.test(f));
    report.push(
      `FAULT sigkill backup (${backend}): killed at ${kills.join(', ')} ms, ${finished.length} finished before a kill, leftovers after the next backup: ${files.filter((f) => !FILE_PATTERN.test(f)).length}`,
    );
    expect(files.filter((f) => f.endsWith('.partial'))).toEqual([]);
    for (const file of backups) {
      const restoreTarget =
        backend === 'postgres'
          ? { backend: 'postgres' as const, databaseUrl: await freshDatabase() }
          : { backend: 'pglite' as const, dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'pp-kill2-restore-')) };
      if (restoreTarget.backend === 'pglite') dirs.push(restoreTarget.dataDir);
      const restored = await restoreBackup(path.join(out, file), { key: secrets.BACKUP_KEY!, target: restoreTarget, force: true });
      expect(restored.audit.ok).toBe(true);
    }
  });
});

function freshDatabase(): Promise<string> {
  return cluster.createDatabase('pp_kill2_restore');
}
