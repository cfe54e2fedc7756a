/**
 * Service-status email alerts, on the registry's subscription machinery (one subscriber row,
 * two topics: app/models/subprocessors/subscriptions.server.ts): double opt-in, the
 * subscriber's language, all components or chosen ones or one incident, one mail per update
 * staff marked "notify", maintenance reminder/start/end notices, an RFC 8058 one-click
 * unsubscribe header in every message, and one preferences page for both topics.
 */
import { sql } from 'kysely';
import type { DB } from '../../../db/client';
import type { Config } from '~/utils/env.server';
import type { Logger } from '~/utils/logger.server';
import { queueMail } from '~/models/mail.server';
import { organisationFooter } from '~/models/requests/mail.server';
import { LINK_LIFETIME_DAYS } from '~/models/policy';
import {
  dropTopic,
  preferencesUrl,
  requestAlertSubscription,
  subscriptionIdFromLinkToken,
  subscriptionLinkToken,
} from '~/models/subprocessors/subscriptions.server';
import { getIncident, type IncidentRow } from '~/models/status/incidents.server';
import { formatInstant, isLanguage, tFor, type Language } from '~/utils/i18n';
import { renderMail } from '~/utils/mail-template';

export type StatusScope = { all: true } | { componentIds: string[] } | { incidentId: string };

export function statusUnsubscribeUrl(config: Config, subscriptionId: string) {
  return `${config.publicUrl}/service-status/unsubscribe?token=${subscriptionLinkToken(config, 'status-unsubscribe', subscriptionId)}`;
}

export async function requestStatusAlerts(db: DB, input: { email: string; lang: Language; scope: StatusScope }, config: Config): Promise<void> {
  const t = tFor(input.lang);
  let scopeText = t('serviceStatus.mail.scopeAll');
  if ('componentIds' in input.scope) {
    const names = await db.selectFrom('status_components').select('name').where('id', 'in', input.scope.componentIds.length ? input.scope.componentIds : ['0']).orderBy('position').execute();
    scopeText = names.map((n) => n.name).join(', ');
  } else if ('incidentId' in input.scope) {
    const incident = await getIncident(db, input.scope.incidentId);
    scopeText = t('serviceStatus.mail.scopeIncident', { name: incident?.name ?? '' });
  }
  await requestAlertSubscription(
    db,
    {
      email: input.email,
      lang: input.lang,
      change: 'incidentId' in input.scope ? { followIncidents: [input.scope.incidentId] } : { statusScope: input.scope },
      confirmPath: '/service-status/subscribe/confirm',
      mail: (url) => ({
        subject: t('serviceStatus.mail.confirmSubject'),
        ...renderMail({
          lang: input.lang,
          buttonFallback: t('mail.buttonFallback'),
          preheader: t('serviceStatus.mail.confirmPreheader'),
          heading: t('serviceStatus.mail.confirmHeading'),
          paragraphs: [
            t('serviceStatus.mail.confirmWho', { org: config.organisation.name, scope: scopeText }),
            t('serviceStatus.mail.confirmHow', { days: LINK_LIFETIME_DAYS.subscriptionConfirmation }),
          ],
          action: { label: t('serviceStatus.mail.confirmAction'), url },
          footer: organisationFooter(t, config.organisation),
        }),
      }),
    },
    config,
  );
}

/** The RFC 8058 one-click target of every status alert; idempotent. */
export async function unsubscribeFromStatus(db: DB, config: Config, token: string): Promise<'unsubscribed' | 'invalid'> {
  const id = subscriptionIdFromLinkToken(config, 'status-unsubscribe', token);
  if (!id) return 'invalid';
  await dropTopic(db, id, 'status');
  return 'unsubscribed';
}

