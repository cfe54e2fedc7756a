import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client';
import { recordAudit, verifyAuditChain } from '../../app/models/audit.server';
import { createTestDatabaseUrl, createTestDb, type TestDb } from '../support/db';
import { migrateToLatest } from '../../db/client';

const run = promisify(execFile);
let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t.destroy();
});

describe('audit chain', () => {
  it('chains every event and verifies', async () => {
    for (let i = 0; i < 5; i++) {
      await recordAudit(t.db, { actorId: null, action: 'test.event', targetType: 'thing', targetId: String(i), details: { i, nested: { b: 1, a: [1, 'x'] } }, ip: '127.0.0.1' });
    }
    const result = await verifyAuditChain(t.db, { batchSize: 2 });
    expect(result).toEqual({ ok: true, count: 5 });
  });

  it('refuses UPDATE, DELETE and TRUNCATE', async () => {
    await expect(sql`update audit_events set action = 'x'`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_events`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`truncate audit_events`.execute(t.db)).rejects.toThrow(/append-only/);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it('an event rolled back with its transaction leaves the chain whole', async () => {
    await expect(
      t.db.transaction().execute(async (trx) => {
        await recordAudit(trx, { actorId: null, action: 'test.rolled_back' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await recordAudit(t.db, { actorId: null, action: 'test.after_rollback' });
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it('audit:verify names a row altered with the triggers disabled, and exits non-zero', async () => {
    const target = await t.db.selectFrom('audit_events').select(['id', 'occurred_at']).where('target_id', '=', '2').executeTakeFirstOrThrow();
    await sql`alter table audit_events disable trigger user`.execute(t.db);
    await sql`update audit_events set details = '{"i": 99}'::jsonb where id = ${target.id}`.execute(t.db);
    await sql`alter table audit_events enable trigger user`.execute(t.db);
    const result = await verifyAuditChain(t.db, { batchSize: 2 });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.broken.id).toBe(String(target.id));
      expect(result.broken.occurredAt).toBe(new Date(target.occurred_at).toISOString());
      expect(result.count).toBe(2);
    }
  });

  it('a deleted tail is found through the chain head', async () => {
    const { db } = t;
    const fresh = await createTestDb();
    try {
      await recordAudit(fresh.db, { actorId: null, action: 'a' });
      await recordAudit(fresh.db, { actorId: null, action: 'b' });
      await sql`alter table audit_events disable trigger user`.execute(fresh.db);
      await sql`delete from audit_events where action = 'b'`.execute(fresh.db);
      await sql`alter table audit_events enable trigger user`.execute(fresh.db);
      const result = await verifyAuditChain(fresh.db);
      expect(result.ok).toBe(false);
    } finally {
      await fresh.destroy();
    }
    expect(db).toBeDefined();
  });
});

describe.skipIf(!process.env.DATABASE_URL)('audit chain on PostgreSQL', () => {
  it('concurrent writers from several pools (instances) form one valid chain', async () => {
    const database = (await createTestDatabaseUrl())!;
    const instances = [0, 1, 2, 3].map(() => createDb({ databaseUrl: database.url, poolSize: 5 }).db);
    try {
      await migrateToLatest(instances[0]!);
      await Promise.all(
        instances.flatMap((db, n) =>
          Array.from({ length: 50 }, (_, i) => recordAudit(db, { actorId: null, action: 'concurrent', targetId: `${n}:${i}` })),
        ),
      );
      const result = await verifyAuditChain(instances[0]!);
      expect(result).toEqual({ ok: true, count: 200 });
    } finally {
      await Promise.all(instances.map((db) => db.destroy()));
      await database.drop();
    }
  });

  it('npm run audit:verify prints the count, and the broken row with exit 1', async () => {
    const database = (await createTestDatabaseUrl())!;
    const { db } = createDb({ databaseUrl: database.url, poolSize: 2 });
    try {
      await migrateToLatest(db);
      for (let i = 0; i < 3; i++) await recordAudit(db, { actorId: null, action: 'cli', targetId: String(i) });
      const env = { ...process.env, DATABASE_URL: database.url, NODE_ENV: 'test' as const };
      const ok = await run('npx', ['tsx', 'scripts/audit-verify.ts'], { env });
      expect(ok.stdout).toMatch(/audit chain OK: 3 events verified/);
      const second = await db.selectFrom('audit_events').select('id').where('target_id', '=', '1').executeTakeFirstOrThrow();
      await sql`alter table audit_events disable trigger user`.execute(db);
      await sql`update audit_events set action = 'forged' where id = ${second.id}`.execute(db);
      await sql`alter table audit_events enable trigger user`.execute(db);
      const broken = await run('npx', ['tsx', 'scripts/audit-verify.ts'], { env }).then(
        () => {
          throw new Error('audit:verify exited 0 on a broken chain');
        },
        (error: { code: number; stdout: string }) => error,
      );
      expect(broken.code).toBe(1);
      expect(broken.stdout).toContain(`BROKEN at event id ${second.id}`);
    } finally {
      await db.destroy();
      await database.drop();
    }
  });
});
