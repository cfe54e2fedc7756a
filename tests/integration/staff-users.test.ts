import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client';
import { verifyPassword } from '../../app/utils/password.server';
import { createTestDatabaseUrl } from '../support/db';
import { startTestPortal, type TestPortal } from '../support/portal';
import { createSessionCookie, createUser, signInOverHttp, uniqueEmail, uniquePassword } from '../support/users';

let portal: TestPortal;
beforeAll(async () => {
  portal = await startTestPortal();
});
afterAll(async () => {
  await portal?.stop();
});

const form = (fields: Record<string, string>, cookie: string) =>
  fetch(`${portal.url}/staff/users`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookie },
    body: new URLSearchParams(fields),
  });

describe('the staff accounts console', () => {
  it('is for administrators only: signed out goes to sign-in, subject and staff get 403', async () => {
    const anon = await fetch(`${portal.url}/staff/users`, { redirect: 'manual' });
    expect(anon.status).toBe(302);
    expect(anon.headers.get('location')).toBe('/login?redirectTo=%2Fstaff%2Fusers');
    for (const role of ['subject', 'staff'] as const) {
      const user = await createUser(portal.db, { role });
      const cookie = await createSessionCookie(portal.db, user);
      expect((await fetch(`${portal.url}/staff/users`, { headers: { Cookie: cookie } })).status).toBe(403);
      expect((await form({ intent: 'grant', email: user.email }, cookie)).status).toBe(403);
    }
  });

  it('grants and revokes the staff role, audited, and the new role applies at the next sign-in', async () => {
    const admin = await createUser(portal.db, { role: 'admin' });
    const adminCookie = await createSessionCookie(portal.db, admin);
    const person = await createUser(portal.db);
    const personCookie = await signInOverHttp(portal.url, person);

    const granted = await form({ intent: 'grant', email: person.email }, adminCookie);
    expect(granted.status).toBe(302);
    expect(granted.headers.get('location')).toContain('/staff/users?granted=');
    const page = await (await fetch(`${portal.url}/staff/users`, { headers: { Cookie: adminCookie } })).text();
    expect(page).toContain(person.email);
    expect(page).toContain(`Revoke staff role of ${person.email}`);
    // The person's old session ended with the role change.
    expect((await fetch(`${portal.url}/account`, { headers: { Cookie: personCookie }, redirect: 'manual' })).status).toBe(302);
    const staffCookie = await signInOverHttp(portal.url, person);
    expect(await (await fetch(`${portal.url}/account`, { headers: { Cookie: staffCookie } })).text()).toContain('Privacy staff');

    const revoked = await form({ intent: 'revoke', email: person.email }, adminCookie);
    expect(revoked.status).toBe(302);
    const events = await portal.db
      .selectFrom('audit_events')
      .select(['action', 'actor_id', 'target_id'])
      .where('target_id', '=', person.id)
      .where('action', 'like', 'role.%')
      .orderBy('id')
      .execute();
    expect(events).toEqual([
      { action: 'role.staff_granted', actor_id: admin.id, target_id: person.id },
      { action: 'role.staff_revoked', actor_id: admin.id, target_id: person.id },
    ]);
  });

  it('answers unknown accounts, administrators and bad input with 400 and a field error', async () => {
    const admin = await createUser(portal.db, { role: 'admin' });
    const cookie = await createSessionCookie(portal.db, admin);
    const unknown = await form({ intent: 'grant', email: uniqueEmail('nobody') }, cookie);
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('No account uses this email address');
    const self = await form({ intent: 'revoke', email: admin.email }, cookie);
    expect(self.status).toBe(400);
    expect(await self.text()).toContain('administrators are managed with');
    const bad = await form({ intent: 'promote-to-god', email: 'x' }, cookie);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('Enter an email address like name@example.org.');
  });
});

