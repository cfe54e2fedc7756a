import { sha256 } from '~/utils/crypto.server';
import type { DB } from '../../../db/client';
import type { Role } from '../../../db/schema';
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from '~/utils/password.server';
import type { Language } from '~/utils/i18n';
import { sendEmailConfirmation } from '~/models/accounts/email-confirmation.server';
import { mailPasswordChanged, mailSignUpAttempt, type AccountMailSettings } from '~/models/accounts/account-mail.server';
import { RATE_LIMITS } from '~/models/policy';
import { consumeRateLimit } from '~/models/rate-limits.server';
import { recordAudit } from '~/models/audit.server';
import { isSignInBlocked, recordSignInFailure, recordSignInSuccess, throttleKeys } from '~/models/accounts/login-throttle.server';
import { createSession, revokeAllSessions, revokeSession } from '~/models/accounts/sessions.server';
import {
  EmailTakenError,
  findUserByEmail,
  getUserById,
  insertUser,
  markEmailVerified,
  normalizeEmail,
  setPasswordHash,
  setUserRole,
} from '~/models/accounts/users.server';

/**
 * Account use cases: each one does the work, records the audit event and returns what the
 * route needs (a session token to set, or why it failed). Password policy is checked by the
 * routes' schemas before these are called.
 */
export type NewSession = { token: string; maxAgeSeconds: number; user: { id: string; email: string; role: Role } };

/** A one-way fingerprint of what was typed as an email, so failed sign-ins are traceable without storing it. */
function emailFingerprint(email: string) {
  return sha256(normalizeEmail(email)).slice(0, 16);
}

/**
 * Sign-up answers the same whether or not the address already has an account: a new address
 * gets an account (unconfirmed) and a confirmation link; a registered one gets an email telling
 * its owner, and the same argon2 work is done, so neither the answer nor its timing tells who
 * has an account. The person signs in once they have read their mail.
 */
export async function signUp(
  db: DB,
  input: { email: string; password: string; ip: string | null; lang?: Language },
  config: AccountMailSettings,
): Promise<void> {
  const existing = await findUserByEmail(db, input.email);
  if (!existing) {
    try {
      const user = await insertUser(db, { email: input.email, password: input.password });
      await sendEmailConfirmation(db, config, user, input.lang);
      await recordAudit(db, { actorId: user.id, action: 'account.created', targetType: 'user', targetId: user.id, ip: input.ip });
      return;
    } catch (error) {
      if (!(error instanceof EmailTakenError)) throw error;
    }
  } else {
    await hashPassword(input.password);
  }
  const owner = existing ?? (await findUserByEmail(db, input.email));
  if (!owner) return;
  // One notice an hour at most: sign-up must not become a way to flood someone's inbox.
  const hit = await consumeRateLimit(db, { bucket: 'sign-up-existing', key: owner.id, ...RATE_LIMITS.signUpExistingNotice });
  if (hit.allowed) await mailSignUpAttempt(db, config, owner.email, input.lang);
  await recordAudit(db, { actorId: null, action: 'account.sign_up_existing_email', targetType: 'user', targetId: owner.id, ip: input.ip });
}

/**
 * Every failure (unknown email, wrong password, throttled or locked) returns the same
 * `{ ok: false }` after the same argon2 work, so neither the answer nor its timing tells
 * them apart.
 */
export async function signIn(
  db: DB,
  input: { email: string; password: string; ip: string | null },
): Promise<({ ok: true } & NewSession) | { ok: false }> {
  const keys = throttleKeys(input.email, input.ip);
  const blocked = await isSignInBlocked(db, keys);
  const user = await findUserByEmail(db, input.email);
  let valid = false;
  if (blocked) {
    await verifyAgainstDummy(input.password);
  } else {
    await recordSignInFailure(db, keys);
    valid = user ? await verifyPassword(user.password_hash, input.password) : await verifyAgainstDummy(input.password);
  }
  if (!user || !valid) {
    await recordAudit(db, {
      actorId: user?.id ?? null,
      action: 'auth.sign_in_failed',
      targetType: 'user',
      targetId: user?.id,
      ip: input.ip,
      details: { reason: blocked ? 'throttled' : user ? 'wrong-password' : 'unknown-email', email: emailFingerprint(input.email) },
    });
    return { ok: false };
  }
  await recordSignInSuccess(db, keys);
  if (needsRehash(user.password_hash)) {
    await setPasswordHash(db, user.id, await hashPassword(input.password), false);
    await recordAudit(db, { actorId: user.id, action: 'account.password_rehashed', targetType: 'user', targetId: user.id, ip: input.ip });
  }
  const session = await createSession(db, user);
  await recordAudit(db, { actorId: user.id, action: 'auth.sign_in', targetType: 'user', targetId: user.id, ip: input.ip });
  return { ok: true, token: session.token, maxAgeSeconds: session.maxAgeSeconds, user: { id: user.id, email: user.email, role: user.role } };
}

export async function signOut(db: DB, input: { userId: string; sessionId: string; ip: string | null }) {
  await revokeSession(db, input.sessionId);
  await recordAudit(db, { actorId: input.userId, action: 'auth.sign_out', targetType: 'user', targetId: input.userId, ip: input.ip });
}

export async function signOutEverywhere(db: DB, input: { userId: string; ip: string | null }) {
  const revoked = await revokeAllSessions(db, input.userId);
  await recordAudit(db, {
    actorId: input.userId,
    action: 'auth.sign_out_everywhere',
    targetType: 'user',
    targetId: input.userId,
    ip: input.ip,
    details: { revoked },
  });
}

/**
 * Checks the current password (throttled like a sign-in), stores the new hash, ends every
 * session and opens a new one for the browser that made the change.
 */
