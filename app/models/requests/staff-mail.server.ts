import type { DB, Tx } from '../../../db/client';
import type { RequestRow } from '../../../db/schema';
import { recordAudit, type Actor } from '~/models/audit.server';
import { queueMail, renderMail } from '~/models/mail.server';
import { formatDueDate } from '~/models/requests/deadlines';
import { requestTypeLabel } from '~/models/requests/request-types';

/**
 * Mail to privacy staff about one of their requests: it was assigned to them, or its subject
 * replied. English, like the staff console. Each mail names requests by reference, type and due
 * date only, never the subject's name, address or words: mail leaves the portal, and the link
 * leads to the rest behind a staff sign-in. Queued in the transaction that made the change
 * (the outbox), so a rolled-back assignment or reply sends nothing.
 *
 * A staff member who turned these mails off (/staff/notifications) gets none; nobody is mailed
 * about an assignment they made to themselves.
 */

type Listed = Pick<RequestRow, 'id' | 'reference' | 'type' | 'due_date'>;
export type StaffMailSettings = { publicUrl: string; timeZone: string; /** REMINDERS_TO: where replies to unassigned requests go. */ teamAddress?: string };

const NOTIFICATIONS_URL = (publicUrl: string) => `${publicUrl}/staff/notifications`;

function line(r: Listed, settings: StaffMailSettings): string {
  const due = r.due_date ? `due ${formatDueDate(r.due_date)} (end of day, ${settings.timeZone})` : 'no due date yet';
  return `${r.reference} · ${requestTypeLabel(r.type)} · ${due} · ${settings.publicUrl}/staff/requests/${r.id}`;
}

async function notifiableStaff(trx: Tx, userId: string) {
  return trx
    .selectFrom('users')
    .select(['id', 'email'])
    .where('id', '=', userId)
    .where('role', 'in', ['staff', 'admin'])
    .where('staff_notifications', '=', true)
    .executeTakeFirst();
}

/**
 * One mail to the new assignee listing every request just assigned to them (one for a single
 * assignment, the whole list for a bulk one). Nothing when nobody was assigned, when the actor
 * assigned themselves, or when the assignee turned these mails off. Returns whether it queued one.
 */
export async function mailAssignment(
  trx: Tx,
  input: { assigneeId: string | null; actorId: string; requests: Listed[] },
  settings: StaffMailSettings,
): Promise<boolean> {
  if (!input.assigneeId || input.assigneeId === input.actorId || input.requests.length === 0) return false;
  const assignee = await notifiableStaff(trx, input.assigneeId);
  if (!assignee) return false;
  const by = await trx.selectFrom('users').select('email').where('id', '=', input.actorId).executeTakeFirst();
  const one = input.requests.length === 1 ? input.requests[0]! : undefined;
  const content = renderMail({
    heading: one ? `${one.reference} is assigned to you` : `${input.requests.length} requests are assigned to you`,
    paragraphs: [
      `${by?.email ?? 'A member of staff'} assigned ${one ? 'this request' : 'these requests'} to you:`,
      ...input.requests.map((r) => line(r, settings)),
    ],
    action: one
      ? { label: `Open ${one.reference}`, url: `${settings.publicUrl}/staff/requests/${one.id}` }
      : { label: 'Open your queue', url: `${settings.publicUrl}/staff/requests?assignee=me` },
    footer: [`You get this email when a request is assigned to you. Turn it off: ${NOTIFICATIONS_URL(settings.publicUrl)}`],
  });
  await queueMail(trx, {
    to: assignee.email,
    subject: one ? `${one.reference}: assigned to you` : `${input.requests.length} requests assigned to you`,
    ...content,
  });
  return true;
}

/**
 * The subject answered staff's question: the request's assignee is told, or, when nobody is
 * assigned, the team (REMINDERS_TO, else every staff account that has these mails on).
 */
export async function mailSubjectReplied(trx: Tx, request: Listed & Pick<RequestRow, 'assigned_to'>, input: { files: number }, settings: StaffMailSettings) {
  let recipients: string[];
  if (request.assigned_to) {
    const assignee = await notifiableStaff(trx, request.assigned_to);
    recipients = assignee ? [assignee.email] : [];
  } else if (settings.teamAddress) {
    recipients = [settings.teamAddress];
  } else {
    const staff = await trx
      .selectFrom('users')
      .select('email')
      .where('role', 'in', ['staff', 'admin'])
      .where('staff_notifications', '=', true)
      .orderBy('email')
      .execute();
    recipients = staff.map((s) => s.email);
  }
  const files = input.files ? `, with ${input.files} file${input.files === 1 ? '' : 's'}` : '';
  const content = renderMail({
    heading: `The subject replied on ${request.reference}`,
    paragraphs: [
      `The subject answered the question staff asked${files}. The request is in progress again and its clock runs:`,
      line(request, settings),
      request.assigned_to ? 'It is assigned to you.' : 'Nobody is assigned to it yet.',
    ],
    action: { label: `Open ${request.reference}`, url: `${settings.publicUrl}/staff/requests/${request.id}` },
    footer: [
      request.assigned_to
        ? `You get this email when a subject replies on a request assigned to you. Turn it off: ${NOTIFICATIONS_URL(settings.publicUrl)}`
        : `Sent to the privacy team because nobody is assigned to this request. Turn it off for yourself: ${NOTIFICATIONS_URL(settings.publicUrl)}`,
    ],
  });
  for (const to of recipients) {
    await queueMail(trx, { to, subject: `${request.reference}: the subject replied`, ...content });
  }
  return recipients.length;
}

/** Whether a staff member gets these mails. */
export async function staffNotificationsOn(db: DB, userId: string): Promise<boolean> {
  const row = await db.selectFrom('users').select('staff_notifications').where('id', '=', userId).executeTakeFirst();
  return row?.staff_notifications ?? false;
}

/** A staff member turns these mails on or off for themselves; audited. */
export async function setStaffNotifications(db: DB, actor: Actor & { id: string }, on: boolean): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ staff_notifications: on }).where('id', '=', actor.id).execute();
    await recordAudit(trx, {
      actorId: actor.id,
      ip: actor.ip ?? null,
      action: 'staff.notifications_changed',
      targetType: 'user',
      targetId: actor.id,
      details: { on },
    });
  });
}
