import { sql } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../../db/client';
import { recordAudit, type Actor } from '~/models/audit.server';
import { appendEvent, RequestConflictError, withLockedRequest } from '~/models/requests/transitions.server';

/**
 * Art. 19 notices after an erasure (issue 18.4). The erasure records one notice per recipient of
 * personal data: mailed at once to its privacy contact, or, for a recipient without one, left for
 * staff to send by hand. Staff record here that they notified it by hand (and how), and that a
 * recipient confirmed it erased. Each is audited and written to the request's timeline; the
 * notices stay with the proof record.
 */

export type NoticeView = {
  id: string;
  subprocessorId: string;
  recipient: string;
  method: 'email' | 'by_hand';
  contactEmail: string | null;
  notifiedAt: string | null;
  notifiedBy: string | null;
  notifiedHow: string | null;
  confirmedAt: string | null;
  confirmedBy: string | null;
};

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** The subprocessor's current name (its latest change that carries details), else its slug. */
const currentName = sql<string>`coalesce((select c.details->>'name' from subprocessor_changes c where c.subprocessor_id = s.id and c.details is not null order by c.effective_on desc, c.id desc limit 1), s.slug)`;

export async function listNotices(db: DB, requestId: string): Promise<NoticeView[]> {
  if (!/^\d{1,18}$/.test(requestId)) return [];
  const rows = await db
    .selectFrom('erasure_notices as n')
    .innerJoin('subprocessors as s', 's.id', 'n.subprocessor_id')
    .leftJoin('users as nb', 'nb.id', 'n.notified_by')
    .leftJoin('users as cb', 'cb.id', 'n.confirmed_by')
    .select([
      'n.id',
      'n.subprocessor_id',
      currentName.as('recipient'),
      'n.method',
      'n.contact_email',
      'n.notified_at',
      'n.notified_how',
      'n.confirmed_at',
      'nb.email as notified_by_email',
      'cb.email as confirmed_by_email',
    ])
    .where('n.request_id', '=', requestId)
    .orderBy('n.id')
    .execute();
  return rows.map((r) => ({
    id: String(r.id),
    subprocessorId: String(r.subprocessor_id),
    recipient: r.recipient,
    method: r.method,
    contactEmail: r.contact_email,
    notifiedAt: iso(r.notified_at),
    notifiedBy: r.notified_by_email,
    notifiedHow: r.notified_how,
    confirmedAt: iso(r.confirmed_at),
    confirmedBy: r.confirmed_by_email,
  }));
}

export const noticeActionSchema = z.discriminatedUnion('intent', [
  z.object({
    intent: z.literal('notified'),
    noticeId: z.string().regex(/^\d{1,18}$/, 'Choose a recipient from the list'),
    how: z
      .string()
      .trim()
      .min(3, 'Say how you notified it (e.g. “by letter”, “through its support portal, ticket 4711”)')
      .max(200, 'At most 200 characters')
      // eslint-disable-next-line no-control-regex
      .refine((v) => !/[\u0000-\u001F\u007F]/.test(v), 'Use one line of plain text'),
  }),
  z.object({ intent: z.literal('confirmed'), noticeId: z.string().regex(/^\d{1,18}$/, 'Choose a recipient from the list') }),
]);
export type NoticeAction = z.infer<typeof noticeActionSchema>;

