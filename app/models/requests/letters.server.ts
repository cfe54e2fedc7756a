import type { DB } from '../../../db/client';
import type { RequestRow } from '../../../db/schema';
import { recordAudit, type Actor } from '~/models/audit.server';
import { localDate } from '~/models/requests/deadlines';
import { TRANSITION_MESSAGES } from '~/models/requests/lifecycle';
import { subjectOutcomeLines } from '~/models/requests/outcomes';
import type { RequestPolicy } from '~/models/requests/policy';
import { DEMO_ORGANISATION } from '~/utils/env.server';
import { formatDeadline, isLanguage, tFor, type Language } from '~/utils/i18n';

/**
 * Letters to a subject reached by post only (issue 21): what would have gone by email, laid
 * out for paper in the subject's language. The acknowledgement of a logged request, and one
 * letter for each later notice on the timeline (start, question, resumption, extension,
 * completion, refusal, withdrawal), with the reference, the due date, the DPO and the authority.
 */
export const LETTER_EVENT_KINDS = ['logged', 'start', 'request_information', 'resume', 'extended', 'complete', 'deny', 'withdraw'] as const;

export function isLetterEvent(kind: string): boolean {
  return (LETTER_EVENT_KINDS as readonly string[]).includes(kind);
}

/** Whether the portal writes to this request's subject on paper: no email, a postal address. */
export function isByPost(request: Pick<RequestRow, 'email' | 'postal_address'>): boolean {
  return request.email === '' && !!request.postal_address;
}

export type Letter = {
  lang: Language;
  title: string;
  sender: string[];
  recipient: string[];
  dateLine: string;
  referenceLine: string;
  heading: string;
  salutation: string;
  paragraphs: string[];
  contact: string[];
  closing: string;
  signature: string;
  printLabel: string;
  printHint: string;
};

/**
 * The letter for one event of a request (the acknowledgement when `eventId` is null), or
 * undefined when the request is not by post or the event is not a notice. Viewing it is audited.
 */
export async function letterForRequest(
  db: DB,
  scope: { requestId: string; eventId: string | null },
  actor: Actor,
  rules: RequestPolicy,
  now: Date = new Date(),
): Promise<Letter | undefined> {
  if (!/^\d{1,18}$/.test(scope.requestId) || (scope.eventId !== null && !/^\d{1,18}$/.test(scope.eventId))) return undefined;
  const request = await db.selectFrom('requests').selectAll().where('id', '=', scope.requestId).executeTakeFirst();
  if (!request || !isByPost(request)) return undefined;
  let query = db
    .selectFrom('request_events')
    .select(['id', 'kind', 'note', 'at'])
    .where('request_id', '=', scope.requestId)
    .where('kind', 'in', [...LETTER_EVENT_KINDS]);
  query = scope.eventId ? query.where('id', '=', scope.eventId) : query.where('kind', '=', 'logged');
  const event = await query.orderBy('id').limit(1).executeTakeFirst();
  if (!event) return undefined;
  await recordAudit(db, {
    actorId: actor.id,
    ip: actor.ip,
    action: 'request.letter_viewed',
    targetType: 'request',
    targetId: request.id,
    details: { eventId: event.id, kind: event.kind },
  });
  return composeLetter(request, event, rules, now);
}

export function composeLetter(
  request: RequestRow,
  event: { kind: string; note: string | null },
  rules: RequestPolicy,
  now: Date,
): Letter {
  const lang: Language = isLanguage(request.lang) ? request.lang : 'en';
  const t = tFor(lang);
  const org = rules.organisation ?? DEMO_ORGANISATION;
  const reference = request.reference;
  const type = t(`requestTypes.${request.type}.label`);
  const due = request.due_date ? formatDeadline(lang, request.due_date) : null;
  const paragraphs: string[] = [];
  let heading: string;
  if (event.kind === 'logged') {
    heading = t('letter.heading', { reference });
    const received = request.received_at ? formatDeadline(lang, localDate(request.received_at, rules.timeZone)) : '';
    paragraphs.push(t('letter.received', { type, channel: t(`letter.channels.${request.channel}`), date: received, reference }));
    if (due) paragraphs.push(t('letter.dueBy', { date: due }));
  } else if (event.kind === 'extended') {
    heading = t('mail.extendedHeading');
    paragraphs.push(t('mail.extended', { count: request.extension_months, reference }), t('mail.reason', { reason: request.extension_reason ?? '' }));
    if (due) paragraphs.push(t('mail.newAnswerBy', { date: due }));
  } else {
    const action = event.kind as keyof typeof TRANSITION_MESSAGES;
    heading = t(`mail.headings.${action}`);
    paragraphs.push(`${t(`timeline.${action}`)} ${t('mail.referenceLine', { reference })}`);
    if (action === 'complete') paragraphs.push(...subjectOutcomeLines(t, request));
    const standard = TRANSITION_MESSAGES[action];
    const staffNote = event.note?.startsWith(standard) ? event.note.slice(standard.length).trim() : null;
    if (staffNote) paragraphs.push(staffNote);
    if (due && (action === 'start' || action === 'resume')) paragraphs.push(t('mail.answerBy', { date: due }));
    if (action === 'request_information') paragraphs.push(t('letter.replyByPost', { reference }));
  }
  const dpo = org.dpo ? (org.dpo.email ? `${org.dpo.name} (${org.dpo.email})` : org.dpo.name) : null;
  return {
    lang,
    title: t('letter.title', { reference }),
    sender: [org.name, ...splitLines(org.postalAddress)],
    recipient: [request.name, ...splitLines(request.postal_address ?? '')],
    dateLine: t('letter.dateLine', { date: formatDeadline(lang, localDate(now, rules.timeZone)) }),
    referenceLine: t('letter.referenceLine', { reference }),
    heading,
    salutation: t('letter.salutation', { name: request.name }),
    paragraphs,
    contact: [
      t('letter.reachUs', { email: org.privacyEmail, address: org.postalAddress }),
      ...(dpo ? [t('letter.dpo', { dpo })] : []),
      t('letter.authority', { name: org.authority.name, address: org.authority.address, url: org.authority.url }),
    ],
    closing: t('letter.closing'),
    signature: t('letter.signature', { org: org.name }),
    printLabel: t('letter.print'),
    printHint: t('letter.printHint'),
  };
}

/** An address typed on several lines, or on one line with commas, as the lines of an envelope window. */
function splitLines(address: string): string[] {
  const lines = address.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  return lines.length > 1 ? lines : address.split(',').map((l) => l.trim()).filter(Boolean);
}