/** Confirmed, subscribed addresses whose status alerts cover one of `componentIds` or follow `incidentId`. */
export async function statusRecipients(db: DB, incidentId: string, componentIds: string[]) {
  const rows = await db
    .selectFrom('subprocessor_subscriptions as s')
    .select(['s.id', 's.email', 's.lang'])
    .where('s.confirmed_at', 'is not', null)
    .where('s.unsubscribed_at', 'is', null)
    .where('s.status_alerts', '=', true)
    .where((eb) =>
      eb.or([
        eb('s.status_all_components', '=', true),
        eb.exists(
          eb
            .selectFrom('status_subscription_components as c')
            .select('c.component_id')
            .whereRef('c.subscription_id', '=', 's.id')
            .where('c.component_id', 'in', componentIds.length ? componentIds : ['0']),
        ),
        eb.exists(eb.selectFrom('status_subscription_incidents as f').select('f.incident_id').whereRef('f.subscription_id', '=', 's.id').where('f.incident_id', '=', incidentId)),
      ]),
    )
    .orderBy('s.id')
    .execute();
  return rows.map((r) => ({ id: String(r.id), email: r.email, lang: r.lang }));
}

type Notice = { event: 'update'; updateId: string } | { event: 'reminder'; incidentId: string };

function readNotice(payload: Record<string, unknown>): Notice | undefined {
  if (payload.event === 'update' && typeof payload.updateId === 'string') return { event: 'update', updateId: payload.updateId };
  if (payload.event === 'reminder' && typeof payload.incidentId === 'string') return { event: 'reminder', incidentId: payload.incidentId };
  return undefined;
}

function statusMail(config: Config, lang: Language, incident: IncidentRow, notice: Notice, subscriptionId: string) {
  const t = tFor(lang);
  const when = (d: Date) => formatInstant(lang, d.toISOString(), config.timeZone);
  const org = config.organisation.name;
  const url = `${config.publicUrl}/service-status/incidents/${incident.id}?lng=${lang}`;
  const footer = [
    t('serviceStatus.mail.footer', { org, url: statusUnsubscribeUrl(config, subscriptionId) }),
    t('serviceStatus.mail.manage', { url: preferencesUrl(config, subscriptionId) }),
    ...organisationFooter(t, config.organisation),
  ];
  if (notice.event === 'reminder') {
    const heading = t('serviceStatus.mail.reminderHeading');
    return {
      subject: t('serviceStatus.mail.reminderSubject', { org, name: incident.name }),
      ...renderMail({
        lang,
        buttonFallback: t('mail.buttonFallback'),
        preheader: incident.name,
        heading,
        paragraphs: [t('serviceStatus.mail.reminderText', { name: incident.name, from: when(incident.scheduledFor!), until: when(incident.scheduledUntil!) })],
        action: { label: t('serviceStatus.mail.action'), url },
        footer,
      }),
    };
  }
  const update = incident.updates.find((u) => u.id === notice.updateId)!;
  const status = t(`serviceStatus.incidentStatuses.${update.status}`);
  const components = update.affected.map((a) => a.name);
  return {
    subject: t('serviceStatus.mail.updateSubject', { org, name: incident.name, status }),
    ...renderMail({
      lang,
      buttonFallback: t('mail.buttonFallback'),
      preheader: `${incident.name}: ${status}`,
      heading: incident.name,
      paragraphs: [
        t('serviceStatus.mail.statusLine', { status }),
        update.body,
        ...(components.length ? [t('serviceStatus.mail.affects', { components: components.join(', ') })] : []),
        t('serviceStatus.mail.postedAt', { when: when(update.createdAt) }),
      ],
      action: { label: t('serviceStatus.mail.action'), url },
      footer,
    }),
  };
}

/**
 * The `status.notify` job: one message per recipient of one update (or reminder), queued in
 * one transaction with a row per (notice, subscriber), so a retried job mails no one twice.
 */
