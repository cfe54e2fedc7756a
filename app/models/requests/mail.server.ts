import type { DB } from '../../../db/client';
import type { RequestRow } from '../../../db/schema';
import { queueMail, renderMail } from '~/models/mail.server';
import type { RequestAction } from '~/models/requests/lifecycle';
import { subjectOutcomeLines } from '~/models/requests/outcomes';
import { issueToken } from '~/models/requests/tokens.server';
import { DEMO_ORGANISATION, type Organisation } from '~/utils/env.server';
import { formatDeadline, isLanguage, tFor, type Language } from '~/utils/i18n';
import type { TFunction } from 'i18next';
import { VERIFICATION_CODE, type VerificationLevelPolicy } from '~/models/policy';
import { actsForAnotherPerson, subjectAddressOf } from '~/models/requests/authority';
import { levelStatus } from '~/models/requests/verification-levels.server';

/**
 * The emails a subject receives about a request, in the language they filed it in
 * (`requests.lang`), each naming the organisation and the supervisory authority. Each is
 * queued inside the transaction that made the change, so mail and state commit together.
 * Links carry a fresh token each time (only hashes are stored, so an old link cannot be
 * re-sent); a request filed from an account links to the account page instead.
 */
export type MailSettings = { publicUrl: string; organisation?: Organisation };

type Voice = { t: TFunction; lang: Language; org: Organisation };

function voiceOf(request: RequestRow, settings: MailSettings): Voice {
  const lang = isLanguage(request.lang) ? request.lang : 'en';
  return { t: tFor(lang), lang, org: settings.organisation ?? DEMO_ORGANISATION };
}

/** Why this email came, how to reach the organisation and the authority (Art. 12(4)). */
function footer({ t, org }: Voice, options: { unconfirmed: boolean }): string[] {
  return [
    t('mail.footerWhy', { org: org.name }),
    ...(options.unconfirmed ? [t('mail.footerIgnore')] : []),
    ...organisationFooter(t, org),
  ];
}

/** The lines every email to a person ends with: the organisation's contact, its DPO and the authority. */
export function organisationFooter(t: TFunction, org: Organisation): string[] {
  return [
    t('mail.footerContact', { email: org.privacyEmail, org: org.name, address: org.postalAddress }),
    ...(org.dpo ? [t('mail.footerDpo', { dpo: org.dpo.email ? `${org.dpo.name} (${org.dpo.email})` : org.dpo.name })] : []),
    t('mail.footerComplaint', { authority: org.authority.name, url: org.authority.url }),
    ...(org.demo ? [t('mail.footerExample')] : []),
  ];
}

async function statusLink(trx: DB, request: RequestRow, publicUrl: string): Promise<string> {
  if (request.user_id) return `${publicUrl}/account/requests/${request.id}`;
  return `${publicUrl}/status/s/${await issueToken(trx, request.id, 'status')}`;
}

function subjectLine({ t }: Voice, request: RequestRow, what: string) {
  return t('mail.subject', { what, type: t(`requestTypes.${request.type}.label`), reference: request.reference });
}

function render(voice: Voice, content: Parameters<typeof renderMail>[0]) {
  return renderMail({ ...content, lang: voice.lang, buttonFallback: voice.t('mail.buttonFallback') });
}

export async function mailVerificationLink(
  trx: DB,
  request: RequestRow,
  token: string,
  settings: MailSettings,
  kind: 'receipt' | 'duplicate' | 'resend',
  options: { to?: string; forSubject?: boolean } = {},
) {
  const voice = voiceOf(request, settings);
  const { t } = voice;
  const type = t(`requestTypes.${request.type}.label`);
  const lead = {
    receipt: t('mail.receipt', { type, reference: request.reference }),
    duplicate: t('mail.duplicateUnverified', { type, reference: request.reference }),
    resend: t('mail.resend', { reference: request.reference }),
  }[kind];
  const agent = request.requester_role === 'representative' && request.subject_email;
  const paragraphs = [lead];
  if (agent && options.forSubject) {
    paragraphs.push(t('mail.agentNotice', { agent: request.name, relationship: t(`relationships.${request.agent_relationship ?? 'other'}`) }));
  }
  paragraphs.push(t('mail.confirmExplain'), t('mail.confirmValidity'));
  if (agent && !options.forSubject) paragraphs.push(t('mail.agentCopy', { subject: request.subject_name ?? request.subject_email }));
  const content = render(voice, {
    preheader: t('mail.confirmPreheader'),
    heading: t('mail.confirmHeading'),
    paragraphs,
    action: { label: t('mail.confirmAction'), url: `${settings.publicUrl}/verify/${token}` },
    footer: footer(voice, { unconfirmed: true }),
  });
  await queueMail(trx, { to: options.to ?? request.email, subject: subjectLine(voice, request, t('mail.confirmHeading')), ...content });
}