export async function changePassword(
  db: DB,
  input: { userId: string; currentPassword: string; newPassword: string; ip: string | null; lang?: Language },
  config: AccountMailSettings,
): Promise<({ ok: true } & NewSession) | { ok: false }> {
  const user = await getUserById(db, input.userId);
  if (!user) return { ok: false };
  const keys = throttleKeys(user.email, input.ip);
  const blocked = await isSignInBlocked(db, keys);
  let valid = false;
  if (blocked) {
    await verifyAgainstDummy(input.currentPassword);
  } else {
    await recordSignInFailure(db, keys);
    valid = await verifyPassword(user.password_hash, input.currentPassword);
  }
  if (!valid) {
    await recordAudit(db, {
      actorId: user.id,
      action: 'account.password_change_failed',
      targetType: 'user',
      targetId: user.id,
      ip: input.ip,
      details: { reason: blocked ? 'throttled' : 'wrong-password' },
    });
    return { ok: false };
  }
  await recordSignInSuccess(db, keys);
  await setPasswordHash(db, user.id, await hashPassword(input.newPassword), true);
  const revoked = await revokeAllSessions(db, user.id);
  await mailPasswordChanged(db, config, { to: user.email, how: 'changed', lang: input.lang });
  await recordAudit(db, { actorId: user.id, action: 'account.password_changed', targetType: 'user', targetId: user.id, ip: input.ip, details: { revoked } });
  const session = await createSession(db, user);
  return { ok: true, token: session.token, maxAgeSeconds: session.maxAgeSeconds, user: { id: user.id, email: user.email, role: user.role } };
}

export type RoleChangeResult = 'changed' | 'unchanged' | 'not-found' | 'is-admin' | 'unconfirmed';

/**
 * Grants or revokes the staff role. Administrators are managed with `create-admin` or an
 * invitation, not here. The staff role goes only to an account whose owner confirmed its
 * address: anyone can sign up with a future colleague's address and never confirm it. The
 * user's sessions end, so a new privilege (or its loss) takes effect at once.
 */
export async function setStaffRole(
  db: DB,
  input: { actorId: string; email: string; staff: boolean; ip: string | null },
): Promise<RoleChangeResult> {
  const user = await findUserByEmail(db, input.email);
  if (!user) return 'not-found';
  if (user.role === 'admin') return 'is-admin';
  const role: Role = input.staff ? 'staff' : 'subject';
  if (user.role === role) return 'unchanged';
  if (input.staff && !user.email_verified_at) return 'unconfirmed';
  await setUserRole(db, user.id, role);
  await revokeAllSessions(db, user.id);
  await recordAudit(db, {
    actorId: input.actorId,
    action: input.staff ? 'role.staff_granted' : 'role.staff_revoked',
    targetType: 'user',
    targetId: user.id,
    ip: input.ip,
    details: { from: user.role, to: role },
  });
  return 'changed';
}

export type AdminResult = 'created' | 'promoted' | 'already-admin' | 'reclaimed';

/** Whether `create-admin` needs a password for this address: a new account, or one never confirmed (its password is replaced). */
export async function adminNeedsPassword(db: DB, email: string): Promise<boolean> {
  const existing = await findUserByEmail(db, email);
  return !existing || !existing.email_verified_at;
}

/**
 * For `npm run create-admin`: makes the account an administrator, creating it with the given
 * password when it does not exist. An account whose address was never confirmed may be a
 * squatter's (anyone can sign up with any address): its password is replaced by the
 * operator's, every session of it ends, and it is confirmed ('reclaimed'). Promotion ends the
 * account's sessions, like any role change. `password` is needed in the first two cases.
 */
export async function createOrPromoteAdmin(db: DB, input: { email: string; password?: string }): Promise<AdminResult> {
  const existing = await findUserByEmail(db, input.email);
  if (existing && !existing.email_verified_at) {
    if (input.password === undefined) throw new Error('a password is needed: the account never confirmed its address');
    const passwordHash = await hashPassword(input.password);
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('users')
        .set({ password_hash: passwordHash, password_changed_at: new Date(), role: 'admin', email_verified_at: new Date() })
        .where('id', '=', existing.id)
        .execute();
      const revoked = await trx.deleteFrom('sessions').where('user_id', '=', existing.id).executeTakeFirst();
      await recordAudit(trx, {
        actorId: null,
        action: 'role.admin_granted',
        targetType: 'user',
        targetId: existing.id,
        details: { from: existing.role, to: 'admin', via: 'create-admin', passwordReplaced: true, revoked: Number(revoked.numDeletedRows) },
      });
    });
    return 'reclaimed';
  }
  if (existing?.role === 'admin') return 'already-admin';
  if (existing) {
    await setUserRole(db, existing.id, 'admin');
    // The operator who runs create-admin vouches for the address.
    await markEmailVerified(db, existing.id);
    await revokeAllSessions(db, existing.id);
    await recordAudit(db, {
      actorId: null,
      action: 'role.admin_granted',
      targetType: 'user',
      targetId: existing.id,
      details: { from: existing.role, to: 'admin', via: 'create-admin' },
    });
    return 'promoted';
  }
  if (input.password === undefined) throw new Error('a password is needed to create the account');
  const user = await insertUser(db, { email: input.email, password: input.password, role: 'admin', emailVerified: true });
  await recordAudit(db, { actorId: null, action: 'account.created', targetType: 'user', targetId: user.id, details: { via: 'create-admin' } });
  await recordAudit(db, {
    actorId: null,
    action: 'role.admin_granted',
    targetType: 'user',
    targetId: user.id,
    details: { from: null, to: 'admin', via: 'create-admin' },
  });
  return 'created';
}
