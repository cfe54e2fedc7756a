import { sql } from 'kysely';
import type { DB } from '../../../db/client';
import type { Role } from '../../../db/schema';
import { SESSION_LIFETIMES } from '~/models/policy';
import { generateSessionToken, hashSessionToken } from '~/utils/session-token.server';

/** Idle and absolute lifetimes per role (ASVS V7.3); the numbers are in ~/models/policy. */
export const SESSION_POLICY: Record<Role, { idleSeconds: number; absoluteSeconds: number }> = SESSION_LIFETIMES;

/** Writing last_seen on every request would turn each page view into a write; once a minute is enough. */
const TOUCH_INTERVAL_SECONDS = 60;

export type SessionWithUser = {
  sessionId: string;
  userId: string;
  email: string;
  role: Role;
  emailVerified: boolean;
};

/** Starts a session with a fresh token; returns the token for the cookie (it is not stored). */
export async function createSession(db: DB, user: { id: string; role: Role }, now = new Date()) {
  const token = generateSessionToken();
  const policy = SESSION_POLICY[user.role];
  const expiresAt = new Date(now.getTime() + policy.absoluteSeconds * 1000);
  const row = await db
    .insertInto('sessions')
    .values({
      user_id: user.id,
      token_hash: hashSessionToken(token),
      created_at: now,
      last_seen_at: now,
      idle_expires_at: new Date(now.getTime() + policy.idleSeconds * 1000),
      expires_at: expiresAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { token, sessionId: row.id, maxAgeSeconds: policy.absoluteSeconds };
}

/** The live session for a token, sliding its idle expiry; null when unknown, revoked or expired. */
export async function findActiveSession(db: DB, token: string, now = new Date()): Promise<SessionWithUser | null> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id as sessionId',
      'sessions.last_seen_at',
      'sessions.idle_expires_at',
      'sessions.expires_at',
      'users.id as userId',
      'users.email',
      'users.role',
      'users.email_verified_at',
    ])
    .where('sessions.token_hash', '=', hashSessionToken(token))
    .executeTakeFirst();
  if (!row) return null;
  if (row.expires_at <= now || row.idle_expires_at <= now) {
    await db.deleteFrom('sessions').where('id', '=', row.sessionId).execute();
    return null;
  }
  if (now.getTime() - row.last_seen_at.getTime() >= TOUCH_INTERVAL_SECONDS * 1000) {
    const idle = SESSION_POLICY[row.role].idleSeconds;
    await db
      .updateTable('sessions')
      .set({ last_seen_at: now, idle_expires_at: new Date(now.getTime() + idle * 1000) })
      .where('id', '=', row.sessionId)
      .execute();
  }
  return {
    sessionId: row.sessionId,
    userId: row.userId,
    email: row.email,
    role: row.role,
    emailVerified: row.email_verified_at !== null,
  };
}

export async function revokeSession(db: DB, sessionId: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
}

/** Ends every session of a user (sign out everywhere, password change, role change). */
export async function revokeAllSessions(db: DB, userId: string): Promise<number> {
  const result = await db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function countActiveSessions(db: DB, userId: string): Promise<number> {
  const row = await db
    .selectFrom('sessions')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('user_id', '=', userId)
    .where('expires_at', '>', sql<Date>`now()`)
    .where('idle_expires_at', '>', sql<Date>`now()`)
    .executeTakeFirstOrThrow();
  return row.n;
}

/** Housekeeping: expired rows are useless and would only grow the table. */
export async function deleteExpiredSessions(db: DB, now = new Date()): Promise<number> {
  const result = await db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('idle_expires_at', '<=', now)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
