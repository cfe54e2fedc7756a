/**
 * The life of a data-subject request, as one pure state machine (DESIGN.md, "Request
 * lifecycle"). Every change of state goes through `nextState`, which throws on anything not
 * listed here: an illegal transition is a bug or an attack, never a silent no-op. The
 * database side (`applyTransition` in `transitions.server.ts`) appends a timeline event for each.
 */
export const REQUEST_STATES = [
  'unverified',
  'open',
  'in_progress',
  'awaiting_subject',
  'completed',
  'denied',
  'withdrawn',
  'expired',
] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

export const ACTORS = ['subject', 'staff', 'system'] as const;
export type Actor = (typeof ACTORS)[number];

type Transition = { from: readonly RequestState[]; to: RequestState; by: readonly Actor[] };

export const TRANSITIONS = {
  /** The subject confirmed the email link (or filed while signed in: `system`). The clock starts. */
  verify: { from: ['unverified'], to: 'open', by: ['subject', 'system'] },
  /** Never verified within 7 days. */
  expire: { from: ['unverified'], to: 'expired', by: ['system'] },
  /**
   * Staff close a request whose address was never proven (spam, a test, a typo) before the
   * 7 days run out. It ends where expiry ends, `expired`: nothing was ever received in law
   * (the clock never started), and the same retention follows. Not `deny`: a refusal is an
   * answer owed to a proven subject, with an Art. 12(4) notice, and here nobody is proven.
   */
  close_unverified: { from: ['unverified'], to: 'expired', by: ['staff'] },
  start: { from: ['open'], to: 'in_progress', by: ['staff'] },
  /** Staff need something from the subject: the clock pauses. */
  request_information: { from: ['in_progress'], to: 'awaiting_subject', by: ['staff'] },
  /** The subject answered (or staff resume without an answer): the clock runs again. */
  resume: { from: ['awaiting_subject'], to: 'in_progress', by: ['subject', 'staff'] },
  complete: { from: ['in_progress'], to: 'completed', by: ['staff'] },
  deny: { from: ['open', 'in_progress', 'awaiting_subject'], to: 'denied', by: ['staff'] },
  withdraw: { from: ['open', 'in_progress', 'awaiting_subject'], to: 'withdrawn', by: ['subject'] },
} as const satisfies Record<string, Transition>;

export type RequestAction = keyof typeof TRANSITIONS;
export const REQUEST_ACTIONS = Object.keys(TRANSITIONS) as RequestAction[];

export class IllegalTransitionError extends Error {
  override name = 'IllegalTransitionError';
  constructor(
    readonly from: RequestState,
    readonly action: string,
    readonly actor: Actor,
  ) {
    super(`A request that is ${from} cannot be sent "${action}" by ${actor}`);
  }
}

export function canTransition(from: RequestState, action: RequestAction, actor: Actor): boolean {
  const t: Transition | undefined = TRANSITIONS[action];
  return t !== undefined && t.from.includes(from) && t.by.includes(actor);
}

/** The state after `action`; throws IllegalTransitionError when the pair is not allowed. */
export function nextState(from: RequestState, action: RequestAction, actor: Actor): RequestState {
  if (!canTransition(from, action, actor)) throw new IllegalTransitionError(from, action, actor);
  return TRANSITIONS[action].to;
}

export function availableActions(state: RequestState, actor: Actor): RequestAction[] {
  return REQUEST_ACTIONS.filter((action) => canTransition(state, action, actor));
}

const CLOSED: readonly RequestState[] = ['completed', 'denied', 'withdrawn', 'expired'];

/** No further transitions: the retention clocks (attachments, personal data) start here. */
export function isClosed(state: RequestState): boolean {
  return CLOSED.includes(state);
}

/** Not closed: a new request of the same type for the same email is a duplicate of this one. */
export const ACTIVE_STATES: readonly RequestState[] = REQUEST_STATES.filter((s) => !CLOSED.includes(s));

/** The statutory clock runs only between verification and the end, except while paused. */
export function isClockRunning(state: RequestState): boolean {
  return state === 'open' || state === 'in_progress';
}

export function isClockPaused(state: RequestState): boolean {
  return state === 'awaiting_subject';
}

/** Filed but the email address not yet proven: no clock, expires after the link's lifetime. */
export function isUnverified(state: RequestState): boolean {
  return state === 'unverified';
}

/** Verified and not yet closed: the deadline exists and may be extended. */
export function isVerifiedAndOpen(state: RequestState): boolean {
  return isClockRunning(state) || isClockPaused(state);
}

/** Staff asked the subject a question: only now may the subject reply. */
export function isAwaitingSubject(state: RequestState): boolean {
  return isClockPaused(state);
}

/** Staff's words for each state (the subject reads `states.*` in their language). */
export const STATE_LABELS: Record<RequestState, string> = {
  unverified: 'Waiting for email confirmation',
  open: 'Received',
  in_progress: 'In progress',
  awaiting_subject: 'Waiting for the subject',
  completed: 'Completed',
  denied: 'Refused',
  withdrawn: 'Withdrawn',
  expired: 'Expired (email never confirmed)',
};

/** What the subject reads in the timeline and in the email for each transition. */
export const TRANSITION_MESSAGES: Record<RequestAction, string> = {
  verify: 'Email address confirmed; the statutory deadline started.',
  expire: 'The email address was not confirmed within 7 days; the request expired.',
  close_unverified: 'The privacy team closed the request because the email address was never confirmed.',
  start: 'The privacy team started working on the request.',
  request_information: 'The privacy team asked you for more information; the deadline is paused until you reply.',
  resume: 'Work on the request resumed; the deadline runs again.',
  complete: 'The request was completed.',
  deny: 'The request was refused.',
  withdraw: 'The request was withdrawn.',
};
