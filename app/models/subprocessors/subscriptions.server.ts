/**
 * Email alerts about subprocessor changes: double opt-in (a random confirmation token, only
 * its SHA-256 stored, valid 7 days) and a one-click unsubscribe link in every message (an HMAC
 * of the subscription id, so no per-message secret needs storing; see docs/decisions/004).
 */

import { createHmac } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { DB } from '../../../db/client';
import type { Database } from '../../../db/schema';
import { randomToken, safeEqual, sha256 } from '~/utils/crypto.server';
import type { Config } from '~/utils/env.server';
import { normalizeEmail } from '~/utils/email';
import { renderMail } from '~/utils/mail-template';
import { queueMail } from '~/models/mail.server';
import { organisationFooter } from '~/models/requests/mail.server';
import { LINK_LIFETIME_DAYS } from '~/models/policy';
import { z } from 'zod';
import { tFor, type Language } from '~/utils/i18n';

const CONFIRM_DAYS = LINK_LIFETIME_DAYS.subscriptionConfirmation;


const EMAIL_ERROR = 'subscribe.emailError';
/** The alerts form (server-only, so zod stays out of the page's bundle); the message is a catalog key. */
export const subscribeSchema = z.object({ email: z.string({ error: EMAIL_ERROR }).trim().pipe(z.email({ error: EMAIL_ERROR }).max(254)) });

export function unsubscribeToken(config: Config, subscriptionId: string): string {
  const mac = createHmac('sha256', config.secrets.sessionSecret).update(`subprocessor-unsubscribe:${subscriptionId}`);
  return `${subscriptionId}.${mac.digest('base64url')}`;
}

function subscriptionIdFromToken(config: Config, token: string): string | undefined {
  const id = /^(\d{1,18})\./.exec(token)?.[1];
  return id && safeEqual(unsubscribeToken(config, id), token) ? id : undefined;
}

export function unsubscribeUrl(config: Config, subscriptionId: string) {
  return `${config.publicUrl}/subprocessors/unsubscribe?token=${unsubscribeToken(config, subscriptionId)}`;
}

/** RFC 8058: a mail client may POST `List-Unsubscribe=One-Click` to this URL without a visit. */
export function unsubscribeHeaders(config: Config, subscriptionId: string): Record<string, string> {
  return {
    'List-Unsubscribe': `<${unsubscribeUrl(config, subscriptionId)}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}

/**
 * Starts (or restarts) a subscription and mails the confirmation link. An address already
 * subscribed gets nothing new and the caller shows the same answer, so the form does not
 * reveal who is subscribed.
 */
export async function requestSubscription(db: DB, input: { email: string; lang?: Language }, config: Config): Promise<void> {
  const email = normalizeEmail(input.email);
  const lang = input.lang ?? 'en';
  const t = tFor(lang);
  const token = randomToken();
  await db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('subprocessor_subscriptions')
      .select(['id', 'confirmed_at'])
      .where(sql`lower(email)`, '=', email)
      .where('unsubscribed_at', 'is', null)
      .forUpdate()
      .executeTakeFirst();
    if (existing?.confirmed_at) return;
    const expires = sql<Date>`now() + make_interval(days => ${CONFIRM_DAYS})`;
    if (existing) {
      await trx
        .updateTable('subprocessor_subscriptions')
        .set({ confirm_token_hash: sha256(token), confirm_expires_at: expires, lang })
        .where('id', '=', existing.id)
        .execute();
    } else {
      await trx
        .insertInto('subprocessor_subscriptions')
        .values({ email, confirm_token_hash: sha256(token), confirm_expires_at: expires, lang })
        .execute();
    }
    const url = `${config.publicUrl}/subprocessors/subscribe/confirm?token=${token}`;
    await queueMail(trx, {
      to: email,
      subject: t('subscriptionMail.confirmSubject'),
      ...renderMail({
        lang,
        buttonFallback: t('mail.buttonFallback'),
        preheader: t('subscriptionMail.confirmPreheader'),
        heading: t('subscriptionMail.confirmHeading'),
        paragraphs: [t('subscriptionMail.confirmWho', { org: config.organisation.name }), t('subscriptionMail.confirmHow', { days: CONFIRM_DAYS })],
        action: { label: t('subscriptionMail.confirmAction'), url },
        footer: organisationFooter(t, config.organisation),
      }),
    });
  });
}

export async function confirmSubscription(db: DB, token: string): Promise<'confirmed' | 'invalid'> {
  if (!/^[\w-]{20,100}$/.test(token)) return 'invalid';
  const row = await db
    .updateTable('subprocessor_subscriptions')
    .set({ confirmed_at: sql<Date>`now()`, confirm_token_hash: null, confirm_expires_at: null })
    .where('confirm_token_hash', '=', sha256(token))
    .where('confirm_expires_at', '>', sql<Date>`now()`)
    .where('unsubscribed_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return row ? 'confirmed' : 'invalid';
}

/** Idempotent: a second click (or a mail client's retry) is still a success. */
export async function unsubscribe(db: DB, config: Config, token: string): Promise<'unsubscribed' | 'invalid'> {
  const id = subscriptionIdFromToken(config, token);
  if (!id) return 'invalid';
  await db
    .updateTable('subprocessor_subscriptions')
    .set({ unsubscribed_at: sql<Date>`coalesce(unsubscribed_at, now())` })
    .where('id', '=', id)
    .execute();
  return 'unsubscribed';
}

/** Confirmed, still-subscribed recipients. */
export async function activeSubscriptions(db: DB | Transaction<Database>) {
  const rows = await db
    .selectFrom('subprocessor_subscriptions')
    .select(['id', 'email', 'lang'])
    .where('confirmed_at', 'is not', null)
    .where('unsubscribed_at', 'is', null)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: String(r.id), email: r.email, lang: r.lang }));
}