/** Records a by-hand notification or a recipient's confirmation on one notice of the request, audited. */
export async function recordNoticeAction(db: DB, input: { requestId: string; action: NoticeAction }, actor: Actor & { id: string }, options: { now?: Date } = {}) {
  const now = options.now ?? new Date();
  const { action } = input;
  await withLockedRequest(db, input.requestId, async (trx, request) => {
    if (!request) throw new RequestConflictError('No such request');
    const notice = await trx
      .selectFrom('erasure_notices as n')
      .innerJoin('subprocessors as s', 's.id', 'n.subprocessor_id')
      .select(['n.id', 'n.method', 'n.notified_at', 'n.confirmed_at', currentName.as('recipient')])
      .where('n.id', '=', action.noticeId)
      .where('n.request_id', '=', request.id)
      .executeTakeFirst();
    if (!notice) throw new RequestConflictError('That recipient has no Art. 19 notice on this request');
    let note: string;
    if (action.intent === 'notified') {
      if (notice.method !== 'by_hand') throw new RequestConflictError(`${notice.recipient} was notified by email when the data was erased`);
      if (notice.notified_at) throw new RequestConflictError(`The notification of ${notice.recipient} is already recorded`);
      await trx.updateTable('erasure_notices').set({ notified_at: now, notified_by: actor.id, notified_how: action.how }).where('id', '=', notice.id).execute();
      note = `Art. 19 notice sent by hand to ${notice.recipient}: ${action.how}.`;
    } else {
      if (!notice.notified_at) throw new RequestConflictError(`Record first how ${notice.recipient} was notified`);
      if (notice.confirmed_at) throw new RequestConflictError(`The confirmation of ${notice.recipient} is already recorded`);
      await trx.updateTable('erasure_notices').set({ confirmed_at: now, confirmed_by: actor.id }).where('id', '=', notice.id).execute();
      note = `${notice.recipient} confirmed that it erased the data (Art. 19).`;
    }
    await appendEvent(trx, { requestId: request.id, actor: { kind: 'staff', id: actor.id, ip: actor.ip }, kind: `art19_${action.intent}`, note, visibleToSubject: false });
    await recordAudit(trx, {
      actorId: actor.id,
      ip: actor.ip,
      action: action.intent === 'notified' ? 'request.art19_notified_by_hand' : 'request.art19_confirmed',
      targetType: 'erasure_notice',
      targetId: String(notice.id),
      details: { requestId: String(request.id) },
    });
  });
}

/** What the staff home counts: recipients without a contact, notices still to send by hand, notices not yet confirmed. */
export async function art19Attention(db: DB) {
  const [contacts, notices] = await Promise.all([
    db
      .selectFrom('subprocessors')
      .select(sql<string>`count(*)`.as('n'))
      .where('receives_personal_data', '=', true)
      .where('privacy_contact_email', 'is', null)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('erasure_notices')
      .select([
        sql<string>`count(*) filter (where notified_at is null)`.as('to_send'),
        sql<string>`count(*) filter (where notified_at is not null and confirmed_at is null)`.as('unconfirmed'),
      ])
      .executeTakeFirstOrThrow(),
  ]);
  return { missingContacts: Number(contacts.n), toSendByHand: Number(notices.to_send), unconfirmed: Number(notices.unconfirmed) };
}

/** The Art. 19 overview: recipients without a contact, and every notice still to send by hand or to be confirmed. */
export async function art19Overview(db: DB) {
  const [missing, open] = await Promise.all([
    db
      .selectFrom('subprocessors as s')
      .select(['s.id', currentName.as('name')])
      .where('s.receives_personal_data', '=', true)
      .where('s.privacy_contact_email', 'is', null)
      .orderBy('s.id')
      .execute(),
    db
      .selectFrom('erasure_notices as n')
      .innerJoin('subprocessors as s', 's.id', 'n.subprocessor_id')
      .innerJoin('requests as r', 'r.id', 'n.request_id')
      .select(['n.id', 'n.method', 'n.notified_at', 'n.created_at', 'r.id as request_id', 'r.reference', currentName.as('recipient')])
      .where('n.confirmed_at', 'is', null)
      .orderBy('n.id')
      .limit(500)
      .execute(),
  ]);
  return {
    missingContacts: missing.map((m) => ({ id: String(m.id), name: m.name })),
    open: open.map((n) => ({
      id: String(n.id),
      requestId: String(n.request_id),
      reference: n.reference,
      recipient: n.recipient,
      method: n.method,
      notified: n.notified_at !== null,
      since: new Date(n.created_at).toISOString(),
    })),
  };
}
