/** Customers' objections to planned changes (Art. 28(2)): filed, acknowledged, answered by staff. */

import { sql } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../../db/client';
import type { Config } from '~/utils/env.server';
import { renderMail } from '~/utils/mail-template';
import { recordAudit, type Actor } from '~/models/audit.server';
import { queueMail } from '~/models/mail.server';
import { changeUrl } from '~/models/subprocessors/feeds.server';
import { changeTitle, isOpenForObjection, todayIn } from '~/models/subprocessors/rules';
import { getChange, RegistryRuleError } from '~/models/subprocessors/registry.server';

export const objectionSchema = z.object({
  organisation: z.string().trim().min(1, 'Enter your organisation').max(200),
  email: z.email({ error: 'Enter an email address like name@example.com' }).max(254),
  reason: z.string().trim().min(10, 'Tell us why you object (at least 10 characters)').max(5000),
});

export const answerSchema = z.object({
  answer: z.string().trim().min(10, 'Write an answer of at least 10 characters').max(5000),
});

export async function fileObjection(
  db: DB,
  input: { changeId: string } & z.output<typeof objectionSchema>,
  config: Config,
): Promise<string> {
  const change = await getChange(db, input.changeId);
  const today = todayIn(config.timeZone);
  if (!change) throw new RegistryRuleError('form', 'No such change');
  if (!isOpenForObjection(change, today)) {
    throw new RegistryRuleError('form', 'This change is no longer open to objections: it has taken effect');
  }
  return db.transaction().execute(async (trx) => {
    const { id } = await trx
      .insertInto('subprocessor_objections')
      .values({ change_id: change.id, organisation: input.organisation, email: input.email, reason: input.reason })
      .returning('id')
      .executeTakeFirstOrThrow();
    await queueMail(trx, {
      to: input.email,
      subject: `We received your objection: ${changeTitle(change, today)}`,
      ...renderMail({
        heading: 'Your objection has been received',
        paragraphs: [
          `Thank you. We received the objection of ${input.organisation} to this change: ${changeTitle(change, today)}.`,
          `Your reason: ${input.reason}`,
          'Our privacy team will answer you by email before the change takes effect.',
        ],
        action: { label: 'See the change', url: changeUrl(config, change) },
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
    await queueMail(trx, {
      to: objection.email,
      subject: `Answer to your objection${change ? `: ${changeTitle(change, todayIn(config.timeZone))}` : ''}`,
      ...renderMail({
        heading: 'Our answer to your objection',
        paragraphs: [`You objected on behalf of ${objection.organisation}. Our answer:`, input.answer],
        ...(change ? { action: { label: 'See the change', url: changeUrl(config, change) } } : {}),
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
