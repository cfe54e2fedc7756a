import type { Transaction } from 'kysely';
import type { DB } from '../../../db/client';
import type { Database, RequestRow } from '../../../db/schema';
import { recordAudit } from '~/models/audit.server';
import { queueMail, renderMail } from '~/models/mail.server';
import { REMINDER_DUE_WITHIN_DAYS, REMINDER_MAIL_MAX_ROWS } from '~/models/policy';
import { daysLeft, formatDueDate } from '~/models/requests/deadlines';
import { isClockPaused, type RequestState } from '~/models/requests/lifecycle';
import { requestTypeLabel } from '~/models/requests/request-types';
import { ACTIVE_QUEUE_STATES } from '~/models/requests/staff.server';
import { addDays, todayIn } from '~/utils/calendar';
import type { Config } from '~/utils/env.server';

/**
 * The daily deadline reminders to privacy staff (English, like the staff console):
 *
 * - each staff or admin account: the requests assigned to them that are overdue or due within
 *   REMINDER_DUE_WITHIN_DAYS, nothing when there are none;
 * - the team (REMINDERS_TO, else every staff and admin account): every overdue request and
 *   every request nobody is assigned to, nothing when there are none.
 *
 * Requests waiting on the subject (`awaiting_subject`) have a paused clock: their due date
 * moves when the subject answers, so they are never "overdue" or "due soon" and are left out of
 * both lists. The one exception is an unassigned one, listed (marked "clock paused") because
 * nobody would otherwise pick up the subject's answer.
 *
 * Once a day per person and kind, whatever the number of instances or runs: a row in
 * `reminder_sends` is claimed (ON CONFLICT DO NOTHING) in the transaction that queues the mail,
 * and the mail is queued only when this run's insert made the row.
 */
export type ReminderSettings = Pick<Config, 'publicUrl' | 'timeZone'> & { reminders: Pick<Config['reminders'], 'to'> };

export type ReminderCounts = {
  day: string;
  /** Personal reminders queued by this run. */
  assignedMails: number;
  /** Team reminders queued by this run. */
  teamMails: number;
  overdue: number;
  dueSoon: number;
  unassigned: number;
};

type Listed = Pick<RequestRow, 'id' | 'reference' | 'type' | 'state' | 'assigned_to'> & { due_date: string; assignee: string | null };
type Mail = { kind: 'assigned' | 'team'; to: string; subject: string; content: { text: string; html: string } };

