/**
 * Every rate limit, lockout, link lifetime and retention period the portal applies, in one
 * table a data-protection officer can read and an auditor can check against the privacy
 * notice. The code that enforces each one imports it from here; nothing else holds a number.
 */

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** At most `limit` hits per `windowSeconds`, counted in the database for every instance. */
export type RateLimit = { limit: number; windowSeconds: number };

/** Sign-in throttling: a few free failures, then a doubling delay, then a lockout. */
export type ThrottleLimits = {
  freeFailures: number;
  lockoutAfter: number;
  lockoutSeconds: number;
  maxDelaySeconds: number;
};

export const RATE_LIMITS = {
  /** New requests: generous for people (a household behind one address, a few retries), tight for scripts. */
  requestIntake: {
    perAddress: { limit: 20, windowSeconds: HOUR },
    perEmail: { limit: 5, windowSeconds: HOUR },
  },
  /** "Email me a new link": enough for a lost email, too few to flood a mailbox. */
  verificationResend: {
    perAddress: { limit: 10, windowSeconds: HOUR },
    perLink: { limit: 3, windowSeconds: HOUR },
  },
  /** A new account-confirmation link, per account. */
  accountEmailResend: { limit: 3, windowSeconds: HOUR },
  /** Subprocessor email alerts: sign-ups per client address. */
  subprocessorSubscribe: { limit: 10, windowSeconds: HOUR },
  /** Service-status email alerts (and following an incident): sign-ups per client address. */
  statusSubscribe: { limit: 10, windowSeconds: HOUR },
  /** Objections to a planned subprocessor change, per client address. */
  subprocessorObjection: { limit: 5, windowSeconds: HOUR },
  /** "Forgot password": per address typed and per client, so neither one inbox nor one client can flood. */
  passwordReset: {
    perEmail: { limit: 3, windowSeconds: HOUR },
    perAddress: { limit: 10, windowSeconds: HOUR },
  },
  /** "Lost your link" on /status: fresh status links by email. */
  statusLinkResend: {
    perEmail: { limit: 3, windowSeconds: HOUR },
    perAddress: { limit: 10, windowSeconds: HOUR },
  },
  /** Sign-up with a registered address mails its owner; at most this often, so sign-up cannot flood an inbox. */
  signUpExistingNotice: { limit: 1, windowSeconds: HOUR },
} as const satisfies Record<string, RateLimit | Record<string, RateLimit>>;

export const SIGN_IN_THROTTLE: { account: ThrottleLimits; ip: ThrottleLimits; forgetAfterSeconds: number } = {
  account: { freeFailures: 4, lockoutAfter: 10, lockoutSeconds: 15 * MINUTE, maxDelaySeconds: 60 },
  // One address may be a whole office behind NAT: looser, but still bounded.
  ip: { freeFailures: 20, lockoutAfter: 100, lockoutSeconds: 15 * MINUTE, maxDelaySeconds: 60 },
  /** Failure counters are forgotten this long after the last failure. */
  forgetAfterSeconds: HOUR,
};

/** Idle and absolute session lifetimes per role: staff see other people's data, so theirs are shorter. */
export const SESSION_LIFETIMES = {
  subject: { idleSeconds: HOUR, absoluteSeconds: DAY },
  staff: { idleSeconds: 20 * MINUTE, absoluteSeconds: 8 * HOUR },
  admin: { idleSeconds: 20 * MINUTE, absoluteSeconds: 8 * HOUR },
} as const;

/** How long a link that carries a credential works. */
export const LINK_LIFETIME_DAYS = {
  /** A request's email-verification link (single use). */
  requestVerification: 7,
  /** An account's email-confirmation link (single use). */
  accountEmailConfirmation: 7,
  /** A subprocessor-alert subscription's confirmation link. */
  subscriptionConfirmation: 7,
  /** A request's private status link, counted from the day the request closed (it works while the request is open). */
  statusLinkAfterClose: 30,
  /** An administrator's emailed invitation to become staff or admin (single use, revocable). */
  staffInvitation: 7,
} as const;

/**
 * The one-time link a starting portal shows while no administrator exists (single use, void
 * once an administrator exists): a day to use it; a restart shows a new one.
 */
export const ADMIN_SETUP_LINK_HOURS = 24;

/** A password reset link (single use): long enough to find the mail, short enough to go stale. */
export const PASSWORD_RESET_LINK_MINUTES = 60;

