import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnPortalProcess, type PortalProcess } from '../support/server-process';

/**
 * Verification and status links are credentials. The real server in its own process at the
 * most verbose log level is driven through the whole request journey; afterwards no log line
 * and no table row (once the mail is delivered) holds a link's token — only its hash.
 */
let portal: PortalProcess;

beforeAll(async () => {
  portal = await spawnPortalProcess({ logLevel: 'trace', prefix: 'pp-request-canary' });
});

afterAll(async () => {
  await portal?.cleanup();
});

const post = (pathname: string, fields: Record<string, string>) =>
  fetch(`${portal.baseURL}${pathname}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: portal.baseURL },
    body: new URLSearchParams(fields),
  });

async function mails(count: number) {
  const dir = path.join(portal.dataDir, 'mail');
  const deadline = Date.now() + 30_000;
  for (;;) {
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml')).sort() : [];
    if (files.length >= count) return Promise.all(files.map(async (f) => simpleParser(fs.readFileSync(path.join(dir, f)))));
    if (Date.now() > deadline) throw new Error(`expected ${count} mails, found ${files.length}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('request link tokens', () => {
  it('appear in no log line and, once the mail is delivered, in no table', { timeout: 180_000 }, async () => {
    const html = await (await fetch(`${portal.baseURL}/requests/new`)).text();
    const submissionId = /name="submissionId" value="([^"]+)"/.exec(html)![1]!;
    const filed = await post('/requests/new', {
      type: 'access',
      email: 'canary@example.org',
      name: 'Canary Subject',
      requesterRole: 'self',
      confirm: 'yes',
      website: '',
      submissionId,
    });
    expect(filed.status).toBe(302);
    const [receipt] = await mails(1);
    const verifyToken = /\/verify\/([A-Za-z0-9_-]{43})/.exec(receipt!.text ?? '')![1]!;
    expect((await fetch(`${portal.baseURL}/verify/${verifyToken}`)).status).toBe(200);
    const confirmed = await post(`/verify/${verifyToken}`, { intent: 'confirm' });
    const statusToken = /^\/status\/s\/([A-Za-z0-9_-]{43})$/.exec(confirmed.headers.get('location') ?? '')![1]!;
    expect((await fetch(`${portal.baseURL}/status/s/${statusToken}`)).status).toBe(200);
    expect((await post(`/status/s/${statusToken}`, { intent: 'withdraw' })).status).toBe(302);
    const all = await mails(3);
    const mailed = all.flatMap((m) => [...(m.text ?? '').matchAll(/\/(?:verify|status\/s)\/([A-Za-z0-9_-]{43})/g)].map((x) => x[1]!));
    const tokens = [verifyToken, statusToken, ...mailed];

    expect(await portal.stop()).toBe(0);

    const { out } = portal;
    const haystacks: Record<string, string> = { stdout: out.stdout, stderr: out.stderr, ...(await portal.dumpTables()) };
    expect(haystacks['table request_tokens']).toContain('"purpose":"verify"');
    // The journey was logged, with the link paths redacted.
    expect(out.stdout).toContain('"url":"/verify/[REDACTED]"');
    expect(out.stdout).toContain('"url":"/status/[REDACTED]"');

    const found: string[] = [];
    for (const [where, text] of Object.entries(haystacks)) {
      for (const token of tokens) if (text.includes(token)) found.push(`${where} contains ${token.slice(0, 8)}…`);
    }
    expect(found).toEqual([]);
  });
});
