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

/**
 * A link credential for one subscription and one purpose: the id and an HMAC of both. Nothing
 * per message is stored, and a link for one purpose (unsubscribe from the registry alerts)
 * cannot be used for another (status alerts, the preferences page).
 */
export type LinkPurpose = 'subprocessor-unsubscribe' | 'status-unsubscribe' | 'alert-preferences';

export function subscriptionLinkToken(config: Config, purpose: LinkPurpose, subscriptionId: string): string {
  const mac = createHmac('sha256', config.secrets.sessionSecret).update(`${purpose}:${subscriptionId}`);
  return `${subscriptionId}.${mac.digest('base64url')}`;
}

export function subscriptionIdFromLinkToken(config: Config, purpose: LinkPurpose, token: string): string | undefined {
  const id = /^(\d{1,18})\./.exec(token)?.[1];
  return id && safeEqual(subscriptionLinkToken(config, purpose, id), token) ? id : undefined;
}

export function unsubscribeToken(config: Config, subscriptionId: string): string {
  return subscriptionLinkToken(config, 'subprocessor-unsubscribe', subscriptionId);
}

function subscriptionIdFromToken(config: Config, token: string): string | undefined {
  return subscriptionIdFromLinkToken(config, 'subprocessor-unsubscribe', token);
}

/** The one page where a subscriber chooses both topics (linked from every alert). */
export function preferencesUrl(config: Config, subscriptionId: string) {
  return `${config.publicUrl}/alerts/preferences?token=${subscriptionLinkToken(config, 'alert-preferences', subscriptionId)}`;
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
 * What a confirmation link turns on when it is used (migration 0150): registry alerts, status
 * alerts for all or some components, incidents to follow. Kept on the subscription row until
 * then, merged with any earlier request not yet confirmed.
 */
export type AlertChange = {
  registry?: boolean;
  statusScope?: { all: true } | { componentIds: string[] };
  followIncidents?: string[];
};

function readChange(value: unknown): AlertChange {
  return value && typeof value === 'object' ? (value as AlertChange) : {};
}

export function mergeChanges(a: AlertChange, b: AlertChange): AlertChange {
  const follow = [...new Set([...(a.followIncidents ?? []), ...(b.followIncidents ?? [])])];
  return {
    ...(a.registry || b.registry ? { registry: true } : {}),
    ...(b.statusScope ?? a.statusScope ? { statusScope: b.statusScope ?? a.statusScope } : {}),
    ...(follow.length ? { followIncidents: follow } : {}),
  };
}

/** The confirmation mail for a change, in the subscriber's language, with its link. */
export type ConfirmationMail = (url: string) => { subject: string; text: string; html: string };

/**
 * Starts (or extends) a subscription and mails a confirmation link; nothing changes until the
 * link is used (double opt-in), so nobody can subscribe someone else's address. An address that
 * already receives what it asks for gets nothing new, and the caller shows the same answer
 * either way, so the form does not reveal who is subscribed.
 */
export async function requestAlertSubscription(
  db: DB,
  input: { email: string; lang: Language; change: AlertChange; confirmPath: string; mail: ConfirmationMail },
  config: Config,
): Promise<void> {
  const email = normalizeEmail(input.email);
  const token = randomToken();
  await db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('subprocessor_subscriptions')
      .select(['id', 'confirmed_at', 'registry_alerts', 'pending_change'])
      .where(sql`lower(email)`, '=', email)
      .where('unsubscribed_at', 'is', null)
      .forUpdate()
      .executeTakeFirst();
    const onlyRegistry = input.change.registry && !input.change.statusScope && !input.change.followIncidents;
    if (existing?.confirmed_at && existing.registry_alerts && onlyRegistry) return;
    const expires = sql<Date>`now() + make_interval(days => ${CONFIRM_DAYS})`;
    const pending = existing && !existing.confirmed_at ? mergeChanges(readChange(existing.pending_change), input.change) : input.change;
    if (existing) {
      await trx
        .updateTable('subprocessor_subscriptions')
        .set({ confirm_token_hash: sha256(token), confirm_expires_at: expires, lang: input.lang, pending_change: JSON.stringify(existing.confirmed_at ? mergeChanges(readChange(existing.pending_change), input.change) : pending) })
        .where('id', '=', existing.id)
        .execute();
    } else {
      // Topics stay off until the link is used; the pending change turns them on.
      await trx
        .insertInto('subprocessor_subscriptions')
        .values({ email, confirm_token_hash: sha256(token), confirm_expires_at: expires, lang: input.lang, registry_alerts: false, pending_change: JSON.stringify(pending) })
        .execute();
    }
    await queueMail(trx, { to: email, ...input.mail(`${config.publicUrl}${input.confirmPath}?token=${token}`) });
  });
}

