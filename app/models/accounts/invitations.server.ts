import { sql } from 'kysely';
import type { DB } from '../../../db/client';
import type { Role } from '../../../db/schema';
import { recordAudit, type Actor } from '~/models/audit.server';
import { queueMail, renderMail } from '~/models/mail.server';
import { LINK_LIFETIME_DAYS } from '~/models/policy';
import { randomToken, sha256 } from '~/utils/crypto.server';
import { formatStaffTime } from '~/utils/dates';
import { normalizeEmail } from '~/utils/email';
import type { Organisation } from '~/utils/env.server';
import { hashPassword } from '~/utils/password.server';
import { grantRoleWithPassword, higherRole, openSession } from '~/models/accounts/staff-access.server';
import type { NewSession } from '~/models/accounts/accounts.server';

/**
 * An administrator invites an address as staff or admin. The invitee gets an emailed link
 * (through the outbox, sealed like every mail), chooses a password, and the account is made
 * confirmed with that role: opening the mailed link proves the address. Single use, expires
 * after LINK_LIFETIME_DAYS.staffInvitation days, revocable; only the token's SHA-256 is stored.
 * Staff-side mail and pages are in English, like the staff console.
 */
export type InvitedRole = 'staff' | 'admin';
export type InviteSettings = { publicUrl: string; timeZone: string; organisation?: Organisation };
export type InviteResult = { ok: true; id: string } | { ok: false; reason: 'already-has-role' };

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const ROLE_NAMES: Record<InvitedRole, string> = { staff: 'privacy staff', admin: 'an administrator' };

export async function inviteStaff(
  db: DB,
  settings: InviteSettings,
  input: { actor: Actor; email: string; role: InvitedRole },
  now = new Date(),
): Promise<InviteResult> {
  const email = input.email.trim();
  const existing = await db
    .selectFrom('users')
    .select(['role', 'email_verified_at'])
    .where(sql<string>`lower(email)`, '=', normalizeEmail(email))
    .executeTakeFirst();
  // Nothing to invite to: the account already has this role or a higher one, and is its owner's.
  if (existing?.email_verified_at && higherRole(existing.role, input.role) === existing.role) return { ok: false, reason: 'already-has-role' };
  const token = randomToken();
  const expiresAt = new Date(now.getTime() + LINK_LIFETIME_DAYS.staffInvitation * 86_400_000);
  const id = await db.transaction().execute(async (trx) => {
    // A second invitation to the same address replaces the first: one working link per person.
    const replaced = await trx
      .updateTable('staff_invitations')
      .set({ revoked_at: now })
      .where(sql<string>`lower(email)`, '=', normalizeEmail(email))
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    const row = await trx
      .insertInto('staff_invitations')
      .values({ email, role: input.role, token_hash: sha256(token), invited_by: input.actor.id, expires_at: expiresAt })
      .returning('id')
      .executeTakeFirstOrThrow();
    const org = settings.organisation?.name ?? 'the Privacy Portal';
    const url = `${settings.publicUrl}/invitation/${token}`;
    await queueMail(trx, {
      to: email,
      subject: `You are invited to the privacy team of ${org}`,
      ...renderMail({
        preheader: `Choose a password to join as ${ROLE_NAMES[input.role]}.`,
        heading: 'Join the privacy team',
        paragraphs: [
          `You have been invited to work in the Privacy Portal of ${org} as ${ROLE_NAMES[input.role]}, with this address (${email}).`,
          `Open the link and choose a password to accept. It works once, until ${formatStaffTime(expiresAt, settings.timeZone)}.`,
          'If you did not expect this, ignore this email: nothing happens unless the link is opened and a password chosen.',
        ],
        action: { label: 'Accept the invitation', url },
      }),
    });
    await recordAudit(trx, {
      actorId: input.actor.id,
      action: 'invitation.created',
      targetType: 'invitation',
      targetId: row.id,
      ip: input.actor.ip ?? null,
      details: { role: input.role, replaced: Number(replaced.numUpdatedRows) },
    });
    return row.id;
  });
  return { ok: true, id };
}

/** Invitations still open (not accepted, revoked or expired), newest first, for the administrators' page. */
export async function listOpenInvitations(db: DB, now = new Date()) {
  return db
    .selectFrom('staff_invitations')
    .select(['id', 'email', 'role', 'created_at', 'expires_at'])
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .execute();
}

/** Revokes an open invitation: its link stops working at once. */
export async function revokeInvitation(db: DB, input: { actor: Actor; id: string }, now = new Date()): Promise<boolean> {
  if (!/^\d{1,18}$/.test(input.id)) return false;
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('staff_invitations')
      .set({ revoked_at: now })
      .where('id', '=', input.id)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .returning(['id', 'role'])
      .executeTakeFirst();
    if (!row) return false;
    await recordAudit(trx, { actorId: input.actor.id, action: 'invitation.revoked', targetType: 'invitation', targetId: row.id, ip: input.actor.ip ?? null, details: { role: row.role } });
    return true;
  });
}

/** What an invitation link offers, without using it: the address and role, or null when it no longer works. */
export async function inspectInvitation(db: DB, token: string, now = new Date()): Promise<{ email: string; role: InvitedRole } | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const row = await db
    .selectFrom('staff_invitations')
    .select(['email', 'role'])
    .where('token_hash', '=', sha256(token))
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row ?? null;
}

/**
 * Accepts an invitation: one UPDATE claims the link (a double submit accepts once), the address
 * gets a confirmed account with the role (an existing account for it is taken over: new
 * password, every session ended; a higher role is kept), and the invitee is signed in.
 */
export async function acceptInvitation(
  db: DB,
  input: { token: string; password: string; ip: string | null },
  now = new Date(),
): Promise<NewSession | null> {
  if (!TOKEN_SHAPE.test(input.token)) return null;
  const passwordHash = await hashPassword(input.password);
  const user = await db.transaction().execute(async (trx) => {
    const invitation = await trx
      .updateTable('staff_invitations')
      .set({ accepted_at: now })
      .where('token_hash', '=', sha256(input.token))
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .returning(['id', 'email', 'role', 'invited_by'])
      .executeTakeFirst();
    if (!invitation) return null;
    const granted = await grantRoleWithPassword(trx, {
      email: invitation.email,
      role: invitation.role as Role,
      passwordHash,
      via: 'invitation',
      actorId: invitation.invited_by,
      ip: input.ip,
    });
    await recordAudit(trx, {
      actorId: granted.id,
      action: 'invitation.accepted',
      targetType: 'invitation',
      targetId: invitation.id,
      ip: input.ip,
      details: { role: granted.role, created: granted.created },
    });
    return granted;
  });
  return user ? openSession(db, user) : null;
}
