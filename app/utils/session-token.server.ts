import { randomToken, sha256 } from '~/utils/crypto.server';

/**
 * Session tokens carry a recognisable prefix so that the logger can mask one wherever it
 * appears, even outside a cookie header (see `redactText`). 32 random bytes: 256 bits.
 */
export const SESSION_TOKEN_PREFIX = 'pps_';
const TOKEN_SHAPE = /^pps_[A-Za-z0-9_-]{43}$/;

export function generateSessionToken(): string {
  return `${SESSION_TOKEN_PREFIX}${randomToken()}`;
}

export function isWellFormedToken(token: string) {
  return TOKEN_SHAPE.test(token);
}

export function hashSessionToken(token: string): string {
  return sha256(token);
}

/** `__Host-` makes the browser insist on Secure, Path=/ and no Domain: no subdomain can set it. */
export function sessionCookieName(env: string) {
  return env === 'production' ? '__Host-session' : 'session';
}

export function serializeSessionCookie(env: string, token: string, maxAgeSeconds: number) {
  const parts = [`${sessionCookieName(env)}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${maxAgeSeconds}`];
  if (env === 'production') parts.push('Secure');
  return parts.join('; ');
}

export function clearSessionCookie(env: string) {
  return serializeSessionCookie(env, '', 0);
}

/** The session token from a Cookie header, or null when absent or not shaped like one of ours. */
export function readSessionToken(cookieHeader: string | null, env: string): string | null {
  if (!cookieHeader) return null;
  const name = sessionCookieName(env);
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return isWellFormedToken(value) ? value : null;
  }
  return null;
}