/** Registry alerts (the subprocessor page's form). */
export async function requestSubscription(db: DB, input: { email: string; lang?: Language }, config: Config): Promise<void> {
  const lang = input.lang ?? 'en';
  const t = tFor(lang);
  await requestAlertSubscription(
    db,
    {
      email: input.email,
      lang,
      change: { registry: true },
      confirmPath: '/subprocessors/subscribe/confirm',
      mail: (url) => ({
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
      }),
    },
    config,
  );
}

/** Applies what the link was sent for. Components or incidents deleted since are skipped. */
async function applyChange(trx: Transaction<Database>, id: string, change: AlertChange) {
  if (change.registry) await trx.updateTable('subprocessor_subscriptions').set({ registry_alerts: true }).where('id', '=', id).execute();
  if (change.statusScope) {
    const all = 'all' in change.statusScope;
    await trx.updateTable('subprocessor_subscriptions').set({ status_alerts: true, status_all_components: all }).where('id', '=', id).execute();
    await trx.deleteFrom('status_subscription_components').where('subscription_id', '=', id).execute();
    const ids = 'componentIds' in change.statusScope ? change.statusScope.componentIds : [];
    if (ids.length) {
      await sql`insert into status_subscription_components (subscription_id, component_id)
        select ${id}::bigint, id from status_components where id = any(${ids}::bigint[]) and not is_group on conflict do nothing`.execute(trx);
    }
  }
  if (change.followIncidents?.length) {
    const row = await trx.selectFrom('subprocessor_subscriptions').select('status_alerts').where('id', '=', id).executeTakeFirstOrThrow();
    // Following one incident alone: status alerts on, about no component, only that incident.
    if (!row.status_alerts) await trx.updateTable('subprocessor_subscriptions').set({ status_alerts: true, status_all_components: false }).where('id', '=', id).execute();
    await sql`insert into status_subscription_incidents (subscription_id, incident_id)
      select ${id}::bigint, id from status_incidents where id = any(${change.followIncidents}::bigint[]) on conflict do nothing`.execute(trx);
  }
}

export async function confirmSubscription(db: DB, token: string): Promise<'confirmed' | 'invalid'> {
  if (!/^[\w-]{20,100}$/.test(token)) return 'invalid';
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('subprocessor_subscriptions')
      .select(['id', 'pending_change'])
      .where('confirm_token_hash', '=', sha256(token))
      .where('confirm_expires_at', '>', sql<Date>`now()`)
      .where('unsubscribed_at', 'is', null)
      .forUpdate()
      .executeTakeFirst();
    if (!row) return 'invalid' as const;
    await trx
      .updateTable('subprocessor_subscriptions')
      .set({ confirmed_at: sql<Date>`coalesce(confirmed_at, now())`, confirm_token_hash: null, confirm_expires_at: null, pending_change: null })
      .where('id', '=', row.id)
      .execute();
    await applyChange(trx, String(row.id), readChange(row.pending_change));
    return 'confirmed' as const;
  });
}

/** Turns one topic off; an address left with none is unsubscribed. Idempotent. */
export async function dropTopic(db: DB, id: string, topic: 'registry' | 'status'): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('subprocessor_subscriptions')
      .set(topic === 'registry' ? { registry_alerts: false } : { status_alerts: false })
      .where('id', '=', id)
      .execute();
    if (topic === 'status') await trx.deleteFrom('status_subscription_incidents').where('subscription_id', '=', id).execute();
    await trx
      .updateTable('subprocessor_subscriptions')
      .set({ unsubscribed_at: sql<Date>`coalesce(unsubscribed_at, now())` })
      .where('id', '=', id)
      .where('registry_alerts', '=', false)
      .where('status_alerts', '=', false)
      .execute();
  });
}

/** Idempotent: a second click (or a mail client's retry) is still a success. */
export async function unsubscribe(db: DB, config: Config, token: string): Promise<'unsubscribed' | 'invalid'> {
  const id = subscriptionIdFromToken(config, token);
  if (!id) return 'invalid';
  await dropTopic(db, id, 'registry');
  return 'unsubscribed';
}

/** Confirmed, still-subscribed recipients. */
export async function activeSubscriptions(db: DB | Transaction<Database>) {
  const rows = await db
    .selectFrom('subprocessor_subscriptions')
    .select(['id', 'email', 'lang'])
    .where('confirmed_at', 'is not', null)
    .where('unsubscribed_at', 'is', null)
    .where('registry_alerts', '=', true)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: String(r.id), email: r.email, lang: r.lang }));
}
