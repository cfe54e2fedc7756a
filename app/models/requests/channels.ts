import type { RequestChannel } from '../../../db/schema';

/**
 * How a request reached the organisation. A request is as valid whatever the channel (EDPB
 * guidelines on the right of access); the public form files `web`, and staff logging a request
 * received by email, letter, phone or in person name its channel. A CHECK in migration 0140
 * holds the same list.
 */
export const REQUEST_CHANNELS = ['web', 'email', 'letter', 'phone', 'in_person', 'other'] as const satisfies readonly RequestChannel[];
export type { RequestChannel };

/** Staff pages' words for each channel. */
export const CHANNEL_LABELS: Record<RequestChannel, string> = {
  web: 'Web form',
  email: 'Email',
  letter: 'Letter',
  phone: 'Phone',
  in_person: 'In person',
  other: 'Other',
};

export function isRequestChannel(value: unknown): value is RequestChannel {
  return typeof value === 'string' && (REQUEST_CHANNELS as readonly string[]).includes(value);
}

/** The channels staff log a request from (everything but the form). */
export const LOGGED_CHANNELS = REQUEST_CHANNELS.filter((c) => c !== 'web') as Array<Exclude<RequestChannel, 'web'>>;
export type LoggedChannel = (typeof LOGGED_CHANNELS)[number];

/** A receipt staff date further back than this many days, or any in the future, needs their reason (issue 21). */
export const RECEIPT_GRACE_DAYS = 3;
