import { InboxConflictError, InboxNotFoundError, takeInboxItemForRequest } from '~/models/inbox/inbox.server';

import { sql } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../../db/client';
import type { RequestRow } from '../../../db/schema';
import { recordAudit, type Actor } from '~/models/audit.server';
import { queueMail, renderMail } from '~/models/mail.server';
import { checkOriginal, AttachmentError, storeAttachment } from '~/models/requests/attachments.server';
import { LOGGED_CHANNELS, RECEIPT_GRACE_DAYS, type LoggedChannel } from '~/models/requests/channels';
import { computeDueDate, localDate } from '~/models/requests/deadlines';
import { hasControlCharacters } from '~/models/requests/intake-rules.server';
import { ACTIVE_STATES } from '~/models/requests/lifecycle';
import { organisationFooter } from '~/models/requests/mail.server';
import type { RequestPolicy } from '~/models/requests/policy';
import { REQUEST_TYPE_VALUES, type RequestTypeValue } from '~/models/requests/request-types';
import { emailKey, formatReference } from '~/models/requests/requests.server';
import { issueToken } from '~/models/requests/tokens.server';
import { appendEvent } from '~/models/requests/transitions.server';
import { parseLocalDateTime } from '~/models/breaches/rules';
import { DEMO_ORGANISATION } from '~/utils/env.server';
import { formatDeadline, LANGUAGES, tFor, type Language } from '~/utils/i18n';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A request received outside the form (issue 21): by email, letter, phone or in person, logged
 * by staff. Valid whatever the channel, and the month runs from the receipt staff give, not from
 * when they typed it in. One request per right asked for, each found a duplicate as on the form
 * (same address, same right, still active). See docs/decisions/210-requests-from-every-channel.md.
 */
export { LOGGED_CHANNELS, RECEIPT_GRACE_DAYS, type LoggedChannel };

export type ReceivedRequestInput = {
  channel: LoggedChannel;
  receivedAt: Date;
  receiptReason?: string | null;
  types: RequestTypeValue[];
  name: string;
  email?: string | null;
  postalAddress?: string | null;
  lang: Language;
  /** The words of a phone call or a counter visit, or a summary of the letter. */
  note?: string | null;
  /** The request as received: an .eml or .msg, or a scan (PDF, PNG, JPEG); stored encrypted. */
  original?: { filename: string; bytes: Buffer } | null;
  /** The privacy mailbox item this request came from (issue 21 part 2); carried, not used yet. */
  inboxItemId?: string | null;
};

export type LoggedResult = { created: RequestRow[]; duplicates: RequestRow[] };

/** Why the input cannot be logged, per field, in the staff console's words. */
export class ReceivedRequestError extends Error {
  override name = 'ReceivedRequestError';
  constructor(readonly fieldErrors: Record<string, string>) {
    super(Object.values(fieldErrors).join(' '));
  }
}

/** Whether a receipt needs a reason: more than 3 days before `now`, or after it. */
export function receiptNeedsReason(receivedAt: Date, now: Date): boolean {
  const age = now.getTime() - receivedAt.getTime();
  return age < 0 || age > RECEIPT_GRACE_DAYS * 24 * 60 * 60 * 1000;
}

const text = (max: number, multiline = false) =>
  z
    .string()
    .optional()
    .default('')
    .transform((v) => v.trim())
    .refine((v) => !hasControlCharacters(v, multiline), 'Remove the control characters.')
    .refine((v) => v.length <= max, `At most ${max} characters.`);

/** The staff form's fields; `receivedAt` is a datetime-local value read in the portal's time zone, or ISO. */
export function receivedFormSchema(settings: { timeZone: string }) {
  return z
    .object({
      channel: z.enum(LOGGED_CHANNELS as [LoggedChannel, ...LoggedChannel[]], { error: 'Choose how the request reached you.' }),
      receivedAt: z.string({ error: 'Enter the date and time of receipt.' }),
      receiptReason: text(1000, true),
      types: z.array(z.string()).default([]),
      name: text(200),
      email: text(254),
      postalAddress: text(500, true),
      lang: z.enum(LANGUAGES as unknown as [Language, ...Language[]], { error: 'Choose the subject’s language.' }).default('en'),
      note: text(5000, true),
      inbox: text(64),
      submissionId: text(64),
    })
    .transform((v, ctx) => {
      const receivedAt = parseReceipt(v.receivedAt, settings.timeZone);
      if (!receivedAt) ctx.addIssue({ code: 'custom', path: ['receivedAt'], message: 'Enter the date and time of receipt, for example 2026-03-02 14:05.' });
      return { ...v, receivedAt: receivedAt ?? new Date(NaN) };
    });
}

