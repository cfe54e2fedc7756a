import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Backend, type DB } from '../../db/client';
import { createJobHandlers, scheduleBackup, scheduleMaintenance, scheduleReminders } from '../../app/models/job-handlers.server';
import { enqueueJob } from '../../app/models/jobs.server';
import { createSystem } from '../../app/models/datamap/map.server';
import { INBOX_POLL_JOB } from '../../app/models/job-handlers.server';
import { scheduleSweep } from '../../app/models/systems/delivery.server';
import { CANCEL_JOB, DELIVER_JOB, SWEEP_JOB } from '../../app/models/systems/tasks.server';
import { PACKAGE_PURGE_JOB } from '../../app/models/requests/packages.server';
import { replyToRequest } from '../../app/models/requests/replies.server';
import { expireUnverifiedRequest } from '../../app/models/requests/requests.server';
import { requestInformation, transitionRequest, withdrawRequest } from '../../app/models/requests/transitions.server';
import { confirmVerification } from '../../app/models/requests/verification.server';
import { ALERT_JOB } from '../../app/models/subprocessors/registry.server';
import { loadConfig } from '../../app/utils/env.server';
import { createLogger } from '../../app/utils/logger.server';
import { useOutboxKey } from '../../app/utils/outbox-crypto.server';
import { linesOf, runNpmScript, type CliResult } from '../support/cli';
import { createTestDatabaseUrl } from '../support/db';
import { fileRequest, rules, SAMPLE_FILES } from '../support/requests';
import { spawnPortalProcess, type PortalProcess } from '../support/server-process';
import { createUser, signInOverHttp, uniqueEmail, uniquePassword } from '../support/users';
import { recordBreachFixture } from '../support/breaches';
import { ERASURE_REWRITE_JOB, ERASURE_SCRUB_JOB } from '../../app/models/requests/erasure-scrub.server';
import { openIncident } from '../../app/models/status/incidents.server';
import { STATUS_SWEEP_JOB } from '../../app/models/status/job-names';

/**
 * What users run, run as they run it: `npm run build` (by `npm run test:built`), then
 * `node build/server.js` in production mode on the embedded database (or on PostgreSQL with
 * DATABASE_URL). Every command-line tool against a stopped database and against the running
 * portal; every kind of background job through the built server's own job runner.
 */
const root = path.resolve(__dirname, '../..');
/** The embedded database always (what a newcomer's `npm start` uses); PostgreSQL too when DATABASE_URL is set (CI sets it). */
const backends: Backend[] = process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

