import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import type { DB } from '../../../db/client';
import { recordAudit } from '~/models/audit.server';
import { ADMIN_SETUP_LINK_HOURS } from '~/models/policy';
import { randomToken, sha256 } from '~/utils/crypto.server';
import { hashPassword } from '~/utils/password.server';
import { grantRoleWithPassword, openSession } from '~/models/accounts/staff-access.server';
import type { NewSession } from '~/models/accounts/accounts.server';

/**
 * The first administrator of a running portal, without a command-line tool (which cannot open
 * the embedded database while the portal holds it): a starting portal with no administrator
 * issues a one-time setup link (decision 091). The token has 256 bits and only its SHA-256 is
 * stored; the link is single use, expires after ADMIN_SETUP_LINK_HOURS, and is void as soon as
 * any administrator exists, however that one was made.
 */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Where a portal with nobody at its terminal leaves the link: DATA_DIR/admin-setup-link.txt, mode 0600 (app/server/setup-link.server.ts). */
export const SETUP_LINK_FILE = 'admin-setup-link.txt';

export async function hasAdministrator(db: DB): Promise<boolean> {
  return (await db.selectFrom('users').select('id').where('role', '=', 'admin').limit(1).executeTakeFirst()) !== undefined;
}

/** A new setup link's token while no administrator exists; null (nothing stored) once one does. */
export async function issueSetupLink(db: DB, now = new Date()): Promise<string | null> {
  if (await hasAdministrator(db)) return null;
  const token = randomToken();
  await db
    .insertInto('admin_setup_links')
    .values({ token_hash: sha256(token), expires_at: new Date(now.getTime() + ADMIN_SETUP_LINK_HOURS * 3_600_000) })
    .execute();
  return token;
}

/** Whether the link would work now (unused, unexpired, no administrator yet), without using it. */
export async function isSetupLinkUsable(db: DB, token: string, now = new Date()): Promise<boolean> {
  if (!TOKEN_SHAPE.test(token)) return false;
  const row = await db
    .selectFrom('admin_setup_links')
    .select('id')
    .where('token_hash', '=', sha256(token))
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row !== undefined && !(await hasAdministrator(db));
}

/**
 * Spends the link: the chosen address becomes the first administrator (an existing account for
 * it is taken over: new password, confirmed, every session ended), every other setup link dies,
 * and the event is audited. One transaction under a lock, so two links used at once make one
 * administrator. Returns the new administrator's session, or null when the link no longer works.
 */
export async function completeFirstAdminSetup(
  db: DB,
  input: { token: string; email: string; password: string; ip: string | null },
  options: { dataDir: string; now?: Date },
): Promise<NewSession | null> {
  const now = options.now ?? new Date();
  if (!TOKEN_SHAPE.test(input.token)) return null;
  const passwordHash = await hashPassword(input.password);
  const admin = await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('privacy-portal.first-admin'))`.execute(trx);
    const link = await trx
      .updateTable('admin_setup_links')
      .set({ used_at: now })
      .where('token_hash', '=', sha256(input.token))
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning('id')
      .executeTakeFirst();
    if (!link) return null;
    const adminExists = await trx.selectFrom('users').select('id').where('role', '=', 'admin').limit(1).executeTakeFirst();
    if (adminExists) return null;
    await trx.updateTable('admin_setup_links').set({ used_at: now }).where('used_at', 'is', null).execute();
    const user = await grantRoleWithPassword(trx, { email: input.email, role: 'admin', passwordHash, via: 'setup-link', actorId: null, ip: input.ip });
    await recordAudit(trx, { actorId: user.id, action: 'admin.setup_link_used', targetType: 'user', targetId: user.id, ip: input.ip, details: { created: user.created } });
    return user;
  });
  if (!admin) return null;
  // The link is spent: the file that carried it goes too.
  fs.rmSync(path.join(options.dataDir, SETUP_LINK_FILE), { force: true });
  return openSession(db, admin);
}
