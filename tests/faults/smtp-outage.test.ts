import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startSmtpServer, type TestSmtp } from '../support/smtp';
import { createThrowawayCluster, fileThroughForm, sharedSecrets, sleep, spawnServer, type Cluster, type ServerProcess } from './support';

/**
 * The mail server is down when requests are filed: intake still succeeds (mail waits in the
 * outbox), delivery fails and is retried with backoff, and once the mail server is back every
 * message is delivered exactly once.
 */
let cluster: Cluster;
let server: ServerProcess;
let smtp: TestSmtp | undefined;
let client: pg.Client;
let dataDir: string;
let smtpPort: number;

beforeAll(async () => {
  cluster = await createThrowawayCluster();
  const url = await cluster.createDatabase('pp_smtp');
  client = new pg.Client({ connectionString: url });
  smtpPort = await freePort();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-faults-smtp-'));
  server = await spawnServer({ DATABASE_URL: url, DATA_DIR: dataDir, SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, ...sharedSecrets() });
  await client.connect();
});

afterAll(async () => {
  await server?.kill('SIGTERM');
  await client?.end();
  await smtp?.close();
  await cluster?.destroy();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('SMTP down, then up', () => {
  it('keeps accepting requests, retries delivery, and delivers each message once when the server returns', async () => {
    const filed = [];
    for (let n = 0; n < 6; n++) filed.push(await fileThroughForm(server.baseURL));
    expect(filed.every((f) => f.status === 302)).toBe(true);

    // Every delivery fails and is rescheduled, the outbox keeps the message and says why.
    const deadline = Date.now() + 20_000;
    let failed = 0;
    while (Date.now() < deadline) {
      const { rows } = await client.query<{ n: number }>(
        `select count(*)::int as n from jobs where kind = 'mail.deliver' and state = 'pending' and attempts >= 1 and last_error is not null`,
      );
      failed = rows[0]!.n;
      if (failed === filed.length) break;
      await sleep(200);
    }
    expect(failed).toBe(filed.length);
    const { rows: queued } = await client.query(`select status, last_error from mail_outbox`);
    expect(queued.every((r) => r.status === 'queued' && /ECONNREFUSED/.test(r.last_error))).toBe(true);

    smtp = await startSmtpServer(smtpPort);
    // The retry is scheduled 30 s out; bring it forward rather than wait.
    await client.query(`update jobs set run_at = now() where kind = 'mail.deliver' and state = 'pending'`);
    const until = Date.now() + 30_000;
    while (smtp.messages.length < filed.length && Date.now() < until) await sleep(200);
    await sleep(2_500);
    const recipients = smtp.messages.map((m) => (Array.isArray(m.to) ? m.to[0]!.text : m.to!.text)).sort();
    expect(recipients).toEqual(filed.map((f) => f.email).sort());
    const { rows: sent } = await client.query(`select status, attempts from mail_outbox`);
    expect(sent.every((r) => r.status === 'sent' && r.attempts === 2)).toBe(true);
    console.log(`FAULT smtp down/up: ${filed.length} acknowledged while SMTP was down, ${failed} deliveries failed and rescheduled, ${smtp.messages.length} delivered once it was back, 0 duplicates`);
  });
});