it('build/server.js is a launcher: it bundles no module of the app (one module graph with the Remix build)', () => {
  const launcher = fs.readFileSync(path.join(root, 'build/server.js'), 'utf8');
  const imports = [...launcher.matchAll(/\bimport\s*(?:[^'"()]*?\sfrom\s*)?["']([^"']+)["']/g)].map((m) => m[1]);
  expect(imports.length).toBeGreaterThan(0);
  expect(imports.filter((specifier) => !specifier!.startsWith('node:'))).toEqual([]);
  // Not one stateful module of the app found its way in.
  expect(launcher).not.toMatch(/WeakMap|createDb|useOutboxKey|startWorker/);
});

/** A server-rendered page as text, without the comments React puts between adjacent text nodes. */
const textOf = (html: string) => html.replaceAll('<!-- -->', '');

describe.each(backends)('the built product (%s)', (backend) => {
  const secrets = {
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    EXPORT_KEY: randomBytes(32).toString('base64url'),
    BACKUP_KEY: randomBytes(32).toString('base64url'),
    CONNECTOR_KEY: randomBytes(32).toString('base64url'),
  };
  const METRICS_TOKEN = randomBytes(24).toString('base64url');
  const admin = { email: uniqueEmail('built-admin'), password: uniquePassword() };

  let work: string;
  let dataDir: string;
  let database: { url: string; drop: () => Promise<void> } | undefined;
  let portal: PortalProcess | undefined;
  let portalStartedAt: Date;
  /** The time /staff showed as "Last backup" while the portal ran. */
  let shownLastBackup: string | undefined;
  /** Fixture ids by job kind, made while the database is stopped; checked after the portal ran. */
  const fixtures: Record<string, { jobId?: string; requestId?: string; packageId?: string; subscriptionId?: string; changeId?: string }> = {};
  let refusedAdminEmail: string | undefined;
  let concurrentAdmin: { email: string; password: string } | undefined;

  function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      DATABASE_URL: database?.url ?? '',
      ...secrets,
      ...extra,
    };
  }

  const tool = (script: string, args: string[] = [], input?: string) => runNpmScript(script, args, { env: env(), input });

  function openDb(): DB {
    return createDb(database ? { databaseUrl: database.url, poolSize: 2 } : { dataDir: path.join(dataDir, 'pglite') }).db;
  }

  function ok(result: CliResult) {
    expect(result, `${result.stdout}\n${result.stderr}`).toMatchObject({ code: 0 });
    return result;
  }

  /** A second, empty database of this backend (for a restore), or undefined on PGlite. */
  const freshPostgres = () => (backend === 'postgres' ? createTestDatabaseUrl() : Promise.resolve(undefined));

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-built-'));
    dataDir = path.join(work, 'data');
    database = await freshPostgres();
  });

  afterAll(async () => {
    await portal?.stop();
    await database?.drop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('every command-line tool works on a stopped database', async () => {
    expect(ok(await tool('db:migrate')).stdout).toMatch(/applied 0090_admin_setup_and_invitations/);
    expect(ok(await tool('create-admin', ['--email', admin.email], `${admin.password}\n`)).stdout).toMatch(/Created administrator/);
    expect(ok(await tool('db:seed-demo-subprocessors')).stdout).toMatch(/Seeded the demo subprocessor registry/);
    const outDir = path.join(work, 'cli-backups');
    expect(ok(await tool('backup', ['--out', outDir])).stdout).toMatch(/backup written: .*\.ppbak/);
    const [file] = fs.readdirSync(outDir);
    // The chain checked here while the backup is restored into a second, empty database of the same backend.
    const target = await freshPostgres();
    try {
      const [verified, restored] = await Promise.all([
        tool('audit:verify'),
        runNpmScript('restore', [path.join(outDir, file!)], { env: env({ DATA_DIR: path.join(work, 'restored'), DATABASE_URL: target?.url ?? '' }) }),
      ]);
      expect(ok(verified).stdout).toMatch(/audit chain OK: \d+ events verified/);
      expect(ok(restored).stdout).toMatch(/audit chain OK: \d+ events verified/);
    } finally {
      await target?.drop();
    }
  });

  it('sets up one job of every kind, due now, while the database is stopped', async () => {
    useOutboxKey(secrets.EXPORT_KEY);
    const config = loadConfig(env({ BACKUP_SCHEDULE: 'daily', REMINDERS_ENABLED: 'on', REMINDERS_HOUR: '0' }));
    const db = openDb();
    try {
      const earlier = new Date(Date.now() - 60_000);
      const jobOf = async (kind: string, requestId?: string) =>
        (
          await db
            .selectFrom('jobs')
            .select('id')
            .where('kind', '=', kind)
            .$if(requestId !== undefined, (qb) => qb.where(sql<string>`payload->>'requestId'`, '=', requestId!))
            .orderBy('id', 'desc')
            .executeTakeFirstOrThrow()
        ).id;
      const makeDue = (jobId: string) => db.updateTable('jobs').set({ run_at: earlier }).where('id', '=', jobId).execute();

      // request.expire: a request never verified, its week over.
      const unverified = await fileRequest(db, { name: 'Never Verified' });
      fixtures['request.expire'] = { requestId: unverified.request.id, jobId: await jobOf('request.expire', unverified.request.id) };
      await makeDue(fixtures['request.expire'].jobId!);

      // request.purge-personal-data: an expired request whose 30 days are over.
      const expired = await fileRequest(db, { name: 'Long Expired', details: 'private words' });
      await expireUnverifiedRequest(db, expired.request.id, { rules });
      fixtures['request.purge-personal-data'] = { requestId: expired.request.id, jobId: await jobOf('request.purge-personal-data', expired.request.id) };
      await makeDue(fixtures['request.purge-personal-data'].jobId!);

      // request.purge-attachments: a request withdrawn 31 days ago, with the subject's file.
      const withFile = await fileRequest(db);
      await confirmVerification(db, withFile.verifyToken!, { rules });
      await transitionRequest(db, { requestId: withFile.request.id, action: 'start', actor: { kind: 'staff', id: 'built' } }, { rules });
      await requestInformation(db, { requestId: withFile.request.id, staffId: 'built', question: 'Proof, please.' }, { rules });
      await replyToRequest(
        db,
        { requestId: withFile.request.id, message: 'Attached', files: [{ filename: 'scan.png', bytes: SAMPLE_FILES.png }] },
        { rules, exportKey: secrets.EXPORT_KEY },
      );
      await withdrawRequest(db, { requestId: withFile.request.id }, { rules, now: new Date(Date.now() - 31 * 86_400_000) });
      fixtures['request.purge-attachments'] = { requestId: withFile.request.id, jobId: await jobOf('request.purge-attachments', withFile.request.id) };
      await makeDue(fixtures['request.purge-attachments'].jobId!);

      // package.purge: an access package past its download days.
      const open = await fileRequest(db);
      await confirmVerification(db, open.verifyToken!, { rules });
      const pkg = await db
        .insertInto('access_packages')
        .values({
          request_id: open.request.id,
          filename: 'package.zip',
          size: 3,
          sha256: '0'.repeat(64),
          iv: Buffer.alloc(12),
          auth_tag: Buffer.alloc(16),
          ciphertext: Buffer.from('zip'),
          expires_at: new Date(Date.now() - 1000),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await enqueueJob(db, { kind: PACKAGE_PURGE_JOB, payload: { packageId: pkg.id }, runAt: earlier, dedupeKey: `built:${pkg.id}` });
      fixtures[PACKAGE_PURGE_JOB] = { packageId: pkg.id, jobId: await jobOf(PACKAGE_PURGE_JOB) };

      // subprocessors.alert: an announced change and a confirmed subscriber.
      const change = await db.selectFrom('subprocessor_changes').select('id').orderBy('id').executeTakeFirstOrThrow();
      const subscription = await db
        .insertInto('subprocessor_subscriptions')
        .values({ email: uniqueEmail('subscriber'), confirmed_at: new Date() })
        .returning('id')
        .executeTakeFirstOrThrow();
      await enqueueJob(db, { kind: ALERT_JOB, payload: { changeId: change.id, stage: 'announced' }, runAt: earlier, dedupeKey: `built:alert:${change.id}` });
      fixtures[ALERT_JOB] = { changeId: change.id, subscriptionId: subscription.id, jobId: await jobOf(ALERT_JOB) };

      // The periodic jobs, as the portal schedules them (today's keys, so its own start-up adds none).
      await scheduleMaintenance(db, earlier);
      fixtures['maintenance.daily'] = { jobId: await jobOf('maintenance.daily') };
      await scheduleReminders(db, config, earlier);
      fixtures['requests.reminders'] = { jobId: await jobOf('requests.reminders') };
      // mail.deliver: the confirmation mails the requests above queued.
      fixtures['mail.deliver'] = { jobId: await jobOf('mail.deliver') };
      // breaches.reminder: a breach on the 72-hour clock; its next reminder brought forward.
      const dpo = await createUser(db, { role: 'admin' });
      await recordBreachFixture(db, dpo.id);
      fixtures['breaches.reminder'] = { jobId: await jobOf('breaches.reminder') };
      await makeDue(fixtures['breaches.reminder'].jobId!);
      // erasure.scrub and erasure.rewrite: what an erasure queues (here for an address that has no mail left).
      const emailHash = createHash('sha256').update(uniqueEmail('erased')).digest('hex');
      await enqueueJob(db, { kind: ERASURE_SCRUB_JOB, payload: { reference: 'DSR-2026-999999', emailHash, outboxIds: [] }, runAt: earlier, dedupeKey: 'built:scrub' });
      fixtures[ERASURE_SCRUB_JOB] = { jobId: await jobOf(ERASURE_SCRUB_JOB) };
      await enqueueJob(db, { kind: ERASURE_REWRITE_JOB, runAt: earlier, dedupeKey: 'built:rewrite' });
      fixtures[ERASURE_REWRITE_JOB] = { jobId: await jobOf(ERASURE_REWRITE_JOB) };
      // status.notify and status.sweep: an incident opened with its alert, and the status clock.
      await openIncident(db, { name: 'Built product incident', status: 'investigating', impact: 'minor', body: 'Looking into it.', components: {}, notify: true }, { id: null, source: 'staff' });
      fixtures['status.notify'] = { jobId: await jobOf('status.notify') };
      await makeDue(fixtures['status.notify'].jobId!);
      // (The portal queues the sweep each minute only while a component has a heartbeat monitor.)
      await enqueueJob(db, { kind: STATUS_SWEEP_JOB, runAt: earlier, dedupeKey: 'built:sweep' });
      fixtures[STATUS_SWEEP_JOB] = { jobId: await jobOf(STATUS_SWEEP_JOB) };
      // Connected systems (issue 19): a task mailed to a system's owner (systems.deliver), the
      // notice that a sent task was cancelled (systems.cancel), and the periodic sweep.
      const ownerSystem = await createSystem(db, { name: 'Built warehouse', description: '', ownerName: 'Owner', ownerEmail: 'warehouse-owner@example.org', securityMeasures: '', subprocessorId: null, requestTypes: ['access'] }, { id: null, ip: null });
      await db.updateTable('connected_systems').set({ kind: 'manual' }).where('id', '=', ownerSystem).execute();
      const asked = await fileRequest(db, { name: 'Asked Systems' });
      await confirmVerification(db, asked.verifyToken!, { rules });
      const askedTask = await db.selectFrom('system_tasks').select('id').where('request_id', '=', asked.request.id).executeTakeFirstOrThrow();
      fixtures[DELIVER_JOB] = { requestId: asked.request.id, jobId: await jobOf(DELIVER_JOB) };
      const cancelled = await fileRequest(db, { name: 'Cancelled Systems' });
      await confirmVerification(db, cancelled.verifyToken!, { rules });
      await db.updateTable('system_tasks').set({ sent_at: earlier, state: 'waiting' }).where('request_id', '=', cancelled.request.id).execute();
      await withdrawRequest(db, { requestId: cancelled.request.id }, { rules });
      fixtures[CANCEL_JOB] = { requestId: cancelled.request.id, jobId: await jobOf(CANCEL_JOB) };
      await scheduleSweep(db, earlier);
      fixtures[SWEEP_JOB] = { jobId: await jobOf(SWEEP_JOB) };
      // The privacy mailbox's poll: without INBOX_IMAP_URL it does nothing (tests/integration/inbox*.test.ts poll a real Dovecot).
      await enqueueJob(db, { kind: INBOX_POLL_JOB, runAt: earlier, dedupeKey: 'built:inbox' });
      fixtures[INBOX_POLL_JOB] = { jobId: await jobOf(INBOX_POLL_JOB) };
      expect(askedTask.id).toBeTruthy();
      // Last of all, so every job above has run when the backup shows on /staff.
      await scheduleBackup(db, config, new Date());
      fixtures['backup.scheduled'] = { jobId: await jobOf('backup.scheduled') };

      // Every kind the job runner knows has its fixture: a new kind without one fails here.
      const kinds = Object.keys(createJobHandlers({ db, config, logger: createLogger({ level: 'silent' }) })).sort();
      expect(Object.keys(fixtures).sort()).toEqual(kinds);
    } finally {
      await db.destroy();
    }
  });

  it('starts with `node build/server.js` in production mode', async () => {
    portalStartedAt = new Date();
    portal = await spawnPortalProcess({
      dataDir,
      database: database ? { url: database.url, env: { DATABASE_URL: database.url } } : undefined,
      env: { ...secrets, BACKUP_SCHEDULE: 'daily', REMINDERS_ENABLED: 'on', REMINDERS_HOUR: '0', METRICS_TOKEN, LOG_LEVEL: 'info' },
    });
    expect((await fetch(`${portal.baseURL}/healthz`)).status).toBe(200);
  });

  it('runs every scheduled job kind through its job runner: /staff shows the scheduled backup and no failed job', async () => {
    const cookie = await signInOverHttp(portal!.baseURL, admin);
    const backupsDir = path.join(dataDir, 'backups');
    const scheduledBackups = () => (fs.existsSync(backupsDir) ? fs.readdirSync(backupsDir).filter((f) => f.endsWith('.ppbak')) : []);
    const queuedMail = async () =>
      /portal_mail_outbox\{status="queued"\} (\d+)/.exec(
        await (await fetch(`${portal!.baseURL}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } })).text(),
      )?.[1];
    let staffHome = '';
    const deadline = Date.now() + 90_000;
    for (;;) {
      staffHome = textOf(await (await fetch(`${portal!.baseURL}/staff`, { headers: { Cookie: cookie } })).text());
      if (scheduledBackups().length > 0 && (await queuedMail()) === '0') break;
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    // The backup the job runner took is in DATA_DIR/backups (the command-line one went to --out).
    expect(scheduledBackups()).toHaveLength(1);
    shownLastBackup = /Last backup: (20\d\d-\d\d-\d\d \d\d:\d\d) UTC/.exec(staffHome)?.[1];
    expect(shownLastBackup, staffHome.slice(staffHome.indexOf('Last backup'), staffHome.indexOf('Last backup') + 120)).toBeDefined();
    expect(`${shownLastBackup!.replace(' ', 'T')}:59.999Z` >= portalStartedAt.toISOString()).toBe(true);
    expect(staffHome).toMatch(/Failed background jobs: 0</);
  });

  it(
    backend === 'pglite'
      ? 'every command-line tool refuses the running portal’s database with one line, and touches nothing'
      : 'the command-line tools safe beside a running portal work, and the portal sees their result at once',
    async () => {
      const outDir = path.join(work, 'live-backups');
      const backupFile = path.join(work, 'cli-backups', fs.readdirSync(path.join(work, 'cli-backups'))[0]!);
      if (backend === 'pglite') {
        refusedAdminEmail = uniqueEmail('refused-admin');
        // All at once, as several operators might: each must be refused before it touches anything.
        const attempts: Record<string, Promise<CliResult>> = {
          'create-admin': tool('create-admin', ['--email', refusedAdminEmail], `${uniquePassword()}\n`),
          'db:migrate': tool('db:migrate'),
          'db:seed-demo-subprocessors': tool('db:seed-demo-subprocessors'),
          backup: tool('backup', ['--out', outDir]),
          restore: tool('restore', [backupFile, '--force']),
          'audit:verify': tool('audit:verify'),
        };
        const runs = Object.fromEntries(await Promise.all(Object.entries(attempts).map(async ([name, run]) => [name, await run] as const)));
        for (const [name, result] of Object.entries(runs)) {
          expect(result.code, `${name}: ${result.stdout}${result.stderr}`).not.toBe(0);
          expect(result.signal, name).toBeNull();
          expect(result.stdout, name).toBe('');
          const lines = linesOf(result.stderr);
          expect(lines, name).toHaveLength(1);
          expect(lines[0], name).toMatch(new RegExp(`open \\(a running portal owns it, process ${portal!.pid}\\): .*stop the portal first`));
        }
        expect(linesOf(runs['create-admin']!.stderr)[0]).toMatch(/setup link|invite/);
        // The portal still owns its database, and no tool wrote a file.
        expect(fs.readFileSync(path.join(dataDir, 'pglite.owner'), 'utf8').trim()).toBe(String(portal!.pid));
        expect(fs.existsSync(outDir)).toBe(false);
        expect(fs.readdirSync(dataDir).filter((f) => f.startsWith('pglite.before-restore'))).toEqual([]);
        expect((await fetch(`${portal!.baseURL}/healthz`)).status).toBe(200);
        return;
      }
      // PostgreSQL: another administrator, made while the portal runs, signs in at once.
      concurrentAdmin = { email: uniqueEmail('live-admin'), password: uniquePassword() };
      expect(ok(await tool('create-admin', ['--email', concurrentAdmin.email], `${concurrentAdmin.password}\n`)).stdout).toMatch(/Created administrator/);
      const cookie = await signInOverHttp(portal!.baseURL, concurrentAdmin);
      expect((await fetch(`${portal!.baseURL}/staff/users`, { headers: { Cookie: cookie } })).status).toBe(200);
      // A backup taken beside it is the portal's last backup at once (the age /staff and /metrics report).
      const backupAge = async () =>
        Number(
          /portal_backup_age_seconds (-?\d+)/.exec(
            await (await fetch(`${portal!.baseURL}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } })).text(),
          )?.[1],
        );
      const ageBefore = await backupAge();
      const started = Date.now();
      // Side by side, as a busy operator might; each is safe beside the portal or refuses on its own grounds.
      const [backup, verified, migrated, seeded, restore] = await Promise.all([
        tool('backup', ['--out', outDir]),
        tool('audit:verify'),
        tool('db:migrate'),
        tool('db:seed-demo-subprocessors'),
        tool('restore', [backupFile]),
      ]);
      const elapsed = (Date.now() - started) / 1000;
      expect(ok(backup).stdout).toMatch(/backup written/);
      const ageAfter = await backupAge();
      expect(ageBefore).toBeGreaterThanOrEqual(0);
      // The scheduled backup would now be ageBefore + elapsed old; the one just taken is younger than the commands.
      expect(ageAfter).toBeLessThanOrEqual(Math.ceil(elapsed) + 1);
      expect(ageAfter).toBeLessThan(ageBefore + elapsed - 1);
      expect(fs.readdirSync(outDir).filter((f) => f.endsWith('.ppbak'))).toHaveLength(1);
      expect(ok(verified).stdout).toMatch(/audit chain OK/);
      expect(ok(migrated).stdout).toMatch(/up to date/);
      // Seeding changes nothing in a registry that holds entries; restore refuses a database in use.
      expect(seeded.code).toBe(1);
      expect(seeded.stderr).toMatch(/not empty; nothing was changed/);
      expect(restore.code).toBe(1);
      expect(linesOf(restore.stderr)).toEqual([expect.stringMatching(/restore refused: the target database is not empty/)]);
      expect((await fetch(`${portal!.baseURL}/healthz`)).status).toBe(200);
    },
    180_000,
  );

  it('after a clean stop: every job done, with its effect, and nothing a refused tool would have written', async () => {
    expect(await portal!.stop()).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'pglite.owner'))).toBe(false);
    const db = openDb();
    try {
      const jobs = await db.selectFrom('jobs').select(['id', 'kind', 'state', 'last_error']).execute();
      for (const [kind, fixture] of Object.entries(fixtures)) {
        expect(
          jobs.find((j) => j.id === fixture.jobId),
          kind,
        ).toMatchObject({ kind, state: 'done', last_error: null });
      }
      expect(jobs.filter((j) => j.state === 'failed' || j.last_error !== null)).toEqual([]);

      const request = (id: string) => db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      expect((await request(fixtures['request.expire']!.requestId!)).state).toBe('expired');
      expect(await request(fixtures['request.purge-personal-data']!.requestId!)).toMatchObject({ email: '', name: '', details: null });
      expect(
        await db.selectFrom('request_attachments').select('id').where('request_id', '=', fixtures['request.purge-attachments']!.requestId!).execute(),
      ).toEqual([]);
      expect(
        await db
          .selectFrom('access_packages')
          .select(['ciphertext', 'deleted_at'])
          .where('id', '=', fixtures[PACKAGE_PURGE_JOB]!.packageId!)
          .executeTakeFirstOrThrow(),
      ).toMatchObject({
        ciphertext: null,
        deleted_at: expect.any(Date),
      });
      expect(
        await db
          .selectFrom('subprocessor_alerts')
          .select('stage')
          .where('subscription_id', '=', fixtures[ALERT_JOB]!.subscriptionId!)
          .where('change_id', '=', fixtures[ALERT_JOB]!.changeId!)
          .execute(),
      ).toEqual([{ stage: 'announced' }]);
      expect(await db.selectFrom('reminder_sends').select('kind').execute()).toContainEqual({ kind: 'team' });
      const actions = (await db.selectFrom('audit_events').select('action').execute()).map((a) => a.action);
      expect(actions).toContain('retention.run');
      // The "Last backup" /staff showed is the scheduled job's: the backup event naming the file in DATA_DIR/backups.
      const scheduledFile = fs.readdirSync(path.join(dataDir, 'backups')).find((f) => f.endsWith('.ppbak'));
      const lastBackup = await db
        .selectFrom('audit_events')
        .select(['actor_id', 'occurred_at'])
        .where('action', '=', 'backup.created')
        .where('target_id', '=', scheduledFile!)
        .executeTakeFirstOrThrow();
      expect(lastBackup.actor_id).toBeNull();
      expect(new Date(lastBackup.occurred_at).toISOString().slice(0, 16).replace('T', ' ')).toBe(shownLastBackup);
      expect(actions).toContain('reminders.sent');
      // Every message went out (as .eml files: no SMTP_URL), the alert and the reminder included.
      expect(await db.selectFrom('mail_outbox').select('status').where('status', '!=', 'sent').execute()).toEqual([]);
      expect(fs.readdirSync(path.join(dataDir, 'mail')).filter((f) => f.endsWith('.eml')).length).toBeGreaterThanOrEqual(6);

      if (backend === 'pglite') {
        expect(await db.selectFrom('users').select('id').where('email', '=', refusedAdminEmail!).execute()).toEqual([]);
      } else {
        expect(await db.selectFrom('users').select('role').where('email', '=', concurrentAdmin!.email).executeTakeFirst()).toEqual({ role: 'admin' });
      }
    } finally {
      await db.destroy();
    }
  });

  it('the tools refused while it ran work again once the portal is stopped', async () => {
    const another = uniqueEmail('after-stop');
    expect(ok(await tool('create-admin', ['--email', another], `${uniquePassword()}\n`)).stdout).toMatch(/Created administrator/);
    expect(ok(await tool('backup', ['--out', path.join(work, 'after-stop')])).stdout).toMatch(/backup written/);
  });
});
