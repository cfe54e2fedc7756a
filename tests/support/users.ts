import { randomBytes } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import type { DB } from '../../db/client';
import type { Role } from '../../db/schema';
import { createSession } from '../../app/models/accounts/sessions.server';
import { insertUser } from '../../app/models/accounts/users.server';
import { sessionCookieName } from '../../app/utils/session-token.server';

/** Test data factories for accounts. Passwords are unique per call, so no test depends on another's. */
export function uniqueEmail(prefix = 'user') {
  return `${prefix}-${randomBytes(5).toString('hex')}@example.org`;
}

export function uniquePassword() {
  return `test passphrase ${randomBytes(8).toString('hex')}`;
}

export type TestUser = { id: string; email: string; role: Role; password: string };

/** Inserts an account straight into the database (argon2id hash and all). */
export async function createUser(
  db: DB,
  options: { email?: string; password?: string; role?: Role; emailVerified?: boolean } = {},
): Promise<TestUser> {
  const password = options.password ?? uniquePassword();
  const user = await insertUser(db, {
    email: options.email ?? uniqueEmail(options.role ?? 'user'),
    password,
    role: options.role,
    // Most tests want a proven address; pass false to test the unconfirmed path.
    emailVerified: options.emailVerified ?? true,
  });
  return { ...user, password };
}

/**
 * A signed-in `Cookie` header value for fetch-based tests against a server sharing `db`
 * (startTestPortal runs with NODE_ENV=test, hence the plain `session` name by default).
 */
export async function createSessionCookie(db: DB, user: { id: string; role: Role }, env = 'test'): Promise<string> {
  const { token } = await createSession(db, user);
  return `${sessionCookieName(env)}=${token}`;
}

/** The `name=value` part of the session cookie a response set, or undefined. */
export function sessionCookieFrom(res: Response): string | undefined {
  for (const header of res.headers.getSetCookie()) {
    const pair = header.split(';')[0]!;
    if (/^(__Host-)?session=pps_/.test(pair)) return pair;
  }
  return undefined;
}

/** Signs in through the real form over HTTP; returns the session cookie or throws. */
export async function signInOverHttp(baseURL: string, credentials: { email: string; password: string }): Promise<string> {
  const res = await fetch(`${baseURL}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(credentials),
  });
  const cookie = sessionCookieFrom(res);
  if (res.status !== 302 || !cookie) throw new Error(`sign-in failed with status ${res.status}`);
  return cookie;
}

/**
 * Creates an account through the real sign-up form over HTTP, then signs in (sign-up itself
 * signs nobody in: its answer must not say whether the address was new); returns the cookie.
 */
export async function signUpOverHttp(baseURL: string, credentials: { email: string; password: string }): Promise<string> {
  const res = await fetch(`${baseURL}/signup`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(credentials),
  });
  if (res.status !== 200 || sessionCookieFrom(res)) throw new Error(`sign-up failed with status ${res.status}`);
  return signInOverHttp(baseURL, credentials);
}

/** Puts a session cookie (from signInOverHttp / signUpOverHttp) into a Playwright context. */
export async function addSessionCookie(context: BrowserContext, baseURL: string, cookie: string) {
  const [name, value] = cookie.split('=') as [string, string];
  // Chromium refuses a `url` for __Host- cookies; a host-only domain with Path=/ is what the prefix demands.
  const { hostname } = new URL(baseURL);
  await context.addCookies([{ name, value, domain: hostname, path: '/', httpOnly: true, sameSite: 'Lax', secure: name.startsWith('__Host-') }]);
}

/** Signs a Playwright page in through the sign-in form, as a person would. */
export async function signInPage(page: Page, credentials: { email: string; password: string }) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(credentials.email);
  await page.getByLabel('Password').fill(credentials.password);
  await Promise.all([page.waitForURL((url) => url.pathname !== '/login'), page.getByRole('button', { name: 'Sign in' }).click()]);
}
