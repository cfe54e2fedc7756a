import type { SystemTaskOutcome, SystemTaskState } from '../../../db/schema';

/**
 * The words and lists the connected-systems pages render (issue 19). Kept out of the `.server`
 * modules so that the browser bundle has them too.
 */
export const OUTCOME_LABELS: Record<SystemTaskOutcome, string> = {
  data: 'Holds data about the person',
  no_data: 'Holds no data about the person',
  erased: 'Erased the person’s data',
  refused: 'Refused (with a reason)',
};

export const TASK_STATE_LABELS: Record<SystemTaskState, string> = {
  pending: 'Pending',
  sent: 'Sent',
  waiting: 'Waiting for the answer',
  answered: 'Answered',
  skipped: 'Skipped',
  failed: 'Failed (retrying)',
  dead: 'Dead letter',
  cancelled: 'Cancelled',
};

/** States in which a task still owes an answer. */
export const OPEN_TASK_STATES: readonly SystemTaskState[] = ['pending', 'sent', 'waiting', 'failed', 'dead'];

export const SYSTEM_KINDS = ['webhook', 'opendsr', 'manual', 'none'] as const;
export const KIND_LABELS: Record<(typeof SYSTEM_KINDS)[number], string> = {
  webhook: 'Signed webhook (Standard Webhooks) with a callback',
  opendsr: 'OpenDSR processor',
  manual: 'A task mailed to its owner',
  none: 'None: staff reach it and record its answer',
};
export const IDENTITY_KINDS = ['email', 'account_id', 'name', 'identifiers'] as const;
export const IDENTITY_LABELS: Record<(typeof IDENTITY_KINDS)[number], string> = {
  email: 'Email address',
  account_id: 'Account id',
  name: 'Name',
  identifiers: 'Other identifiers the subject gave',
};