/** How long personal data is kept, and when it goes. */
export const RETENTION_DAYS = {
  /** A request never verified expires when its link does, and its personal data is deleted this long after it was filed. */
  unverifiedRequestPersonalData: 30,
  /** Attachments of a request (both directions) are deleted this long after the request closed. */
  requestAttachmentsAfterClose: 30,
  /** Subprocessor-alert subscriptions never confirmed are deleted (RETENTION_UNCONFIRMED_SUBSCRIPTION_DAYS). */
  unconfirmedSubscription: 7,
  /** Closed requests are anonymised to a proof record: 3 years, the usual limitation period (RETENTION_CLOSED_REQUEST_DAYS). */
  closedRequest: 1095,
  /** Sent or failed outgoing-mail rows are deleted (RETENTION_MAIL_OUTBOX_DAYS). */
  mailOutbox: 30,
  /** Expired request links are deleted this long after expiry, so a late click still hears "expired". */
  expiredRequestLinkGrace: 7,
  /** The record that a staff member was sent the day's deadline reminder (their address, the day). */
  reminderSends: 30,
  /** Staff invitations (the invitee's address) and setup links, once accepted, revoked or expired. */
  spentInvitations: 30,
  /** Privacy-mailbox items (the message, its .eml and attachments) after they arrived, handled or not (RETENTION_INBOX_DAYS). A request made from one keeps its own copy of the .eml. */
  inboxItems: 90,
} as const;

/** The daily deadline reminder to staff: requests due within this many days are listed (overdue ones always). */
export const REMINDER_DUE_WITHIN_DAYS = 7;
/** Requests listed per section of a reminder; the rest are counted, and the queue holds them all. */
export const REMINDER_MAIL_MAX_ROWS = 100;

/**
 * Access (Art. 15) and portability (Art. 20) packages: how long and how often the subject may
 * download one (then a job deletes the file), and what staff may upload into it.
 */
export const ACCESS_PACKAGE = {
  downloadDays: 7,
  maxDownloads: 5,
  /** Each file staff upload from another system (CSV, JSON, PDF, PNG, JPEG). */
  maxFileBytes: 20 * 1024 * 1024,
  /** Files per request; with the size above, a package stays well under what one request may hold in memory. */
  maxFiles: 10,
} as const;

/** Encrypted backups kept in BACKUP_DIR before the oldest is deleted (BACKUP_KEEP). */
export const BACKUPS_KEPT = 14;

/** Requests one bulk action on the staff queue may close at once (one transaction each). */
export const BULK_ACTION_LIMIT = 200;

/** Milliseconds in `days` whole days, for the timestamps the jobs above are scheduled at. */
export function daysMs(days: number): number {
  return days * DAY * 1000;
}

/**
 * The identity level each request type needs before staff may start it (issue 21.3), with and
 * without an account that proved the address (for an agent's request: the subject's address).
 * `email`: the link; `account`: made or confirmed signed in to that account; `account+code`: as
 * account, plus a one-time code mailed to the address; `manual`: staff record how they checked.
 * `manual` satisfies every level; see docs/decisions/215-verification-levels.md.
 */
export const VERIFICATION_LEVEL_POLICY = {
  access: { withAccount: 'account', withoutAccount: 'email' },
  portability: { withAccount: 'account', withoutAccount: 'email' },
  erasure: { withAccount: 'account', withoutAccount: 'email' },
  rectification: { withAccount: 'email', withoutAccount: 'email' },
  restriction: { withAccount: 'email', withoutAccount: 'email' },
  objection: { withAccount: 'email', withoutAccount: 'email' },
} as const satisfies Record<string, { withAccount: VerificationLevelName; withoutAccount: VerificationLevelName }>;
export type VerificationLevelName = 'email' | 'account' | 'account+code' | 'manual';
export type VerificationLevelPolicy = Record<keyof typeof VERIFICATION_LEVEL_POLICY, { withAccount: VerificationLevelName; withoutAccount: VerificationLevelName }>;

/** The one-time code of `account+code`: short enough to type, so few tries and a short life. */
export const VERIFICATION_CODE = {
  digits: 8,
  lifetimeMinutes: 15,
  maxAttempts: 5,
  /** Codes mailed per request per hour. */
  perRequest: { limit: 3, windowSeconds: HOUR },
} as const;