describe('npm run create-admin', () => {
  const root = path.resolve(__dirname, '../..');

  function runCreateAdmin(args: string[], env: Record<string, string>, stdin: string) {
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/create-admin.ts', ...args], {
        cwd: root,
        env: { ...process.env, ...env, LOG_LEVEL: 'silent' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(stdin);
    });
  }

  it('creates an administrator reading the password from stdin, then promotes an existing account', { timeout: 180_000 }, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-admin-'));
    const pgDatabase = await createTestDatabaseUrl();
    const env: Record<string, string> = { DATA_DIR: dataDir, ...(pgDatabase ? { DATABASE_URL: pgDatabase.url } : {}) };
    const email = uniqueEmail('Admin');
    const password = uniquePassword();
    try {
      const weak = await runCreateAdmin(['--email', email], env, 'password1234\n');
      expect(weak.code).toBe(1);
      expect(weak.stderr).toContain('This password is too common');
      const created = await runCreateAdmin(['--email', email], env, `${password}\n`);
      expect(created.stderr).toBe('');
      expect(created.stdout).toContain(`Created administrator ${email}`);
      expect(created.code).toBe(0);
      const again = await runCreateAdmin([`--email=${email.toLowerCase()}`], env, '');
      expect(again.stdout).toContain('already an administrator');
      const missing = await runCreateAdmin([], env, '');
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('Usage: npm run create-admin -- --email');

      const { db } = createDb(pgDatabase ? { databaseUrl: pgDatabase.url } : { dataDir: path.join(dataDir, 'pglite') });
      try {
        const row = await db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
        expect(row.role).toBe('admin');
        expect(await verifyPassword(row.password_hash, password)).toBe(true);
        await db.insertInto('users').values({ email: 'promote.me@example.org', password_hash: row.password_hash, email_verified_at: new Date() }).execute();
        await db.insertInto('users').values({ email: 'never.confirmed@example.org', password_hash: row.password_hash }).execute();
      } finally {
        await db.destroy();
      }
      const promoted = await runCreateAdmin(['--email', 'Promote.Me@example.org'], env, '');
      expect(promoted.stdout).toContain('is now an administrator');
      // An account that never confirmed its address may be a squatter's: the operator's password replaces its own.
      const operatorPassword = uniquePassword();
      const reclaimed = await runCreateAdmin(['--email', 'never.confirmed@example.org'], env, `${operatorPassword}\n`);
      expect(reclaimed.stdout).toContain('had an account whose address was never confirmed: its password is now yours, its sessions were ended');
      const check = createDb(pgDatabase ? { databaseUrl: pgDatabase.url } : { dataDir: path.join(dataDir, 'pglite') }).db;
      try {
        const squatted = await check.selectFrom('users').selectAll().where('email', '=', 'never.confirmed@example.org').executeTakeFirstOrThrow();
        expect(squatted.role).toBe('admin');
        expect(await verifyPassword(squatted.password_hash, operatorPassword)).toBe(true);
      } finally {
        await check.destroy();
      }
    } finally {
      await pgDatabase?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('asks on a terminal without echoing the password', { timeout: 120_000 }, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-admin-tty-'));
    const pgDatabase = await createTestDatabaseUrl();
    const password = uniquePassword();
    try {
      // `script` gives the command a real pseudo-terminal; what the terminal shows is captured.
      const command = `${process.execPath} --import tsx scripts/create-admin.ts --email tty.admin@example.org`;
      const result = await new Promise<{ code: number | null; screen: string }>((resolve) => {
        const child = spawn('script', ['-qfec', command, '/dev/null'], {
          cwd: root,
          env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...(pgDatabase ? { DATABASE_URL: pgDatabase.url } : {}) },
        });
        let screen = '';
        let sent = 0;
        child.stdout.on('data', (d) => {
          screen += d;
          // Type each answer only once its prompt is on the screen, as a person would.
          const prompts = (screen.match(/Password for the new administrator|Repeat the password/g) ?? []).length;
          if (prompts > sent) {
            sent = prompts;
            child.stdin.write(`${password}\r`);
          }
        });
        child.on('close', (code) => resolve({ code, screen }));
        if (process.env.DEBUG_TTY) child.on('close', () => process.stderr.write(JSON.stringify(screen)));
      });
      expect(result.screen).toContain('Password for the new administrator (not shown)');
      expect(result.screen).toContain('Created administrator tty.admin@example.org');
      expect(result.screen).not.toContain(password);
      expect(result.code).toBe(0);
    } finally {
      await pgDatabase?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
