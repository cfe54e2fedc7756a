import type { DB } from '../../../db/client';
import type { Config } from '~/utils/env.server';
import type { Logger } from '~/utils/logger.server';
import { renderMail } from '~/utils/mail-template';
import { queueMail } from '~/models/mail.server';
import { changeUrl } from '~/models/subprocessors/feeds.server';
import { changeTitle, countryName, isOpenForObjection, TRANSFER_MECHANISMS, todayIn, type TransferMechanism } from '~/models/subprocessors/rules';
import { loadRegistry, type NamedChange } from '~/models/subprocessors/registry.server';
import { activeSubscriptions, unsubscribeHeaders, unsubscribeUrl } from '~/models/subprocessors/subscriptions.server';

type Stage = 'announced' | 'effective';

function alertMail(change: NamedChange, stage: Stage, config: Config, subscriptionId: string, today: string) {
  const d = change.details;
  const paragraphs = [
    stage === 'announced'
      ? `We have announced a change to our subprocessors. It takes effect on ${change.effectiveOn}.`
      : `A change to our subprocessors took effect today, ${change.effectiveOn}.`,
    change.summary,
  ];
  if (d) {
    paragraphs.push(
      `${d.name} (${d.legalEntity}) — purpose: ${d.purpose}; data: ${d.dataCategories.join(', ')}; locations: ` +
        `${d.locations.map(countryName).join(', ')}; transfer mechanism: ${TRANSFER_MECHANISMS[d.transferMechanism as TransferMechanism] ?? d.transferMechanism}.`,
    );
  }
  if (stage === 'announced' && isOpenForObjection(change, today)) {
    paragraphs.push(`If you are a customer and object to this change, you can tell us before ${change.effectiveOn}.`);
  }
  return renderMail({
    preheader: changeTitle(change, today),
    heading: stage === 'announced' ? 'Subprocessor change announced' : 'Subprocessor change now in effect',
    paragraphs,
    action: { label: stage === 'announced' ? 'Read the change and object' : 'See the current list', url: changeUrl(config, change) },
    footer: [`You receive this because you subscribed to subprocessor alerts. Unsubscribe: ${unsubscribeUrl(config, subscriptionId)}`],
  });
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
      const title = changeTitle(change, today);
      for (const s of subscribers.filter((sub) => due.has(sub.id))) {
        await queueMail(trx, {
          to: s.email,
          subject: stage === 'announced' ? `Announced: ${title}` : `Now in effect: ${title}`,
          ...alertMail(change, stage, config, s.id, today),
          headers: unsubscribeHeaders(config, s.id),
        });
      }
      logger.info({ changeId, stage, recipients: due.size }, 'subprocessor alerts queued');
    });
  };
}
