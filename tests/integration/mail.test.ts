import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createJobHandlers } from '../../app/models/job-handlers.server';
import { runDueJobs } from '../../app/models/jobs.server';
import { listMailFiles, queueMail, renderMail } from '../../app/models/mail.server';
import { loadConfig } from '../../app/utils/env.server';
import { createLogger } from '../../app/utils/logger.server';
import { createTestDb, type TestDb } from '../support/db';
import { freePort, startSmtpServer, type TestSmtp } from '../support/smtp';

let t: TestDb;
const logger = createLogger({ level: 'silent' });
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-mail-'));
const smtps: TestSmtp[] = [];

beforeAll(async () => {
  t = await createTestDb();
});
afterEach(async () => {
  for (const s of smtps.splice(0)) await s.close();
  await t.db.deleteFrom('jobs').execute();
  await t.db.deleteFrom('mail_outbox').execute();
});
afterAll(async () => {
  await t.destroy();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function worker(env: Record<string, string>) {
  const config = loadConfig({ DATA_DIR: dataDir, PUBLIC_URL: 'https://privacy.example.org', MAIL_FROM: 'Privacy Team <privacy@example.org>', ...env });
  const handlers = createJobHandlers({ db: t.db, config, logger });
  return { config, run: () => runDueJobs(t.db, handlers, logger) };
}

const message = () => ({
  to: 'ada@example.org',
  subject: 'Confirm your request',
  ...renderMail({
    heading: 'Confirm your email address',
    paragraphs: ['We received your request <DSR-2026-000001>.'],
    action: { label: 'Confirm', url: 'https://privacy.example.org/verify/abc' },
  }),
  headers: { 'List-Unsubscribe': '<https://privacy.example.org/unsubscribe/x>' },
});

describe('mail outbox', () => {
  it('delivers a queued message over SMTP as text and HTML', async () => {
    const smtp = await startSmtpServer();
    smtps.push(smtp);
    await queueMail(t.db, message());
    expect(await worker({ SMTP_URL: smtp.url }).run()).toBe(1);
    expect(smtp.messages).toHaveLength(1);
    const got = smtp.messages[0]!;
    expect(got.subject).toBe('Confirm your request');
    expect(got.from?.text).toBe('"Privacy Team" <privacy@example.org>');
    expect(got.text).toContain('Confirm: https://privacy.example.org/verify/abc');
    expect(got.html).toContain('We received your request &lt;DSR-2026-000001&gt;.');
    expect(got.headerLines.find((h) => h.key === 'list-unsubscribe')?.line).toBe(
      'List-Unsubscribe: <https://privacy.example.org/unsubscribe/x>',
    );
    expect(got.messageId).toMatch(/^<outbox-\d+\.\d+@privacy\.example\.org>$/);
    const row = await t.db.selectFrom('mail_outbox').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'sent', attempts: 1, message_id: got.messageId });
  });

  it('keeps the message while the SMTP server is down and delivers it once when it is back', async () => {
    const port = await freePort();
    const w = worker({ SMTP_URL: `smtp://127.0.0.1:${port}` });
    await queueMail(t.db, message());
    await w.run();
    const pending = await t.db.selectFrom('mail_outbox').selectAll().executeTakeFirstOrThrow();
    expect(pending.status).toBe('queued');
    expect(pending.last_error).toMatch(/ECONNREFUSED|connect/i);

    const smtp = await startSmtpServer(port);
    smtps.push(smtp);
    // The backoff has not passed yet: nothing is sent early.
    expect(await w.run()).toBe(0);
    await t.db.updateTable('jobs').set({ run_at: sql<Date>`now()` }).execute();
    expect(await w.run()).toBe(1);
    await t.db.updateTable('jobs').set({ run_at: sql<Date>`now()` }).execute();
    expect(await w.run()).toBe(0);
    expect(smtp.messages).toHaveLength(1);
    expect((await t.db.selectFrom('mail_outbox').select('status').executeTakeFirstOrThrow()).status).toBe('sent');
  });

  it('marks the message failed when every attempt has failed', async () => {
    const port = await freePort();
    const w = worker({ SMTP_URL: `smtp://127.0.0.1:${port}` });
    await queueMail(t.db, message());
    await t.db.updateTable('jobs').set({ max_attempts: 2 }).execute();
    await w.run();
    await t.db.updateTable('jobs').set({ run_at: sql<Date>`now()` }).execute();
    await w.run();
    const row = await t.db.selectFrom('mail_outbox').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'failed', attempts: 2 });
  });

  it('queues nothing when the transaction that queued it rolls back', async () => {
    await expect(
      t.db.transaction().execute(async (trx) => {
        await queueMail(trx, message());
        throw new Error('change failed');
      }),
    ).rejects.toThrow('change failed');
    expect(await t.db.selectFrom('mail_outbox').selectAll().execute()).toEqual([]);
    expect(await t.db.selectFrom('jobs').selectAll().execute()).toEqual([]);
  });

  it('writes an .eml file under DATA_DIR/mail when no SMTP server is configured', async () => {
    const w = worker({});
    await queueMail(t.db, message());
    await w.run();
    const files = fs.readdirSync(path.join(dataDir, 'mail'));
    expect(files.filter((f) => f.endsWith('.eml'))).toHaveLength(1);
    expect(fs.statSync(path.join(dataDir, 'mail', files[0]!)).mode & 0o777).toBe(0o600);
    const [listed] = await listMailFiles(w.config);
    expect(listed).toMatchObject({ to: 'ada@example.org', subject: 'Confirm your request' });
    expect(listed!.text).toContain('https://privacy.example.org/verify/abc');
    expect(listed!.headers['list-unsubscribe']).toBe('<https://privacy.example.org/unsubscribe/x>');
  });
});
