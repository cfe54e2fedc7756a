import type { Transaction } from 'kysely';
import type { DB } from '../../../db/client';
import type { Database } from '../../../db/schema';
import { queueMail, renderMail } from '~/models/mail.server';
import { organisationFooter, type MailSettings } from '~/models/requests/mail.server';
import { DEMO_ORGANISATION } from '~/utils/env.server';
import { DEFAULT_LANGUAGE, tFor, type Language } from '~/utils/i18n';

/**
 * The emails that tell an account's owner what happened to it. Each goes to the address on the
 * account, so a person who did not make the change learns of it and can act. Each is written
 * in the language of the page that caused it (accounts do not store one), and ends with the
 * organisation's contact and supervisory authority like every request email.
 */
type Db = DB | Transaction<Database>;
export type AccountMailSettings = MailSettings;

type Mail = {
  to: string;
  subject: string;
  content: Omit<Parameters<typeof renderMail>[0], 'lang' | 'buttonFallback' | 'footer'>;
  /** Lines above the organisation's contact, after the line saying why this email came. */
  note?: string;
};

function accountMail(settings: AccountMailSettings, lang: Language, build: (t: ReturnType<typeof tFor>, org: string) => Mail) {
  const t = tFor(lang);
  const org = settings.organisation ?? DEMO_ORGANISATION;
  const mail = build(t, org.name);
  return {
    to: mail.to,
    subject: mail.subject,
    ...renderMail({
      ...mail.content,
      lang,
      buttonFallback: t('mail.buttonFallback'),
      footer: [t('accountMail.footerWhy', { org: org.name }), ...(mail.note ? [mail.note] : []), ...organisationFooter(t, org)],
    }),
  };
}

/** Sign-up with an address that already has an account: the owner is told, the visitor learns nothing. */
export async function mailSignUpAttempt(db: Db, settings: AccountMailSettings, to: string, lang: Language = DEFAULT_LANGUAGE) {
  await queueMail(
    db,
    accountMail(settings, lang, (t, org) => ({
      to,
      subject: t('accountMail.signUpExistingSubject'),
      content: {
        heading: t('accountMail.signUpExistingHeading'),
        paragraphs: [t('accountMail.signUpExisting', { email: to, org }), t('accountMail.signUpExistingSignIn', { url: `${settings.publicUrl}/login` })],
        action: { label: t('accountMail.resetMyPassword'), url: `${settings.publicUrl}/forgot-password` },
      },
      note: t('accountMail.signUpExistingIgnore'),
    })),
  );
}

export async function mailPasswordResetLink(
  db: Db,
  settings: AccountMailSettings,
  input: { to: string; token: string; lifetimeMinutes: number; lang?: Language },
) {
  const { to } = input;
  await queueMail(
    db,
    accountMail(settings, input.lang ?? DEFAULT_LANGUAGE, (t, org) => ({
      to,
      subject: t('accountMail.resetSubject'),
      content: {
        preheader: t('accountMail.resetPreheader'),
        heading: t('accountMail.resetHeading'),
        paragraphs: [t('accountMail.reset', { email: to, org }), t('accountMail.resetValidity', { minutes: input.lifetimeMinutes })],
        action: { label: t('accountMail.resetAction'), url: `${settings.publicUrl}/reset-password/${input.token}` },
      },
      note: t('accountMail.resetIgnore'),
    })),
  );
}

/** Sent whenever the password changes, by the owner or by a reset. */
export async function mailPasswordChanged(
  db: Db,
  settings: AccountMailSettings,
  input: { to: string; how: 'changed' | 'reset'; lang?: Language },
) {
  const { to } = input;
  await queueMail(
    db,
    accountMail(settings, input.lang ?? DEFAULT_LANGUAGE, (t) => ({
      to,
      subject: t('accountMail.changedSubject'),
      content: {
        heading: t('accountMail.changedHeading'),
        paragraphs: [
          input.how === 'reset' ? t('accountMail.changedByReset', { email: to }) : t('accountMail.changedByOwner', { email: to }),
          t('accountMail.notYou'),
        ],
        action: { label: t('accountMail.resetMyPassword'), url: `${settings.publicUrl}/forgot-password` },
      },
    })),
  );
}

/** The single-use link that proves an account's address. */
export async function mailEmailConfirmation(
  db: Db,
  settings: AccountMailSettings,
  input: { to: string; url: string; lifetimeDays: number; lang?: Language },
) {
  const { to } = input;
  await queueMail(
    db,
    accountMail(settings, input.lang ?? DEFAULT_LANGUAGE, (t, org) => ({
      to,
      subject: t('accountMail.confirmSubject'),
      content: {
        preheader: t('accountMail.confirmPreheader'),
        heading: t('accountMail.confirmHeading'),
        paragraphs: [t('accountMail.confirm', { email: to, org }), t('accountMail.confirmWhy', { days: input.lifetimeDays })],
        action: { label: t('accountMail.confirmAction'), url: input.url },
      },
      note: t('accountMail.confirmIgnore'),
    })),
  );
}
