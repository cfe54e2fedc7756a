import { sql } from 'kysely';
import type { DB } from '../../../db/client';
import type { Role } from '../../../db/schema';
import { normalizeEmail } from '~/utils/email';
import { hashPassword } from '~/utils/password.server';
import { recordAudit, type Actor } from '~/models/audit.server';

export { normalizeEmail };

export class EmailTakenError extends Error {
  override name = 'EmailTakenError';
}

export async function findUserByEmail(db: DB, email: string) {
  return db
    .selectFrom('users')
    .selectAll()
    .where(sql<string>`lower(email)`, '=', normalizeEmail(email))
    .executeTakeFirst();
}

export async function getUserById(db: DB, id: string) {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Creates an account; throws EmailTakenError when the address is already used (in any case). */
export async function insertUser(
  db: DB,
  input: { email: string; password: string; role?: Role; emailVerified?: boolean },
) {
  const passwordHash = await hashPassword(input.password);
  try {
    return await db
      .insertInto('users')
      .values({
        email: input.email.trim(),
        password_hash: passwordHash,
        role: input.role ?? 'subject',
        email_verified_at: input.emailVerified ? new Date() : null,
      })
      .returning(['id', 'email', 'role'])
      .executeTakeFirstOrThrow();
  } catch (error) {
    if (isUniqueViolation(error)) throw new EmailTakenError('email already registered');
    throw error;
  }
}

export async function setPasswordHash(db: DB, userId: string, passwordHash: string, changed: boolean) {
  await db
    .updateTable('users')
    .set(changed ? { password_hash: passwordHash, password_changed_at: new Date() } : { password_hash: passwordHash })
    .where('id', '=', userId)
    .execute();
}

export async function setUserRole(db: DB, userId: string, role: Role) {
  await db.updateTable('users').set({ role }).where('id', '=', userId).execute();
}

export async function markEmailVerified(db: DB, userId: string) {
  await db
    .updateTable('users')
    .set({ email_verified_at: sql<Date>`coalesce(email_verified_at, now())` })
    .where('id', '=', userId)
    .execute();
}

/** Staff and administrators, for an administrator's console page; the viewing is audited. */
export async function listPrivilegedUsersForAdmin(db: DB, actor: Actor) {
  const users = await listPrivilegedUsers(db);
  await recordAudit(db, { actorId: actor.id, action: 'staff_accounts.view', ip: actor.ip ?? null, details: { shown: users.length } });
  return users;
}

/** Staff and administrators, for the console. */
export async function listPrivilegedUsers(db: DB) {
  return db
    .selectFrom('users')
    .select(['id', 'email', 'role', 'created_at', 'email_verified_at'])
    .where('role', 'in', ['staff', 'admin'])
    .orderBy('role')
    .orderBy('email')
    .execute();
}

function isUniqueViolation(error: unknown) {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}
