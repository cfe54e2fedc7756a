/** Customers' objections to planned changes (Art. 28(2)): filed, acknowledged, answered by staff. */

import { sql } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../../db/client';
import type { Config } from '~/utils/env.server';
import { renderMail } from '~/utils/mail-template';
import { hasControlCharacters, STAFF_CONTROL_ERROR } from '~/utils/text';
import { recordAudit, type Actor } from '~/models/audit.server';
import { queueMail } from '~/models/mail.server';
import { organisationFooter } from '~/models/requests/mail.server';
import { changeTitleIn, changeUrl } from '~/models/subprocessors/feeds.server';
import { isOpenForObjection, todayIn } from '~/models/subprocessors/rules';
import { DEFAULT_LANGUAGE, tFor, type Language } from '~/utils/i18n';
import { getChange, RegistryRuleError } from '~/models/subprocessors/registry.server';

/** The public objection form. Messages are catalog keys (a limit after a colon) shown in the visitor's language. */
export const objectionSchema = z.object({
  organisation: z
    .string({ error: 'change.errors.organisation' })
    .trim()
    .min(1, 'change.errors.organisation')
    .max(200, 'change.errors.organisationLong:200')
    .refine((v) => !hasControlCharacters(v, { oneLine: true }), 'errors.control'),
  email: z.string({ error: 'change.errors.email' }).trim().pipe(z.email({ error: 'change.errors.email' }).max(254, 'change.errors.email')),
  reason: z
    .string({ error: 'change.errors.reasonShort:10' })
    .trim()
    .min(10, 'change.errors.reasonShort:10')
    .max(5000, 'change.errors.reasonLong:5000')
    .refine((v) => !hasControlCharacters(v), 'errors.control'),
});

export const answerSchema = z.object({
  answer: z
    .string()
    .trim()
    .min(10, 'Write an answer of at least 10 characters')
    .max(5000)
    .refine((v) => !hasControlCharacters(v), STAFF_CONTROL_ERROR),
});

/**
 * Records an objection and acknowledges it, in the language it was filed in (kept for the
 * answer too). The refusals' messages are catalog keys for the public page.
 */
export async function fileObjection(
  db: DB,
  input: { changeId: string; lang?: Language } & z.output<typeof objectionSchema>,
  config: Config,
): Promise<string> {
  const change = await getChange(db, input.changeId);
  const today = todayIn(config.timeZone);
  if (!change) throw new RegistryRuleError('form', 'change.errors.missing');
  if (!isOpenForObjection(change, today)) throw new RegistryRuleError('form', 'change.closed');
  const lang = input.lang ?? DEFAULT_LANGUAGE;
  const t = tFor(lang);
  const title = changeTitleIn(lang, change, today);
  return db.transaction().execute(async (trx) => {
    const { id } = await trx
      .insertInto('subprocessor_objections')
      .values({ change_id: change.id, organisation: input.organisation, email: input.email, reason: input.reason, lang })
      .returning('id')
      .executeTakeFirstOrThrow();
    await queueMail(trx, {
      to: input.email,
      subject: t('objectionMail.receivedSubject', { title }),
      ...renderMail({
        lang,
        heading: t('objectionMail.receivedHeading'),
        paragraphs: [
          t('objectionMail.receivedThanks', { organisation: input.organisation, title }),
          t('objectionMail.receivedReason', { reason: input.reason }),
          t('objectionMail.receivedNext'),
        ],
        action: { label: t('objectionMail.seeChange'), url: changeUrl(config, change) },
        footer: [t('objectionMail.footerWhy', { org: config.organisation.name }), ...organisationFooter(t, config.organisation)],
        buttonFallback: t('mail.buttonFallback'),
      }),
    });
    return String(id);
  });
}

export async function listObjections(db: DB) {
  const rows = await db
    .selectFrom('subprocessor_objections')
    .selectAll()
    .orderBy(sql`answered_at is not null`)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => ({ ...r, id: String(r.id), change_id: String(r.change_id) }));
}

export async function countUnansweredObjections(db: DB): Promise<number> {
  const { count } = await db
    .selectFrom('subprocessor_objections')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('answered_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(count);
}

export async function getObjection(db: DB, id: string) {
  if (!/^\d{1,18}$/.test(id)) return undefined;
  const row = await db.selectFrom('subprocessor_objections').selectAll().where('id', '=', id).executeTakeFirst();
  return row && { ...row, id: String(row.id), change_id: String(row.change_id) };
}

/** Records staff's answer and mails it to the objector, in one transaction. */
export async function answerObjection(
  db: DB,
  input: { id: string; answer: string },
  actor: Actor,
  config: Config,
) {
  const objection = await getObjection(db, input.id);
  if (!objection) throw new RegistryRuleError('form', 'No such objection');
  if (objection.answered_at) throw new RegistryRuleError('form', 'This objection has already been answered');
  // Erased at the objector's request (Art. 17): no address is left to answer.
  if (objection.email === '') throw new RegistryRuleError('form', "The objector's data was erased at their request: there is no address to answer");
  const change = await getChange(db, objection.change_id);
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('subprocessor_objections')
      .set({ answer: input.answer, answered_at: sql<Date>`now()`, answered_by: actor.id })
      .where('id', '=', input.id)
      .execute();
    // In the language the objection was filed in.
    const t = tFor(objection.lang);
    await queueMail(trx, {
      to: objection.email,
      subject: change
        ? t('objectionMail.answerSubject', { title: changeTitleIn(objection.lang, change, todayIn(config.timeZone)) })
        : t('objectionMail.answerHeading'),
      ...renderMail({
        lang: objection.lang,
        heading: t('objectionMail.answerHeading'),
        paragraphs: [t('objectionMail.answerLead', { organisation: objection.organisation }), input.answer],
        ...(change ? { action: { label: t('objectionMail.seeChange'), url: changeUrl(config, change) } } : {}),
        footer: [t('objectionMail.footerWhy', { org: config.organisation.name }), ...organisationFooter(t, config.organisation)],
        buttonFallback: t('mail.buttonFallback'),
      }),
    });
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'subprocessor.objection.answer',
      targetType: 'subprocessor_objection',
      targetId: input.id,
      ip: actor.ip,
    });
  });
}

/** Every objection, for staff; the view is audited. */
export async function listObjectionsForStaff(db: DB, actor: Actor) {
  const objections = await listObjections(db);
  await recordAudit(db, { actorId: actor.id, action: 'subprocessor.objections.view', ip: actor.ip });
  return objections;
}

/** One objection, for staff; the view is audited. Undefined when there is none. */
export async function getObjectionForStaff(db: DB, actor: Actor, id: string) {
  const objection = await getObjection(db, id);
  if (!objection) return undefined;
  await recordAudit(db, {
    actorId: actor.id,
    action: 'subprocessor.objection.view',
    targetType: 'subprocessor_objection',
    targetId: objection.id,
    ip: actor.ip,
  });
  return objection;
}
