import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createJobHandlers } from '../../app/models/job-handlers.server';
import { runDueJobs } from '../../app/models/jobs.server';
import { requestPolicy } from '../../app/models/requests/policy';
import { extendDeadline, withdrawRequest } from '../../app/models/requests/transitions.server';
import { confirmVerification } from '../../app/models/requests/verification.server';
import { createRequest } from '../../app/models/requests/requests.server';
import { loadConfig } from '../../app/utils/env.server';
import { createLogger } from '../../app/utils/logger.server';
import { createTestDb, type TestDb } from '../support/db';
import { intakeInput } from '../support/requests';
import { freePort, startSmtpServer, type TestSmtp } from '../support/smtp';

let t: TestDb;
const logger = createLogger({ level: 'silent' });
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-request-mail-'));
const smtps: TestSmtp[] = [];
const PUBLIC_URL = 'https://privacy.example.org';

beforeAll(async () => {
  t = await createTestDb();
});
afterEach(async () => {
  for (const s of smtps.splice(0)) await s.close();
});
afterAll(async () => {
  await t?.destroy();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function portal(smtpUrl: string) {
  const config = loadConfig({ DATA_DIR: dataDir, PUBLIC_URL, SMTP_URL: smtpUrl, PORTAL_TIMEZONE: 'Europe/London' });
  const handlers = createJobHandlers({ db: t.db, config, logger });
  return { config, rules: requestPolicy(config), run: () => runDueJobs(t.db, handlers, logger, { limit: 50 }) };
}

async function smtpServer(port?: number) {
  const smtp = await startSmtpServer(port);
  smtps.push(smtp);
  return smtp;
}

const linkIn = (text: string, prefix: string) => new RegExp(`${PUBLIC_URL}${prefix}([A-Za-z0-9_-]{43})`).exec(text)?.[1];

describe('request emails over a real SMTP server', () => {
  it('sends the receipt with a working verification link, then the due date once verified', async () => {
    const smtp = await smtpServer();
    const p = portal(smtp.url);
    const input = intakeInput({ email: 'ada@example.org', name: 'Ada <Lovelace>' });
    const created = await createRequest(t.db, input, { rules: p.rules });
    if (created.outcome !== 'created') throw new Error('not created');
    await p.run();
    expect(smtp.messages).toHaveLength(1);
    const receipt = smtp.messages[0]!;
    expect(receipt.to && 'text' in receipt.to ? receipt.to.text : '').toBe('ada@example.org');
    expect(receipt.subject).toBe(`Confirm your request — Access (Art. 15) request ${created.request.reference}`);
    const token = linkIn(receipt.text ?? '', '/verify/');
    expect(token).toBe(created.verifyToken);
    expect(receipt.html).toContain(`${PUBLIC_URL}/verify/${token}`);

    const verified = await confirmVerification(t.db, token!, { rules: p.rules, now: new Date('2026-01-31T10:00:00Z') });
    expect(verified.status).toBe('verified');
    await p.run();
    expect(smtp.messages).toHaveLength(2);
    const confirmation = smtp.messages[1]!;
    expect(confirmation.subject).toContain('Your request is confirmed');
    expect(confirmation.text).toContain('We will answer by Monday 2 March 2026.');
    const statusToken = linkIn(confirmation.text ?? '', '/status/s/');
    expect(statusToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('with the SMTP server down first and up later, the verification mail arrives once', async () => {
    const port = await freePort();
    const p = portal(`smtp://127.0.0.1:${port}`);
    const created = await createRequest(t.db, intakeInput({ email: 'grace@example.org' }), { rules: p.rules });
    if (created.outcome !== 'created') throw new Error('not created');
    await p.run(); // the attempt fails: nobody listens
    const queued = await t.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', 'grace@example.org').executeTakeFirstOrThrow();
    expect(queued.status).toBe('queued');
    expect(queued.last_error).toMatch(/ECONNREFUSED|connect/i);

    const smtp = await smtpServer(port);
    const mine = () => smtp.messages.filter((m) => m.subject?.includes(created.request.reference));
    await p.run();
    expect(mine()).toHaveLength(0); // backoff: not retried early
    const dueNow = () =>
      t.db.updateTable('jobs').set({ run_at: sql<Date>`now()` }).where('state', '=', 'pending').where('kind', '=', 'mail.deliver').execute();
    await dueNow();
    await p.run();
    expect(mine()).toHaveLength(1);
    await dueNow();
    await p.run();
    const got = mine();
    expect(got).toHaveLength(1);
    expect(linkIn(got[0]!.text ?? '', '/verify/')).toBe(created.verifyToken);
    // The worker ran nothing before its time: the request waits for its 7 days unexpired.
    const row = await t.db.selectFrom('requests').select('state').where('id', '=', created.request.id).executeTakeFirstOrThrow();
    expect(row.state).toBe('unverified');
    const expiry = await t.db.selectFrom('jobs').select(['state', 'attempts']).where('dedupe_key', '=', `request.expire:${created.request.id}`).executeTakeFirstOrThrow();
    expect(expiry).toEqual({ state: 'pending', attempts: 0 });
  });

  it('tells a duplicate submitter by email that the request was linked, and mails withdrawal and extension', async () => {
    const smtp = await smtpServer();
    const p = portal(smtp.url);
    const first = await createRequest(t.db, intakeInput({ email: 'dup@example.org', type: 'erasure' }), { rules: p.rules });
    if (first.outcome !== 'created') throw new Error('not created');
    await confirmVerification(t.db, first.verifyToken!, { rules: p.rules });
    const again = await createRequest(t.db, intakeInput({ email: 'DUP@example.org', type: 'erasure' }), { rules: p.rules });
    expect(again.outcome).toBe('duplicate');
    await extendDeadline(t.db, { requestId: first.request.id, staffId: 'staff', months: 2, reason: 'Many systems to search' }, { rules: p.rules });
    await withdrawRequest(t.db, { requestId: first.request.id }, { rules: p.rules });
    await p.run();
    const mine = smtp.messages.filter((m) => m.subject?.endsWith(first.request.reference));
    const subjects = mine.map((m) => m.subject);
    expect(subjects).toEqual([
      `Confirm your request — Erasure (Art. 17) request ${first.request.reference}`,
      `Your request is confirmed — Erasure (Art. 17) request ${first.request.reference}`,
      `Your request — Erasure (Art. 17) request ${first.request.reference}`,
      `Deadline extended — Erasure (Art. 17) request ${first.request.reference}`,
      `Your request was withdrawn — Erasure (Art. 17) request ${first.request.reference}`,
    ]);
    expect(mine[2]!.text).toContain('Your new submission was linked to it: no second request was started');
    expect(mine[3]!.text).toContain('Reason: Many systems to search');
  });
});