export async function sendDeadlineReminders(db: DB, config: ReminderSettings, now: Date = new Date()): Promise<ReminderCounts> {
  const day = todayIn(config.timeZone, now);
  const horizon = addDays(day, REMINDER_DUE_WITHIN_DAYS);
  return db.transaction().execute(async (trx) => {
    const staff = await trx
      .selectFrom('users')
      .select(['id', 'email'])
      .where('role', 'in', ['staff', 'admin'])
      .orderBy('email')
      .execute();
    const rows = (await trx
      .selectFrom('requests as r')
      .leftJoin('users as u', 'u.id', 'r.assigned_to')
      .select(['r.id', 'r.reference', 'r.type', 'r.state', 'r.due_date', 'r.assigned_to', 'u.email as assignee'])
      .where('r.state', 'in', ACTIVE_QUEUE_STATES)
      .where('r.due_date', 'is not', null)
      .where((eb) =>
        eb.or([
          eb('r.assigned_to', 'is', null),
          eb.and([eb('r.state', '<>', 'awaiting_subject'), eb('r.due_date', '<=', horizon)]),
        ]),
      )
      .orderBy('r.due_date')
      .orderBy('r.id')
      .execute()) as Listed[];

    const running = (r: Listed) => !isClockPaused(r.state as RequestState);
    const overdue = rows.filter((r) => running(r) && r.due_date < day);
    const dueSoon = rows.filter((r) => running(r) && r.due_date >= day && r.due_date <= horizon);
    const overdueIds = new Set(overdue.map((r) => r.id));
    const unassigned = rows.filter((r) => r.assigned_to === null && !overdueIds.has(r.id));
    const line = (r: Listed, withAssignee: boolean) => describe(r, config, now, withAssignee);

    const mails: Mail[] = [];
    for (const person of staff) {
      const mine = rows.filter((r) => r.assigned_to === person.id && running(r));
      if (mine.length === 0) continue;
      const late = mine.filter((r) => r.due_date < day).length;
      mails.push({
        kind: 'assigned',
        to: person.email,
        subject: `Deadlines: ${count(mine.length, 'request')} assigned to you${late ? `, ${late} overdue` : ''}`,
        content: renderMail({
          heading: 'Your requests with deadlines coming up',
          paragraphs: [
            `Assigned to you and overdue or due within ${REMINDER_DUE_WITHIN_DAYS} days, as of ${formatDueDate(day)}:`,
            ...capped(mine, (r) => line(r, false)),
          ],
          action: { label: 'Open your queue', url: `${config.publicUrl}/staff/requests?assignee=me` },
          footer: [
            `Sent once a day while requests assigned to you are due within ${REMINDER_DUE_WITHIN_DAYS} days or overdue. Requests waiting on the subject (clock paused) are not listed.`,
          ],
        }),
      });
    }

    if (overdue.length + unassigned.length > 0) {
      const paragraphs: string[] = [];
      if (overdue.length) paragraphs.push(`Overdue (${overdue.length}):`, ...capped(overdue, (r) => line(r, true)));
      if (unassigned.length) paragraphs.push(`Not assigned to anyone (${unassigned.length}):`, ...capped(unassigned, (r) => line(r, false)));
      const content = renderMail({
        heading: 'Overdue and unassigned requests',
        paragraphs: [`As of ${formatDueDate(day)}:`, ...paragraphs],
        action: { label: 'Open the queue', url: `${config.publicUrl}/staff/requests` },
        footer: ['Sent once a day to the privacy team while any request is overdue or unassigned (REMINDERS_TO, or every staff account).'],
      });
      const subject = `Privacy requests: ${overdue.length} overdue, ${unassigned.length} unassigned`;
      const team = config.reminders.to ? [config.reminders.to] : staff.map((s) => s.email);
      for (const to of team) mails.push({ kind: 'team', to, subject, content });
    }

    // One lock order for every run (kind, then address), so concurrent runs queue behind each
    // other on the same row instead of deadlocking.
    mails.sort((a, b) => a.kind.localeCompare(b.kind) || key(a.to).localeCompare(key(b.to)));
    const counts: ReminderCounts = { day, assignedMails: 0, teamMails: 0, overdue: overdue.length, dueSoon: dueSoon.length, unassigned: unassigned.length };
    for (const mail of mails) {
      if (!(await claim(trx, key(mail.to), day, mail.kind))) continue;
      await queueMail(trx, { to: mail.to, subject: mail.subject, ...mail.content });
      if (mail.kind === 'assigned') counts.assignedMails++;
      else counts.teamMails++;
    }
    // Last, after the reminder_sends rows: the audit chain head is locked to the end of the transaction.
    if (counts.assignedMails + counts.teamMails > 0) {
      await recordAudit(trx, { actorId: null, action: 'reminders.sent', details: counts });
    }
    return counts;
  });
}

/** True when this run made the day's row for the recipient, i.e. the reminder is this run's to send. */
async function claim(trx: Transaction<Database>, recipient: string, day: string, kind: Mail['kind']): Promise<boolean> {
  const made = await trx
    .insertInto('reminder_sends')
    .values({ recipient, day, kind })
    .onConflict((oc) => oc.columns(['recipient', 'day', 'kind']).doNothing())
    .returning('recipient')
    .executeTakeFirst();
  return made !== undefined;
}

const key = (email: string) => email.trim().toLowerCase();
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** "DSR-… · Access (Art. 15) · due Thursday 5 March 2026, end of day, Europe/London · 2 days left · <link>". */
function describe(r: Listed, config: ReminderSettings, now: Date, withAssignee: boolean): string {
  const parts = [
    r.reference,
    requestTypeLabel(r.type),
    `due ${formatDueDate(r.due_date)}, end of day, ${config.timeZone}`,
    isClockPaused(r.state as RequestState) ? 'clock paused, waiting on the subject' : timeLeft(daysLeft(r.due_date, now, config.timeZone)),
  ];
  if (withAssignee) parts.push(r.assignee ? `assigned to ${r.assignee}` : 'not assigned');
  parts.push(`${config.publicUrl}/staff/requests/${r.id}`);
  return parts.join(' · ');
}

export function timeLeft(days: number): string {
  if (days < 0) return `overdue by ${count(-days, 'day')}`;
  if (days === 0) return 'due today';
  return `${count(days, 'day')} left`;
}

/** A long list is cut short; the queue holds the rest. */
function capped(rows: Listed[], format: (r: Listed) => string): string[] {
  const shown = rows.slice(0, REMINDER_MAIL_MAX_ROWS).map(format);
  if (rows.length > REMINDER_MAIL_MAX_ROWS) shown.push(`… and ${rows.length - REMINDER_MAIL_MAX_ROWS} more in the queue.`);
  return shown;
}