/** A `datetime-local` value in the portal's zone, or an ISO instant with its offset (the inbox's prefill). */
export function parseReceipt(value: string, timeZone: string): Date | null {
  const local = parseLocalDateTime(value, timeZone);
  if (local instanceof Date) return local;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(value.trim())) {
    const instant = new Date(value.trim());
    return Number.isNaN(instant.getTime()) ? null : instant;
  }
  return null;
}

/** The rules beyond the fields' own: rights, a way to reach the subject, the reason for an odd receipt. */
export function checkReceivedInput(input: ReceivedRequestInput, now: Date): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!LOGGED_CHANNELS.includes(input.channel)) errors.channel = 'Choose how the request reached you.';
  if (Number.isNaN(input.receivedAt.getTime())) errors.receivedAt = 'Enter the date and time of receipt.';
  else if (receiptNeedsReason(input.receivedAt, now) && !input.receiptReason?.trim()) {
    errors.receiptReason = `A receipt more than ${RECEIPT_GRACE_DAYS} days back or in the future needs a reason.`;
  }
  const types = [...new Set(input.types)];
  if (types.length === 0 || types.some((t) => !REQUEST_TYPE_VALUES.includes(t))) errors.types = 'Choose the right or rights asked for.';
  if (!input.name.trim()) errors.name = 'Enter the subject’s name.';
  const email = input.email?.trim() ?? '';
  if (email && !z.email().safeParse(email).success) errors.email = 'Enter a valid email address, or leave it empty and give a postal address.';
  if (!email && !input.postalAddress?.trim()) errors.email = 'Give an email address or a postal address.';
  if (!input.note?.trim() && !input.original) errors.note = 'Attach the request as received, or write down its words.';
  return errors;
}

/**
 * Logs a request received elsewhere, in one transaction: one request per right asked for (or a
 * duplicate line on the active request of the same right and address), open at once with its
 * clock running from the receipt; the original stored encrypted; the status link mailed when
 * there is an address; every step audited. A receipt that needed a reason audits it too.
 */
