import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnPortalProcess, type PortalProcess } from '../support/server-process';
import { sessionCookieFrom } from '../support/users';

/**
 * The promise "no credential reaches a log" checked end to end: the real server in its own
 * process at the most verbose log level, driven through every account form with unique
 * canary passwords; then stdout, stderr, every file under DATA_DIR and every row of every
 * table are searched for them (and for the session tokens the server handed out).
 */
const id = randomBytes(6).toString('hex');
const CANARIES = [`Canary-${id}-first pass`, `Canary-${id}-wrong pass`, `Canary-${id}-second pass`];

let portal: PortalProcess;

beforeAll(async () => {
  portal = await spawnPortalProcess({ logLevel: 'trace', prefix: 'pp-canary' });
});

afterAll(async () => {
  await portal?.cleanup();
});

function post(pathname: string, fields: Record<string, string>, cookie?: string) {
  return fetch(`${portal.baseURL}${pathname}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Origin: portal.baseURL,
      ...(cookie ? { Cookie: cookie } : {}),
    },
    body: new URLSearchParams(fields),
  });
}

describe('canary credentials', () => {
  it('appear in no log line, no file under DATA_DIR and no table', { timeout: 180_000 }, async () => {
    const [first, wrong, second] = CANARIES as [string, string, string];
    // The email holds nothing of the canary, so the canary's id alone can be searched for.
    const email = `canary-${randomBytes(4).toString('hex')}@example.org`;
    const tokens: string[] = [];
    const keep = (res: Response) => {
      const cookie = sessionCookieFrom(res);
      if (cookie) tokens.push(cookie.split('=')[1]!);
      return cookie;
    };

    const signUp = await post('/signup', { email, password: first });
    expect(signUp.status).toBe(200);
    const c1 = keep(await post('/login', { email, password: first }))!;
    expect((await post('/logout', {}, c1)).status).toBe(302);

    const signIn = await post('/login', { email, password: first });
    expect(signIn.status).toBe(302);
    const c2 = keep(signIn)!;

    const failed = await post('/login', { email, password: wrong });
    expect(failed.status).toBe(400);
    // A credential in a query string and an invalid form must not leak either.
    await fetch(`${portal.baseURL}/login?password=${encodeURIComponent(wrong)}&token=${encodeURIComponent(first)}`);
    expect((await post('/signup', { email: 'not-an-email', password: wrong })).status).toBe(400);

    const change = await post('/account', { intent: 'change-password', currentPassword: first, newPassword: second }, c2);
    expect(change.status).toBe(302);
    const c3 = keep(change)!;
    expect((await fetch(`${portal.baseURL}/account`, { headers: { Cookie: c3 } })).status).toBe(200);
    expect((await post('/logout', {}, c3)).status).toBe(302);
    expect((await fetch(`${portal.baseURL}/account`, { headers: { Cookie: c3 }, redirect: 'manual' })).status).toBe(302);
    expect(tokens).toHaveLength(3);

    // Stop the server so every log line is flushed and the embedded database is closed.
    expect(await portal.stop()).toBe(0);

    const needles = [...CANARIES, ...CANARIES.map((c) => new URLSearchParams({ c }).toString().slice(2)), ...tokens];
    const { out } = portal;
    const haystacks: Record<string, string> = {
      stdout: out.stdout,
      stderr: out.stderr,
      ...portal.readDataFiles(),
      ...(await portal.dumpTables()),
    };
    expect(Object.keys(haystacks)).toEqual(expect.arrayContaining(['table users', 'table sessions', 'table audit_events']));
    expect(haystacks['table audit_events']).toContain('auth.sign_in_failed');
    expect(haystacks['table audit_events']).toContain('account.password_changed');

    // The logs are real: the requests above were logged, as JSON lines.
    expect(out.stdout).toContain('"url":"/login?password=[REDACTED]&token=[REDACTED]"');
    expect(out.stdout.split('\n').filter((l) => l.includes('"method":"POST"')).length).toBe(8);

    const found: string[] = [];
    for (const [where, text] of Object.entries(haystacks)) {
      for (const needle of [...needles, id]) if (text.includes(needle)) found.push(`${where} contains ${needle.slice(0, 16)}…`);
    }
    expect(found).toEqual([]);
  });
});
