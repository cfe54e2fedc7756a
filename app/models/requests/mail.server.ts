import type { DB } from '../../../db/client';
import type { RequestRow } from '../../../db/schema';
import { formatDueDate } from '~/models/requests/deadlines';
import { queueMail, renderMail } from '~/models/mail.server';
import { requestTypeLabel } from '~/models/requests/intake-rules';
import { TRANSITION_MESSAGES, type RequestAction } from '~/models/requests/lifecycle';
import { issueToken } from '~/models/requests/tokens.server';

/**
 * The emails a subject receives about a request. Each is queued inside the transaction that
 * made the change, so mail and state commit together. Links carry a fresh token each time
 * (only hashes are stored, so an old link cannot be re-sent); a request filed from an
 * account links to the account page instead.
 */
const FOOTER = [
  'You receive this email because a data-protection request was made with this address on our privacy portal.',
  'If that was not you, ignore this email: an unconfirmed request expires after 7 days and its data is deleted.',
];

async function statusLink(trx: DB, request: RequestRow, publicUrl: string): Promise<string> {
  if (request.user_id) return `${publicUrl}/account/requests/${request.id}`;
  return `${publicUrl}/status/s/${await issueToken(trx, request.id, 'status')}`;
}

function subjectLine(request: RequestRow, what: string) {
  return `${what} — ${requestTypeLabel(request.type)} request ${request.reference}`;
}

export async function mailVerificationLink(
  trx: DB,
  request: RequestRow,
  token: string,
  publicUrl: string,
  kind: 'receipt' | 'duplicate' | 'resend',
) {
  const lead = {
    receipt: `We received your ${requestTypeLabel(request.type)} request, reference ${request.reference}.`,
    duplicate: `You already have a ${requestTypeLabel(request.type)} request with us, reference ${request.reference}, that still needs confirming. Your new submission was linked to it: no second request was started.`,
    resend: `Here is a new confirmation link for your request ${request.reference}.`,
  }[kind];
  const content = renderMail({
    preheader: 'Confirm your email address to start your request',
    heading: 'Confirm your request',
    paragraphs: [
      lead,
      'To make sure this address is yours, open the link below and press "Confirm my request". The one-month deadline for our answer starts when you confirm.',
      'The link works once and is valid for 7 days.',
    ],
    action: { label: 'Confirm my request', url: `${publicUrl}/verify/${token}` },
    footer: FOOTER,
  });
  await queueMail(trx, { to: request.email, subject: subjectLine(request, 'Confirm your request'), ...content });
}

/** The private link to a request that is already confirmed (a duplicate, or a lost link). */
export async function mailStatusLink(
  trx: DB,
  request: RequestRow,
  publicUrl: string,
  kind: 'duplicate' | 'resend',
  token: string,
) {
  const content = renderMail({
    heading: `Your request ${request.reference}`,
    paragraphs: [
      kind === 'duplicate'
        ? `You already have an open ${requestTypeLabel(request.type)} request with us, reference ${request.reference}. Your new submission was linked to it: no second request was started and the deadline did not change.`
        : `Here is a new link to the status page of your request ${request.reference}.`,
      ...(request.due_date ? [`We will answer by ${formatDueDate(request.due_date)}.`] : []),
    ],
    action: { label: 'See your request', url: `${publicUrl}/status/s/${token}` },
    footer: FOOTER,
  });
  await queueMail(trx, { to: request.email, subject: subjectLine(request, 'Your request'), ...content });
}

const TRANSITION_HEADINGS: Partial<Record<RequestAction, string>> = {
  verify: 'Your request is confirmed',
  start: 'We are working on your request',
  request_information: 'We need more information',
  resume: 'Work on your request has resumed',
  complete: 'Your request is complete',
  deny: 'Your request was refused',
  withdraw: 'Your request was withdrawn',
};

/** Tells the subject about a change of state they should know of; quiet for those they made or that need no word. */
export async function mailTransition(
  trx: DB,
  request: RequestRow,
  action: RequestAction,
  details: { note?: string | null; actor: string; publicUrl: string },
) {
  const heading = TRANSITION_HEADINGS[action];
  // A subject's own reply needs no email back; expiry goes to an address never proven.
  if (!heading || (action === 'resume' && details.actor === 'subject')) return;
  const paragraphs = [`${TRANSITION_MESSAGES[action]} Reference: ${request.reference}.`];
  if (details.note) paragraphs.push(details.note);
  if (request.due_date && (action === 'verify' || action === 'resume' || action === 'start')) {
    paragraphs.push(`We will answer by ${formatDueDate(request.due_date)}.`);
  }
  if (action === 'request_information') {
    paragraphs.push('The deadline is paused until you reply. Reply from the status page; you can attach files there.');
  }
  const content = renderMail({
    heading,
    paragraphs,
    action: { label: action === 'request_information' ? 'Reply' : 'See your request', url: await statusLink(trx, request, details.publicUrl) },
    footer: FOOTER,
  });
  await queueMail(trx, { to: request.email, subject: subjectLine(request, heading), ...content });
}

export async function mailExtension(trx: DB, request: RequestRow, publicUrl: string) {
  const content = renderMail({
    heading: 'We need more time for your request',
    paragraphs: [
      `The deadline for your request ${request.reference} was extended by ${request.extension_months} month${request.extension_months === 1 ? '' : 's'}, as Art. 12(3) GDPR allows.`,
      `Reason: ${request.extension_reason ?? ''}`,
      ...(request.due_date ? [`We will now answer by ${formatDueDate(request.due_date)}.`] : []),
    ],
    action: { label: 'See your request', url: await statusLink(trx, request, publicUrl) },
    footer: FOOTER,
  });
  await queueMail(trx, { to: request.email, subject: subjectLine(request, 'Deadline extended'), ...content });
}