export function createStatusNotifyHandler(db: DB, config: Config, logger: Logger) {
  return async (payload: Record<string, unknown>) => {
    const notice = readNotice(payload);
    if (!notice) return;
    let incidentId: string;
    if (notice.event === 'update') {
      const row = await db.selectFrom('status_incident_updates').select(['incident_id', 'notify']).where('id', '=', notice.updateId).executeTakeFirst();
      if (!row || !row.notify) return;
      incidentId = String(row.incident_id);
    } else {
      incidentId = notice.incidentId;
    }
    const incident = await getIncident(db, incidentId);
    if (!incident) return;
    const eventKey = notice.event === 'update' ? `update:${notice.updateId}` : `reminder:${incident.id}:${incident.scheduledFor?.toISOString()}`;
    await db.transaction().execute(async (trx) => {
      const recipients = await statusRecipients(trx as unknown as DB, incident.id, incident.componentIds);
      if (recipients.length === 0) return;
      const fresh = await trx
        .insertInto('status_notifications')
        .values(recipients.map((r) => ({ event_key: eventKey, subscription_id: r.id })))
        .onConflict((oc) => oc.doNothing())
        .returning('subscription_id')
        .execute();
      const due = new Set(fresh.map((r) => String(r.subscription_id)));
      for (const r of recipients.filter((x) => due.has(x.id))) {
        const unsubscribe = statusUnsubscribeUrl(config, r.id);
        await queueMail(trx, {
          to: r.email,
          ...statusMail(config, isLanguage(r.lang) ? r.lang : 'en', incident, notice, r.id),
          headers: { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
        });
      }
      logger.info({ incidentId: incident.id, event: notice.event, recipients: due.size }, 'status alerts queued');
    });
  };
}

export type Preferences = {
  id: string;
  email: string;
  lang: Language;
  registry: boolean;
  status: boolean;
  allComponents: boolean;
  componentIds: string[];
  followed: { id: string; name: string }[];
};

export async function loadPreferences(db: DB, config: Config, token: string): Promise<Preferences | undefined> {
  const id = subscriptionIdFromLinkToken(config, 'alert-preferences', token);
  if (!id) return undefined;
  const row = await db
    .selectFrom('subprocessor_subscriptions')
    .select(['id', 'email', 'lang', 'registry_alerts', 'status_alerts', 'status_all_components'])
    .where('id', '=', id)
    .where('confirmed_at', 'is not', null)
    .where('unsubscribed_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  const [components, followed] = await Promise.all([
    db.selectFrom('status_subscription_components').select('component_id').where('subscription_id', '=', id).execute(),
    db
      .selectFrom('status_subscription_incidents as f')
      .innerJoin('status_incidents as i', 'i.id', 'f.incident_id')
      .select(['i.id', 'i.name'])
      .where('f.subscription_id', '=', id)
      .execute(),
  ]);
  return {
    id,
    email: row.email,
    lang: isLanguage(row.lang) ? row.lang : 'en',
    registry: row.registry_alerts,
    status: row.status_alerts,
    allComponents: row.status_all_components,
    componentIds: components.map((c) => String(c.component_id)),
    followed: followed.map((f) => ({ id: String(f.id), name: f.name })),
  };
}

/**
 * Saves the preferences page. The link proves the address (it came in a mail to it), so no new
 * confirmation is asked. Everything off unsubscribes the address.
 */
export async function savePreferences(
  db: DB,
  config: Config,
  token: string,
  input: { registry: boolean; status: boolean; allComponents: boolean; componentIds: string[]; lang: Language },
): Promise<'saved' | 'unsubscribed' | 'invalid'> {
  const id = subscriptionIdFromLinkToken(config, 'alert-preferences', token);
  if (!id) return 'invalid';
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('subprocessor_subscriptions')
      .select('id')
      .where('id', '=', id)
      .where('confirmed_at', 'is not', null)
      .where('unsubscribed_at', 'is', null)
      .forUpdate()
      .executeTakeFirst();
    if (!row) return 'invalid' as const;
    const nothing = !input.registry && !input.status;
    await trx
      .updateTable('subprocessor_subscriptions')
      .set({
        registry_alerts: input.registry,
        status_alerts: input.status,
        status_all_components: input.allComponents,
        lang: input.lang,
        ...(nothing ? { unsubscribed_at: sql<Date>`now()` } : {}),
      })
      .where('id', '=', id)
      .execute();
    await trx.deleteFrom('status_subscription_components').where('subscription_id', '=', id).execute();
    if (!input.allComponents && input.componentIds.length) {
      await sql`insert into status_subscription_components (subscription_id, component_id)
        select ${id}::bigint, id from status_components where id = any(${input.componentIds}::bigint[]) and not is_group on conflict do nothing`.execute(trx);
    }
    if (!input.status) await trx.deleteFrom('status_subscription_incidents').where('subscription_id', '=', id).execute();
    return nothing ? ('unsubscribed' as const) : ('saved' as const);
  });
}
