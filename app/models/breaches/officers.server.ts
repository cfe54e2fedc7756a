import { sql } from 'kysely';
import type { DB } from '../../../db/client';
import { recordAudit, type Actor } from '~/models/audit.server';
import { normalizeEmail } from '~/utils/email';

/**
 * Who keeps the breach register: every administrator, and the staff accounts an administrator
 * designates as data protection officer (`users.dpo`, docs/decisions/162). The designation is
 * read on every request, so it takes effect at once and needs no new sign-in; losing the staff
 * role clears it (a trigger, migration 0160).
 */
export type DpoChange = 'changed' | 'not-found' | 'not-staff' | 'unchanged';

export async function listBreachOfficers(db: DB, actor: Actor) {
  const rows = await db
    .selectFrom('users')
    .select(['id', 'email', 'role', 'dpo'])
    .where('role', 'in', ['staff', 'admin'])
    .orderBy('role')
    .orderBy('email')
    .execute();
  await recordAudit(db, { actorId: actor.id, action: 'breach_officers.viewed', ip: actor.ip ?? null, details: { shown: rows.length } });
  return rows;
}

/** An administrator designates a staff account as DPO, or revokes it. */
export async function setBreachOfficer(db: DB, input: { email: string; dpo: boolean }, actor: Actor): Promise<DpoChange> {
  return db.transaction().execute(async (trx) => {
    const user = await trx
      .selectFrom('users')
      .select(['id', 'role', 'dpo'])
      .where(sql<string>`lower(email)`, '=', normalizeEmail(input.email))
      .forUpdate()
      .executeTakeFirst();
    if (!user) return 'not-found';
    if (user.role !== 'staff') return 'not-staff';
    if (user.dpo === input.dpo) return 'unchanged';
    await trx.updateTable('users').set({ dpo: input.dpo }).where('id', '=', user.id).execute();
    await recordAudit(trx, {
      actorId: actor.id,
      action: input.dpo ? 'role.dpo_designated' : 'role.dpo_revoked',
      targetType: 'user',
      targetId: user.id,
      ip: actor.ip ?? null,
    });
    return 'changed';
  });
}
