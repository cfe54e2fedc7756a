import { sql } from 'kysely';
import type { DB, Tx } from '../../../db/client';
import type { Role } from '../../../db/schema';
import { recordAudit } from '~/models/audit.server';
import { createSession } from '~/models/accounts/sessions.server';
import { hashPassword } from '~/utils/password.server';
import { normalizeEmail } from '~/utils/email';
import type { NewSession } from '~/models/accounts/accounts.server';

/**
 * What the two ways onto the staff side of a running portal share (the first administrator's
 * setup link, an administrator's invitation): whoever holds the link proves the right to the
 * role, and the account for the address is made or taken over in the transaction that spends it.
 */
const RANK: Record<Role, number> = { subject: 0, staff: 1, admin: 2 };

/** The higher of two roles: an invitation never demotes. */
export function higherRole(a: Role, b: Role): Role {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * Gives the address an account with at least `role`, confirmed, with this password. An existing
 * account keeps its id (and requests) but its password is replaced and every session of it ends:
 * the link's holder proved the address (an invitation) or runs the portal (the setup link), and
 * an account nobody confirmed may be a squatter's. Runs inside the caller's transaction.
 */
export async function grantRoleWithPassword(
  trx: Tx,
  input: { email: string; role: Role; passwordHash: string; via: 'setup-link' | 'invitation'; actorId: string | null; ip: string | null },
): Promise<{ id: string; email: string; role: Role; created: boolean }> {
  const existing = await trx
    .selectFrom('users')
    .select(['id', 'email', 'role'])
    .where(sql<string>`lower(email)`, '=', normalizeEmail(input.email))
    .forUpdate()
    .executeTakeFirst();
  const now = new Date();
  if (!existing) {
    const user = await trx
      .insertInto('users')
      .values({ email: input.email.trim(), password_hash: input.passwordHash, role: input.role, email_verified_at: now })
      .returning(['id', 'email', 'role'])
      .executeTakeFirstOrThrow();
    await recordAudit(trx, { actorId: input.actorId, action: 'account.created', targetType: 'user', targetId: user.id, ip: input.ip, details: { via: input.via } });
    await recordAudit(trx, {
      actorId: input.actorId,
      action: `role.${input.role}_granted`,
      targetType: 'user',
      targetId: user.id,
      ip: input.ip,
      details: { from: null, to: input.role, via: input.via },
    });
    return { ...user, created: true };
  }
  const role = higherRole(existing.role, input.role);
  await trx
    .updateTable('users')
    .set({ password_hash: input.passwordHash, password_changed_at: now, role, email_verified_at: sql<Date>`coalesce(email_verified_at, now())` })
    .where('id', '=', existing.id)
    .execute();
  const revoked = await trx.deleteFrom('sessions').where('user_id', '=', existing.id).executeTakeFirst();
  await recordAudit(trx, {
    actorId: input.actorId,
    action: role === existing.role ? 'account.password_replaced' : `role.${role}_granted`,
    targetType: 'user',
    targetId: existing.id,
    ip: input.ip,
    details: { from: existing.role, to: role, via: input.via, passwordReplaced: true, revoked: Number(revoked.numDeletedRows) },
  });
  return { id: existing.id, email: existing.email, role, created: false };
}

/** Signs the new staff member in once their transaction has committed. */
export async function openSession(db: DB, user: { id: string; email: string; role: Role }): Promise<NewSession> {
  const session = await createSession(db, user);
  return { token: session.token, maxAgeSeconds: session.maxAgeSeconds, user };
}

export { hashPassword };
