import type { DB } from '../../../db/client';
import type { Config } from '~/utils/env.server';
import type { Logger } from '~/utils/logger.server';
import { renderMail } from '~/utils/mail-template';
import { queueMail } from '~/models/mail.server';
import { organisationFooter } from '~/models/requests/mail.server';
import { changeDetailsLine, changeUrl } from '~/models/subprocessors/feeds.server';
import { changeSummary, isOpenForObjection, todayIn } from '~/models/subprocessors/rules';
import { formatDay, tFor, type Language } from '~/utils/i18n';
import { loadRegistry, type NamedChange } from '~/models/subprocessors/registry.server';
import { activeSubscriptions, preferencesUrl, unsubscribeHeaders, unsubscribeUrl } from '~/models/subprocessors/subscriptions.server';

type Stage = 'announced' | 'effective';

function alertMail(change: NamedChange, stage: Stage, config: Config, subscriptionId: string, today: string, lang: Language) {
  const t = tFor(lang);
  const day = (d: string) => formatDay(lang, d);
  const d = change.details;
  const paragraphs = [
    stage === 'announced' ? t('subscriptionMail.announced', { date: day(change.effectiveOn) }) : t('subscriptionMail.effective', { date: day(change.effectiveOn) }),
    changeSummary(t, change),
  ];
  if (d) paragraphs.push(changeDetailsLine(lang, d));
  if (stage === 'announced' && isOpenForObjection(change, today)) {
    paragraphs.push(t('subscriptionMail.objectUntil', { date: day(change.effectiveOn) }));
  }
  const title = `${t(`registry.kind.${change.kind}`, { name: change.name })}: ${day(change.effectiveOn)}`;
  return {
    subject: stage === 'announced' ? t('subscriptionMail.subjectAnnounced', { title }) : t('subscriptionMail.subjectEffective', { title }),
    ...renderMail({
      lang,
      buttonFallback: t('mail.buttonFallback'),
      preheader: title,
      heading: stage === 'announced' ? t('subscriptionMail.headingAnnounced') : t('subscriptionMail.headingEffective'),
      paragraphs,
      action: {
        label: stage === 'announced' ? t('subscriptionMail.actionAnnounced') : t('subscriptionMail.actionEffective'),
        url: changeUrl(config, change),
      },
      footer: [
        t('subscriptionMail.footer', {
          org: config.organisation.name,
          email: config.organisation.privacyEmail,
          url: unsubscribeUrl(config, subscriptionId),
        }),
        t('serviceStatus.mail.manage', { url: preferencesUrl(config, subscriptionId) }),
        ...organisationFooter(t, config.organisation),
      ],
    }),
  };
}

/**
 * The `subprocessors.alert` job: one message per confirmed subscriber, queued in one
 * transaction with a row per (change, subscriber, stage), so a retried job mails no one twice.
 */
export function createAlertHandler(db: DB, config: Config, logger: Logger) {
  return async (payload: Record<string, unknown>) => {
    const changeId = String(payload.changeId);
    const stage = payload.stage === 'effective' ? 'effective' : 'announced';
    await db.transaction().execute(async (trx) => {
      const change = (await loadRegistry(trx)).changes.find((c) => c.id === changeId);
      if (!change) {
        logger.warn({ changeId }, 'subprocessor alert for a change that no longer exists');
        return;
      }
      const subscribers = await activeSubscriptions(trx);
      if (subscribers.length === 0) return;
      const fresh = await trx
        .insertInto('subprocessor_alerts')
        .values(subscribers.map((s) => ({ change_id: changeId, subscription_id: s.id, stage })))
        .onConflict((oc) => oc.doNothing())
        .returning('subscription_id')
        .execute();
      const due = new Set(fresh.map((r) => String(r.subscription_id)));
      const today = todayIn(config.timeZone);
      for (const s of subscribers.filter((sub) => due.has(sub.id))) {
        await queueMail(trx, {
          to: s.email,
          ...alertMail(change, stage, config, s.id, today, s.lang),
          headers: unsubscribeHeaders(config, s.id),
        });
      }
      logger.info({ changeId, stage, recipients: due.size }, 'subprocessor alerts queued');
    });
  };
}
