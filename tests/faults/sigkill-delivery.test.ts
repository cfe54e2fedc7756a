import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, migrateToLatest, type DB } from '../../db/client';
import { createSystem } from '../../app/models/datamap/map.server';
import { LOCK_TIMEOUT_SECONDS } from '../../app/models/jobs.server';
import { confirmVerification } from '../../app/models/requests/verification.server';
import { issueSecret, saveConnection } from '../../app/models/systems/registry.server';
import { DELIVER_JOB } from '../../app/models/systems/tasks.server';
import { useOutboxKey } from '../../app/utils/outbox-crypto.server';
import { guardLoopbackOnly, startWebhookReceiver } from '../support/downstreams';
import { fileRequest, rules } from '../support/requests';
import { createUser } from '../support/users';
import { createThrowawayCluster, sharedSecrets, sleep, spawnServer, type Cluster, type ServerProcess } from './support';

/**
 * Issue 19's fault "the worker is killed mid-delivery": the built server's job worker is sending
 * a webhook when the process gets SIGKILL. The receiver had the request and was about to answer
 * (it acts on it: it cannot know the sender died). The job's lock is aged past its 90 s, and
 * after the restart the worker sends the delivery again with the same `webhook-id`; the receiver's dedupe
 * leaves one delivery acted on. Nothing leaves loopback.
 */
const guard = guardLoopbackOnly();
let cluster: Cluster;
const dirs: string[] = [];

beforeAll(async () => {
  cluster = await createThrowawayCluster();
});

afterAll(async () => {
  guard.restore();
  await cluster?.destroy();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  expect(guard.refused).toEqual([]);
});

async function waitFor(what: string, probe: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe.each(['pglite', 'postgres'] as const)('the worker killed mid-delivery (%s)', (backend) => {
  it('resends with the same webhook-id after the restart, and the receiver acts once', { timeout: 360_000 }, async () => {
    const secrets = sharedSecrets();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-faults-delivery-'));
    dirs.push(dataDir);
    const databaseUrl = backend === 'postgres' ? await cluster.createDatabase('pp_kill_dlv') : undefined;
    const open = (): DB => createDb(databaseUrl ? { databaseUrl, poolSize: 2 } : { dataDir: path.join(dataDir, 'pglite') }).db;
    const env = { DATA_DIR: dataDir, ...secrets, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) };

    let secret = '';
    // The first delivery is held for 20 s (the server is killed meanwhile); later ones answer at once.
    const hook = await startWebhookReceiver({
      secret: () => secret,
      respond: (_delivery, attempt) => (attempt === 1 ? { status: 202, delayMs: 20_000 } : undefined),
      answer: () => null,
    });

    // A webhook system and a verified request, made while no server holds the database: the
    // verification makes the task and queues its delivery job in the same transaction.
    let requestId = '';
    {
      const db = open();
      try {
        await migrateToLatest(db);
        useOutboxKey(secrets.EXPORT_KEY!);
        const adminUser = await createUser(db, { role: 'admin' });
        const actor = { id: adminUser.id, ip: null };
        const system = await createSystem(
          db,
          { name: 'CRM', description: '', ownerName: 'Owner', ownerEmail: 'owner@example.test', securityMeasures: '', subprocessorId: null, requestTypes: ['access', 'erasure'] },
          actor,
        );
        await saveConnection(
          db,
          system,
          { kind: 'webhook', endpointUrl: `${hook.url}/dsr`, allowlisted: 'on', ownerLang: 'en', deadlineDays: 14, onMissed: 'block', fanOutOn: 'verified', processorDomain: '', trustedRootPem: '', identities: ['email'] },
          actor,
        );
        secret = (await issueSecret(db, secrets.CONNECTOR_KEY!, system, actor)).secret;
        const { request, verifyToken } = await fileRequest(db, { type: 'access' });
        await confirmVerification(db, verifyToken!, { rules });
        requestId = request.id;
      } finally {
        await db.destroy();
      }
    }

    let server: ServerProcess | undefined = await spawnServer(env);
    try {
      // The worker picks the job up and the receiver holds its request: kill the process now.
      await waitFor('the first delivery', () => hook.received.length >= 1, 60_000);
      const killedAt = Date.now();
      await server.kill('SIGKILL');
      // The dead worker held the delivery job: it is `running`, its lock no longer renewed. That
      // lock keeps other workers off for LOCK_TIMEOUT_SECONDS (90 s; the claim rule is tested in
      // tests/integration/jobs.test.ts). It is aged past that here rather than waited for, as
      // sigkill.test.ts does, so the run does not sit idle for a minute and a half per database.
      const held = open();
      try {
        const running = await held.selectFrom('jobs').select(['id', 'attempts']).where('kind', '=', DELIVER_JOB).where('state', '=', 'running').execute();
        expect(running, 'the killed worker held the delivery job').toHaveLength(1);
        expect(running[0]!.attempts).toBe(1);
        await held
          .updateTable('jobs')
          .set({ locked_at: sql<Date>`now() - make_interval(secs => ${LOCK_TIMEOUT_SECONDS + 1})` })
          .where('id', '=', running[0]!.id)
          .execute();
      } finally {
        await held.destroy();
      }
      server = await spawnServer(env);
      // The new worker claims the job whose lock expired and sends it again.
      await waitFor('the delivery sent again', () => hook.received.length >= 2, 120_000);
      const resentAfter = (Date.now() - killedAt) / 1000;
      // Let the held first request finish (the receiver acts on it once) and the second be answered.
      await waitFor('the receiver to act', () => hook.deliveries.length >= 1, 30_000);
      await sleep(2_000);
      await server.kill('SIGTERM');
      server = undefined;

      const db = open();
      try {
        const task = await db.selectFrom('system_tasks').selectAll().where('request_id', '=', requestId).executeTakeFirstOrThrow();
        // Both sends carried the task's one delivery id; the receiver acted on it once.
        expect(hook.received.length).toBeGreaterThanOrEqual(2);
        expect(new Set(hook.received)).toEqual(new Set([task.delivery_id]));
        expect(hook.deliveries.map((d) => d.id)).toEqual([task.delivery_id]);
        expect(task.state).toBe('waiting');
        const jobs = await db.selectFrom('jobs').select(['state', 'attempts']).where('kind', '=', DELIVER_JOB).execute();
        expect(jobs.every((j) => j.state === 'done')).toBe(true);
        console.log(`[sigkill-delivery ${backend}] killed mid-delivery; the job's lock aged past ${LOCK_TIMEOUT_SECONDS} s; sent again ${resentAfter.toFixed(0)} s after the kill with the same webhook-id; the receiver saw ${hook.received.length} sends and acted on ${hook.deliveries.length}`);
      } finally {
        await db.destroy();
      }
    } finally {
      await server?.kill('SIGKILL');
      await hook.close();
    }
  });
});
