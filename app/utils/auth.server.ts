import { redirect, type AppLoadContext } from '@remix-run/node';
import type { Role } from '../../db/schema';
import { findActiveSession } from '~/models/accounts/sessions.server';
import { clearSessionCookie, readSessionToken, serializeSessionCookie } from '~/utils/session-token.server';

/** `emailVerified`: the owner opened the confirmation link; until then the address is only claimed. */
export type SessionUser = { id: string; email: string; role: Role; emailVerified: boolean };
export type CurrentSession = { sessionId: string; user: SessionUser };

// Loaders of one request share the lookup (root + route): one query, one idle-expiry update.
// Remix hands each loader its own copy of the Request, so a page is known by its load context
// (one per HTTP request). Only on GET and HEAD: after an action (which may sign in or out) the
// loaders look again.
const lookups = new WeakMap<object, Promise<CurrentSession | null>>();

/** The signed-in session behind the request's cookie, or null. */
export function getCurrentSession(request: Request, context: AppLoadContext): Promise<CurrentSession | null> {
  const key = request.method === 'GET' || request.method === 'HEAD' ? context : request;
  let lookup = lookups.get(key);
  if (!lookup) {
    lookup = (async () => {
      const token = readSessionToken(request.headers.get('Cookie'), context.config.env);
      if (!token) return null;
      const found = await findActiveSession(context.db, token);
      if (!found) return null;
      return {
        sessionId: found.sessionId,
        user: { id: found.userId, email: found.email, role: found.role, emailVerified: found.emailVerified },
      };
    })();
    lookups.set(key, lookup);
  }
  return lookup;
}

export async function getOptionalUser(request: Request, context: AppLoadContext): Promise<SessionUser | null> {
  return (await getCurrentSession(request, context))?.user ?? null;
}

/** The signed-in user; otherwise throws a redirect to the sign-in page that comes back here. */
export async function requireUser(request: Request, context: AppLoadContext): Promise<SessionUser> {
  const user = await getOptionalUser(request, context);
  if (!user) {
    const url = new URL(request.url);
    const params = new URLSearchParams({ redirectTo: `${url.pathname}${url.search}` });
    throw redirect(`/login?${params}`);
  }
  return user;
}

/** Staff or administrators; signed out goes to sign-in, a subject gets 403. */
export async function requireStaff(request: Request, context: AppLoadContext): Promise<SessionUser> {
  const user = await requireUser(request, context);
  if (user.role !== 'staff' && user.role !== 'admin') throw forbidden();
  return user;
}

export async function requireAdmin(request: Request, context: AppLoadContext): Promise<SessionUser> {
  const user = await requireUser(request, context);
  if (user.role !== 'admin') throw forbidden();
  return user;
}

function forbidden() {
  return new Response('Forbidden', { status: 403 });
}

export { safeRedirect } from '~/utils/safe-redirect';

export function sessionCookieHeader(context: AppLoadContext, token: string, maxAgeSeconds: number) {
  return serializeSessionCookie(context.config.env, token, maxAgeSeconds);
}

export function clearSessionCookieHeader(context: AppLoadContext) {
  return clearSessionCookie(context.config.env);
}