/** The private link to a request that is already confirmed (a duplicate, or a lost link). */
export async function mailStatusLink(
  trx: DB,
  request: RequestRow,
  settings: MailSettings,
  kind: 'duplicate' | 'resend',
  token: string,
) {
  const voice = voiceOf(request, settings);
  const { t, lang } = voice;
  const content = render(voice, {
    heading: t('mail.yourRequest', { reference: request.reference }),
    paragraphs: [
      kind === 'duplicate'
        ? t('mail.duplicateOpen', { type: t(`requestTypes.${request.type}.label`), reference: request.reference })
        : t('mail.newStatusLink', { reference: request.reference }),
      ...(request.due_date ? [t('mail.answerBy', { date: formatDeadline(lang, request.due_date) })] : []),
    ],
    action: { label: t('mail.seeRequest'), url: `${settings.publicUrl}/status/s/${token}` },
    // Confirmed: no word about unconfirmed requests expiring.
    footer: footer(voice, { unconfirmed: false }),
  });
  await queueMail(trx, { to: request.email, subject: subjectLine(voice, request, t('status.pageTitle')), ...content });
}

const TRANSITION_MAILS: readonly RequestAction[] = ['verify', 'start', 'request_information', 'resume', 'complete', 'deny', 'withdraw'];

/** Tells the subject about a change of state they should know of; quiet for those they made or that need no word. */
export async function mailTransition(
  trx: DB,
  request: RequestRow,
  action: RequestAction,
  details: { note?: string | null; actor: string; verificationLevels?: VerificationLevelPolicy } & MailSettings,
) {
  // Expiry goes to an address never proven. A reply of the subject's own is acknowledged,
  // because resuming moves the due date and the subject is owed the new one.
  if (!TRANSITION_MAILS.includes(action)) return;
  // A subject reached by post only gets letters, printed from the timeline (issue 21).
  if (request.email === '') return;
  const voice = voiceOf(request, details);
  const { t, lang } = voice;
  const heading = t(`mail.headings.${action}`);
  const paragraphs = [`${t(`timeline.${action}`)} ${t('mail.referenceLine', { reference: request.reference })}`];
  if (action === 'complete') paragraphs.push(...subjectOutcomeLines(t, request));
  if (details.note) paragraphs.push(details.note);
  if (request.due_date && (action === 'verify' || action === 'resume' || action === 'start')) {
    paragraphs.push(t('mail.answerBy', { date: formatDeadline(lang, request.due_date) }));
  }
  if (action === 'request_information') paragraphs.push(t('mail.pausedReply'));
  if (action === 'verify') {
    // Confirmed, but below the level its type needs: what will raise it (issue 21.3).
    const level = await levelStatus(trx, request, { verificationLevels: details.verificationLevels });
    if (level.step) {
      const key = actsForAnotherPerson(request) ? 'agent' : { sign_in: 'mailSignIn', code: 'mailCode', staff: 'mailStaff' }[level.step];
      paragraphs.push(t(`verification.${key}`));
    }
  }
  const content = render(voice, {
    heading,
    paragraphs,
    action: {
      label: action === 'request_information' ? t('mail.reply') : t('mail.seeRequest'),
      url: await statusLink(trx, request, details.publicUrl),
    },
    footer: footer(voice, { unconfirmed: false }),
  });
  await queueMail(trx, { to: request.email, subject: subjectLine(voice, request, heading), ...content });
}

export async function mailExtension(trx: DB, request: RequestRow, settings: MailSettings) {
  if (request.email === '') return;
  const voice = voiceOf(request, settings);
  const { t, lang } = voice;
  const content = render(voice, {
    heading: t('mail.extendedHeading'),
    paragraphs: [
      t('mail.extended', { count: request.extension_months, reference: request.reference }),
      t('mail.reason', { reason: request.extension_reason ?? '' }),
      ...(request.due_date ? [t('mail.newAnswerBy', { date: formatDeadline(lang, request.due_date) })] : []),
    ],
    action: { label: t('mail.seeRequest'), url: await statusLink(trx, request, settings.publicUrl) },
    footer: footer(voice, { unconfirmed: false }),
  });
  await queueMail(trx, { to: request.email, subject: subjectLine(voice, request, t('mail.extendedSubject')), ...content });
}

/**
 * The last email to a person whose data was erased: the answer and what was erased and kept,
 * with no link (the status link and the account go with the erasure). Its outbox id, or null for
 * a subject reached by post only, who gets the answer as the timeline's last letter (issue 21).
 */
export async function mailErasureDone(trx: DB, request: RequestRow, note: string, settings: MailSettings): Promise<string | null> {
  if (request.email === '') return null;
  const voice = voiceOf(request, settings);
  const { t } = voice;
  const heading = t('mail.headings.complete');
  const content = render(voice, {
    heading,
    paragraphs: [`${t('timeline.complete')} ${t('mail.referenceLine', { reference: request.reference })}`, note],
    footer: footer(voice, { unconfirmed: false }),
  });
  return queueMail(trx, { to: request.email, subject: subjectLine(voice, request, heading), ...content });
}

/** The one-time code of `account+code`, to the subject's address only, in their language. */
export async function mailVerificationCode(trx: DB, request: RequestRow, code: string, settings: MailSettings) {
  const voice = voiceOf(request, settings);
  const { t } = voice;
  const content = render(voice, {
    heading: t('verification.codeHeading'),
    paragraphs: [
      t('verification.codeBody', { reference: request.reference, code, minutes: VERIFICATION_CODE.lifetimeMinutes }),
      t('verification.codeNever'),
    ],
    footer: footer(voice, { unconfirmed: false }),
  });
  await queueMail(trx, { to: subjectAddressOf(request), subject: t('verification.codeSubject', { reference: request.reference }), ...content });
}