export async function logReceivedRequest(
  db: DB,
  input: ReceivedRequestInput,
  actor: Actor,
  options: { rules: RequestPolicy; exportKey: string; now?: Date },
): Promise<LoggedResult> {
  const now = options.now ?? new Date();
  const errors = checkReceivedInput(input, now);
  const original = input.original ? { ...input.original, contentType: await checkOriginalOr(errors, input.original) } : null;
  if (Object.keys(errors).length > 0) throw new ReceivedRequestError(errors);
  const email = input.email?.trim() || null;
  const postal = input.postalAddress?.trim() || null;
  const key = email ? emailKey(email) : postalKey(input.name, postal!);
  const needsReason = receiptNeedsReason(input.receivedAt, now);
  const rules = options.rules;

  return db.transaction().execute(async (trx) => {
    const result: LoggedResult = { created: [], duplicates: [] };
    for (const type of [...new Set(input.types)]) {
      await sql`select pg_advisory_xact_lock(hashtextextended(${`request:${key}:${type}:`}, 0))`.execute(trx);
      const existing = await findDuplicate(trx, { email, key, postal, type });
      if (existing) {
        await appendEvent(trx, {
          requestId: existing.id,
          actor: { kind: 'staff', id: actor.id },
          kind: 'duplicate_submission',
          note: `The same request was received again (${input.channel}) and logged by staff. It was linked to this one; no new deadline started.`,
          visibleToSubject: true,
        });
        await recordAudit(trx, {
          actorId: actor.id,
          ip: actor.ip,
          action: 'request.logged_duplicate',
          targetType: 'request',
          targetId: existing.id,
          details: { channel: input.channel, type, inboxItemId: input.inboxItemId ?? null },
        });
        result.duplicates.push(existing);
        continue;
      }
      const { n } = await sql<{ n: string }>`select nextval('request_reference_seq')::text as n`.execute(trx).then((r) => r.rows[0]!);
      const created = await trx
        .insertInto('requests')
        .values({
          reference: formatReference(localDate(now, rules.timeZone).slice(0, 4), n),
          type,
          // Open at once: the controller may not delay the clock by insisting on its own channel.
          state: 'open',
          email: email ?? '',
          email_key: email ? emailKey(email) : null,
          name: input.name.trim(),
          details: input.note?.trim() || null,
          requester_role: 'self',
          lang: input.lang,
          channel: input.channel,
          postal_address: email ? null : postal,
          received_at: input.receivedAt,
          due_date: computeDueDate({ receivedAt: input.receivedAt }, rules),
          receipt_reason: input.receiptReason?.trim() || null,
          logged_by: actor.id,
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const eventId = await appendEvent(trx, {
        requestId: created.id,
        actor: { kind: 'staff', id: actor.id },
        kind: 'logged',
        to: 'open',
        note: `Request received by ${input.channel.replace('_', ' ')} and logged by staff; the deadline runs from the receipt.${
          needsReason ? `\n\nReceipt dated outside the usual ${RECEIPT_GRACE_DAYS} days: ${input.receiptReason!.trim()}` : ''
        }`,
        visibleToSubject: true,
      });
      if (original) await storeAttachment(trx, { requestId: created.id, eventId, ...original }, options.exportKey);
      await recordAudit(trx, {
        actorId: actor.id,
        ip: actor.ip,
        action: 'request.logged',
        targetType: 'request',
        targetId: created.id,
        details: {
          channel: input.channel,
          type,
          receivedAt: input.receivedAt.toISOString(),
          byPost: !email,
          original: original ? original.contentType : null,
          inboxItemId: input.inboxItemId ?? null,
        },
      });
      if (needsReason) {
        await recordAudit(trx, {
          actorId: actor.id,
          ip: actor.ip,
          action: 'request.receipt_dated',
          targetType: 'request',
          targetId: created.id,
          details: { receivedAt: input.receivedAt.toISOString(), loggedAt: now.toISOString(), reason: input.receiptReason!.trim() },
        });
      }
      if (email) await mailLoggedReceipt(trx, created, rules, await issueToken(trx, created.id, 'status', now));
      result.created.push(created);
    }
    // Made from an email in the privacy mailbox: the item is marked converted and its .eml joins
    // the (first) request, in this transaction (app/models/inbox/inbox.server.ts).
    const first = result.created[0] ?? result.duplicates[0];
    // An id that is no item (a hand-edited form) takes nothing; an item already handled refuses the whole logging.
    if (input.inboxItemId && first && UUID.test(input.inboxItemId)) {
      try {
        await takeInboxItemForRequest(trx, input.inboxItemId, String(first.id), actor, { exportKey: options.exportKey, now });
      } catch (error) {
        if (error instanceof InboxConflictError) throw new ReceivedRequestError({ inbox: `${error.message}: open it again from the inbox.` });
        if (!(error instanceof InboxNotFoundError)) throw error;
      }
    }
    return result;
  });
}

async function checkOriginalOr(errors: Record<string, string>, file: { filename: string; bytes: Buffer }) {
  try {
    return await checkOriginal(file.filename, file.bytes);
  } catch (error) {
    if (!(error instanceof AttachmentError)) throw error;
    errors.original = error.message;
    return 'application/pdf' as const;
  }
}

/** A subject known by post only is matched on name and address, spaces and case aside. */
function postalKey(name: string, postal: string): string {
  return `post:${normaliseWords(name)}|${normaliseWords(postal)}`;
}

function normaliseWords(value: string): string {
  return value.toLowerCase().split(/[\s,]+/).filter(Boolean).join(' ');
}

async function findDuplicate(trx: DB, q: { email: string | null; key: string; postal: string | null; type: RequestTypeValue }) {
  const base = trx.selectFrom('requests').selectAll().where('type', '=', q.type).where('state', 'in', [...ACTIVE_STATES]);
  if (q.email) {
    return base.where('email_key', '=', q.key).where('subject_email', 'is', null).orderBy('id').limit(1).executeTakeFirst();
  }
  const candidates = await base.where('postal_address', 'is not', null).where('email_key', 'is', null).orderBy('id').execute();
  return candidates.find((r) => postalKey(r.name, r.postal_address!) === q.key);
}

/** The email to a subject whose request staff logged: what was received, when it is due, the status link. */
async function mailLoggedReceipt(trx: DB, request: RequestRow, rules: RequestPolicy, token: string) {
  const lang = request.lang;
  const t = tFor(lang);
  const org = rules.organisation ?? DEMO_ORGANISATION;
  const type = t(`requestTypes.${request.type}.label`);
  const heading = t('letter.heading', { reference: request.reference });
  const content = renderMail({
    heading,
    paragraphs: [
      t('letter.received', { type, channel: t(`letter.channels.${request.channel}`), date: formatDeadline(lang, localDate(request.received_at!, rules.timeZone)), reference: request.reference }),
      t('mail.answerBy', { date: formatDeadline(lang, request.due_date!) }),
    ],
    action: { label: t('mail.seeRequest'), url: `${rules.publicUrl}/status/s/${token}` },
    footer: [t('mail.footerWhy', { org: org.name }), ...organisationFooter(t, org)],
    lang,
    buttonFallback: t('mail.buttonFallback'),
  });
  await queueMail(trx, { to: request.email, subject: t('mail.subject', { what: heading, type, reference: request.reference }), ...content });
}
