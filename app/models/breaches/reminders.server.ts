import { z } from 'zod';
import type { DB, Tx } from '../../../db/client';
import type { BreachRow } from '../../../db/schema';
import { recordAudit } from '~/models/audit.server';
import { enqueueJob } from '~/models/jobs.server';
import { queueMail, renderMail } from '~/models/mail.server';
import { RISK_LABELS } from '~/models/breaches/labels';
import { art33Gaps, breachDeadline, formatInstant, reminderSchedule, timeLeft } from '~/models/breaches/rules';
import type { Config } from '~/utils/env.server';

/**
 * Reminders of the 72-hour deadline, 48, 24 and 6 hours before it, mailed to the DPO accounts
 * and the administrators. Each is a job in the queue (any instance runs it), queued when the
 * breach is recorded or its awareness time changes; the job's key names the deadline, so a
 * changed deadline queues new reminders and the old ones, finding their deadline gone, send
 * nothing. A person gets each reminder of a breach once: `breach_reminder_sends` is claimed in
 * the transaction that queues the mail. Nothing is sent once the breach is filed, recorded as
 * not notified, or held as a processor.
 */
export const BREACH_REMINDER_JOB = 'breaches.reminder';

export type BreachReminderSettings = Pick<Config, 'publicUrl' | 'timeZone'> & { organisation: Pick<Config['organisation'], 'authority'> };

export async function scheduleBreachReminders(trx: Tx | DB, breach: Pick<BreachRow, 'id' | 'aware_at'>, now: Date) {
  const deadline = breachDeadline(breach.aware_at);
  for (const { hoursBefore, runAt } of reminderSchedule(deadline, now)) {
    await enqueueJob(trx as DB, {
      kind: BREACH_REMINDER_JOB,
      payload: { breachId: breach.id, hoursBefore, deadline: deadline.toISOString() },
      runAt,
      dedupeKey: `${BREACH_REMINDER_JOB}:${breach.id}:${hoursBefore}:${deadline.toISOString()}`,
      maxAttempts: 8,
    });
  }
}

const payloadSchema = z.object({ breachId: z.string(), hoursBefore: z.number().int(), deadline: z.iso.datetime() });

export type ReminderOutcome = { sent: number; skipped?: 'stale' | 'settled' | 'missing' };

/** The `breaches.reminder` job: one reminder of one breach to everyone who keeps the register. */
export async function sendBreachReminder(
  db: DB,
  settings: BreachReminderSettings,
  rawPayload: Record<string, unknown>,
  now: Date = new Date(),
): Promise<ReminderOutcome> {
  const payload = payloadSchema.parse(rawPayload);
  return db.transaction().execute(async (trx) => {
    const breach = await trx.selectFrom('breaches').selectAll().where('id', '=', payload.breachId).executeTakeFirst();
    if (!breach) return { sent: 0, skipped: 'missing' as const };
    const deadline = breachDeadline(breach.aware_at);
    if (deadline.toISOString() !== payload.deadline) return { sent: 0, skipped: 'stale' as const };
    const filed = await trx.selectFrom('breach_filings').select('id').where('breach_id', '=', breach.id).executeTakeFirst();
    const notNotified = breach.not_notified_at !== null && breach.risk === 'unlikely';
    if (breach.role !== 'controller' || filed || notNotified) return { sent: 0, skipped: 'settled' as const };

    const recipients = await trx
      .selectFrom('users')
      .select('email')
      .where((eb) => eb.or([eb('role', '=', 'admin'), eb.and([eb('role', '=', 'staff'), eb('dpo', '=', true)])]))
      .orderBy('email')
      .execute();
    const left = timeLeft(deadline, now);
    const authority = settings.organisation.authority.name;
    const gaps = art33Gaps(breach);
    const content = renderMail({
      heading: `Breach ${breach.reference}: ${left} to notify ${authority}`,
      paragraphs: [
        `“${breach.title}”`,
        `Deadline: ${formatInstant(deadline, settings.timeZone)} (72 hours after awareness at ${formatInstant(breach.aware_at, settings.timeZone)}).`,
        `Risk: ${RISK_LABELS[breach.risk]}.`,
        ...(breach.risk === 'unassessed' ? ['Not assessed is not "no risk": file by the deadline, or assess the risk as unlikely and record why it is not notified.'] : []),
        ...(gaps.length ? [`Still missing (they may follow in phases, Art. 33(4)): ${gaps.join('; ')}.`] : []),
      ],
      action: { label: 'Open the breach', url: `${settings.publicUrl}/staff/breaches/${breach.id}/notify` },
      footer: [
        'Sent 48, 24 and 6 hours before the 72-hour deadline of Art. 33(1) to the DPO and the administrators, once each, until the breach is notified or recorded as not notified.',
      ],
    });
    let sent = 0;
    for (const { email } of recipients) {
      const claimed = await trx
        .insertInto('breach_reminder_sends')
        .values({ breach_id: breach.id, hours_before: payload.hoursBefore, recipient: email.trim().toLowerCase() })
        .onConflict((oc) => oc.columns(['breach_id', 'hours_before', 'recipient']).doNothing())
        .returning('recipient')
        .executeTakeFirst();
      if (!claimed) continue;
      await queueMail(trx, { to: email, subject: `Breach ${breach.reference}: ${left} to notify the authority`, ...content });
      sent++;
    }
    if (sent > 0) {
      await recordAudit(trx, {
        actorId: null,
        action: 'breach.reminder_sent',
        targetType: 'breach',
        targetId: breach.id,
        details: { reference: breach.reference, hoursBefore: payload.hoursBefore, recipients: sent, deadline: payload.deadline },
      });
    }
    return { sent };
  });
}

export function breachJobHandlers(deps: { db: DB; config: Config }) {
  return {
    [BREACH_REMINDER_JOB]: async (payload: Record<string, unknown>) => {
      await sendBreachReminder(deps.db, deps.config, payload);
    },
  };
}
