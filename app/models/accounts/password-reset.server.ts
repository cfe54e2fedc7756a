import { createHash } from 'node:crypto';
import type { DB } from '../../../db/client';
import { randomToken, sha256 } from '~/utils/crypto.server';
import type { Language } from '~/utils/i18n';
import { hashPassword } from '~/utils/password.server';
import { recordAudit } from '~/models/audit.server';
import { PASSWORD_RESET_LINK_MINUTES, RATE_LIMITS } from '~/models/policy';
import { consumeRateLimit } from '~/models/rate-limits.server';
import { mailPasswordChanged, mailPasswordResetLink, type AccountMailSettings } from '~/models/accounts/account-mail.server';
import { findUserByEmail } from '~/models/accounts/users.server';
import { normalizeEmail } from '~/utils/email';

export const RESET_LINK_MINUTES = PASSWORD_RESET_LINK_MINUTES;
const RESET_LIMITS = RATE_LIMITS.passwordReset;

/**
 * "Forgot password": mails a reset link when the address has an account. Known and unknown
 * addresses get the same answer and count against the same limits, so the answer says nothing
 * about who has an account.
 */
export async function requestPasswordReset(
  db: DB,
  config: AccountMailSettings,
  input: { email: string; ip: string | null; lang?: Language },
  now = new Date(),
): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }> {
  for (const [bucket, key, limits] of [
    ['password-reset:email', normalizeEmail(input.email), RESET_LIMITS.perEmail],
    ['password-reset:address', input.ip ?? 'unknown', RESET_LIMITS.perAddress],
  ] as const) {
    const hit = await consumeRateLimit(db, { bucket, key, ...limits, now });
    if (!hit.allowed) return { ok: false, retryAfterSeconds: hit.retryAfterSeconds };
  }
  const user = await findUserByEmail(db, input.email);
  if (!user) {
    const fingerprint = createHash('sha256').update(normalizeEmail(input.email)).digest('hex').slice(0, 16);
    await recordAudit(db, { actorId: null, action: 'account.password_reset_unknown_email', ip: input.ip, details: { email: fingerprint } });
    return { ok: true };
  }
  const token = randomToken();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('password_reset_tokens')
      .values({ user_id: user.id, token_hash: sha256(token), expires_at: new Date(now.getTime() + RESET_LINK_MINUTES * 60_000) })
      .execute();
    await mailPasswordResetLink(trx, config, { to: user.email, token, lifetimeMinutes: RESET_LINK_MINUTES, lang: input.lang });
    await recordAudit(trx, { actorId: null, action: 'account.password_reset_requested', targetType: 'user', targetId: user.id, ip: input.ip });
  });
  return { ok: true };
}

/** What a reset link is, without using it: the account's email (for the password policy) or nothing. */
export async function inspectResetLink(db: DB, token: string, now = new Date()): Promise<{ email: string } | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const row = await db
    .selectFrom('password_reset_tokens')
    .innerJoin('users', 'users.id', 'password_reset_tokens.user_id')
    .select('users.email')
    .where('password_reset_tokens.token_hash', '=', sha256(token))
    .where('password_reset_tokens.used_at', 'is', null)
    .where('password_reset_tokens.expires_at', '>', now)
    .executeTakeFirst();
  return row ?? null;
}

/**
 * Uses a reset link: one UPDATE claims it (a double submit resets once), every other reset link
 * of the account dies, the password changes, every session ends and the owner is told by email.
 */
export async function resetPassword(
  db: DB,
  config: AccountMailSettings,
  input: { token: string; newPassword: string; ip: string | null; lang?: Language },
  now = new Date(),
): Promise<boolean> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(input.token)) return false;
  const passwordHash = await hashPassword(input.newPassword);
  return db.transaction().execute(async (trx) => {
    const claimed = await trx
      .updateTable('password_reset_tokens')
      .set({ used_at: now })
      .where('token_hash', '=', sha256(input.token))
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning('user_id')
      .executeTakeFirst();
    if (!claimed) return false;
    await trx
      .updateTable('password_reset_tokens')
      .set({ used_at: now })
      .where('user_id', '=', claimed.user_id)
      .where('used_at', 'is', null)
      .execute();
    const user = await trx
      .updateTable('users')
      .set({ password_hash: passwordHash, password_changed_at: now })
      .where('id', '=', claimed.user_id)
      .returning(['id', 'email'])
      .executeTakeFirstOrThrow();
    const revoked = await trx.deleteFrom('sessions').where('user_id', '=', user.id).executeTakeFirst();
    await mailPasswordChanged(trx, config, { to: user.email, how: 'reset', lang: input.lang });
    await recordAudit(trx, {
      actorId: user.id,
      action: 'account.password_reset',
      targetType: 'user',
      targetId: user.id,
      ip: input.ip,
      details: { revoked: Number(revoked.numDeletedRows) },
    });
    return true;
  });
}
