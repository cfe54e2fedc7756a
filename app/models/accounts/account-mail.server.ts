import type { Transaction } from 'kysely';
import type { DB } from '../../../db/client';
import type { Database } from '../../../db/schema';
import type { Config } from '~/utils/env.server';
import { queueMail, renderMail } from '~/models/mail.server';

/**
 * The emails that tell an account's owner what happened to it. Each goes to the address on the
 * account, so a person who did not make the change learns of it and can act.
 */
type Db = DB | Transaction<Database>;
type Links = Pick<Config, 'publicUrl'>;

const NOT_YOU = 'If this was not you, reset your password now and sign out everywhere from your account page.';

/** Sign-up with an address that already has an account: the owner is told, the visitor learns nothing. */
export async function mailSignUpAttempt(db: Db, config: Links, to: string) {
  await queueMail(db, {
    to,
    subject: 'Someone tried to create an account with your address',
    ...renderMail({
      heading: 'You already have an account',
      paragraphs: [
        `Someone, probably you, tried to create a Privacy Portal account for ${to}. That address already has an account, so nothing was changed.`,
        `Sign in at ${config.publicUrl}/login. If you have forgotten your password, you can reset it.`,
      ],
      action: { label: 'Reset my password', url: `${config.publicUrl}/forgot-password` },
      footer: ['If this was not you, you can ignore this message: your account is unchanged.'],
    }),
  });
}

export async function mailPasswordResetLink(db: Db, config: Links, to: string, token: string, lifetimeMinutes: number) {
  await queueMail(db, {
    to,
    subject: 'Reset your password',
    ...renderMail({
      preheader: 'A link to choose a new password for your Privacy Portal account.',
      heading: 'Reset your password',
      paragraphs: [
        `Someone, probably you, asked to reset the password of the Privacy Portal account for ${to}.`,
        `The link works once, for ${lifetimeMinutes} minutes. Resetting signs you out everywhere.`,
      ],
      action: { label: 'Choose a new password', url: `${config.publicUrl}/reset-password/${token}` },
      footer: ['If you did not ask for this, ignore this message: your password stays as it is.'],
    }),
  });
}

/** Sent whenever the password changes, by the owner or by a reset. */
export async function mailPasswordChanged(db: Db, config: Links, to: string, how: 'changed' | 'reset') {
  await queueMail(db, {
    to,
    subject: 'Your password was changed',
    ...renderMail({
      heading: 'Your password was changed',
      paragraphs: [
        how === 'reset'
          ? `The password of the Privacy Portal account for ${to} was reset with a link sent to this address. Every session was signed out.`
          : `The password of the Privacy Portal account for ${to} was changed. Every other session was signed out.`,
        NOT_YOU,
      ],
      action: { label: 'Reset my password', url: `${config.publicUrl}/forgot-password` },
    }),
  });
}
