import { sql, type Transaction } from 'kysely';
import type { DB } from '../../../db/client';
import type { Database } from '../../../db/schema';
import { randomToken, sha256 } from '~/utils/crypto.server';
import type { Language } from '~/utils/i18n';
import { recordAudit } from '~/models/audit.server';
import { mailEmailConfirmation, type AccountMailSettings } from '~/models/accounts/account-mail.server';
import { LINK_LIFETIME_DAYS, RATE_LIMITS, daysMs } from '~/models/policy';
import { consumeRateLimit } from '~/models/rate-limits.server';

/** How long an account's email confirmation link works. */
const EMAIL_LINK_DAYS = LINK_LIFETIME_DAYS.accountEmailConfirmation;
const RESEND_LIMIT = RATE_LIMITS.accountEmailResend;

/**
 * Sends a single-use link proving the account's email. Until it is opened the portal does not
 * trust the address: anyone can type someone else's email at sign-up.
 */
export async function sendEmailConfirmation(
  db: DB | Transaction<Database>,
  config: AccountMailSettings,
  user: { id: string; email: string },
  lang?: Language,
): Promise<void> {
  const token = randomToken();
  await db
    .insertInto('account_email_tokens')
    .values({
      user_id: user.id,
      token_hash: sha256(token),
      email: user.email,
      expires_at: new Date(Date.now() + daysMs(EMAIL_LINK_DAYS)),
    })
    .execute();
  await mailEmailConfirmation(db, config, { to: user.email, url: `${config.publicUrl}/account/confirm/${token}`, lifetimeDays: EMAIL_LINK_DAYS, lang });
}

export type EmailLink =
  | { state: 'valid'; email: string }
  | { state: 'used' | 'expired' | 'unknown' };

/** What an emailed link is, without using it (the page shows a button; the POST confirms). */
export async function inspectEmailLink(db: DB, token: string, now = new Date()): Promise<EmailLink> {
  const row = await db
    .selectFrom('account_email_tokens')
    .select(['email', 'expires_at', 'used_at'])
    .where('token_hash', '=', sha256(token))
    .executeTakeFirst();
  if (!row) return { state: 'unknown' };
  if (row.used_at) return { state: 'used' };
  if (row.expires_at <= now) return { state: 'expired' };
  return { state: 'valid', email: row.email };
}

/**
 * Uses the link: marks the account's email verified if it still has the address the link was
 * sent to. One UPDATE claims the token, so a double click confirms once.
 */
export async function confirmAccountEmail(
  db: DB,
  token: string,
  ip: string | null,
  now = new Date(),
): Promise<{ ok: true; userId: string } | { ok: false; reason: 'used' | 'expired' | 'unknown' }> {
  return db.transaction().execute(async (trx) => {
    const claimed = await trx
      .updateTable('account_email_tokens')
      .set({ used_at: now })
      .where('token_hash', '=', sha256(token))
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning(['user_id', 'email'])
      .executeTakeFirst();
    if (!claimed) {
      const link = await inspectEmailLink(trx as unknown as DB, token, now);
      return { ok: false, reason: link.state === 'valid' ? 'used' : link.state };
    }
    const updated = await trx
      .updateTable('users')
      .set({ email_verified_at: sql<Date>`coalesce(email_verified_at, ${now})` })
      .where('id', '=', claimed.user_id)
      .where(sql<string>`lower(email)`, '=', claimed.email.toLowerCase())
      .returning('id')
      .executeTakeFirst();
    if (!updated) return { ok: false, reason: 'unknown' };
    await recordAudit(trx, {
      actorId: claimed.user_id,
      action: 'account.email_verified',
      targetType: 'user',
      targetId: claimed.user_id,
      ip,
    });
    return { ok: true, userId: claimed.user_id };
  });
}

/** A new link for a signed-in account whose address is not yet confirmed; limited per account. */
export async function resendEmailConfirmation(
  db: DB,
  config: AccountMailSettings,
  user: { id: string; email: string },
  lang?: Language,
): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }> {
  const hit = await consumeRateLimit(db, { bucket: 'account-email-resend', key: user.id, ...RESEND_LIMIT });
  if (!hit.allowed) return { ok: false, retryAfterSeconds: hit.retryAfterSeconds };
  await db.transaction().execute((trx) => sendEmailConfirmation(trx, config, user, lang));
  return { ok: true };
}
