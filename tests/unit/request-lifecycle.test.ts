import { describe, expect, it } from 'vitest';
import {
  ACTIVE_STATES,
  ACTORS,
  availableActions,
  canTransition,
  IllegalTransitionError,
  isClockPaused,
  isClockRunning,
  isClosed,
  nextState,
  REQUEST_ACTIONS,
  REQUEST_STATES,
  STATE_LABELS,
  TRANSITION_MESSAGES,
  type Actor,
  type RequestAction,
  type RequestState,
} from '../../app/models/requests/lifecycle';

/** The lifecycle of DESIGN.md written out by hand: every legal (state, action, actor) and where it leads. */
const LEGAL: Array<[RequestState, RequestAction, Actor, RequestState]> = [
  ['unverified', 'verify', 'subject', 'open'],
  ['unverified', 'verify', 'system', 'open'],
  ['unverified', 'expire', 'system', 'expired'],
  ['unverified', 'close_unverified', 'staff', 'expired'],
  ['open', 'start', 'staff', 'in_progress'],
  ['open', 'deny', 'staff', 'denied'],
  ['open', 'withdraw', 'subject', 'withdrawn'],
  ['in_progress', 'request_information', 'staff', 'awaiting_subject'],
  ['in_progress', 'complete', 'staff', 'completed'],
  ['in_progress', 'deny', 'staff', 'denied'],
  ['in_progress', 'withdraw', 'subject', 'withdrawn'],
  ['awaiting_subject', 'resume', 'subject', 'in_progress'],
  ['awaiting_subject', 'resume', 'staff', 'in_progress'],
  ['awaiting_subject', 'deny', 'staff', 'denied'],
  ['awaiting_subject', 'withdraw', 'subject', 'withdrawn'],
];

const key = (s: string, a: string, r: string) => `${s} ${a} ${r}`;
const legal = new Map(LEGAL.map(([s, a, r, to]) => [key(s, a, r), to]));

const everyTriple = REQUEST_STATES.flatMap((state) =>
  REQUEST_ACTIONS.flatMap((action) => ACTORS.map((actor) => [state, action, actor] as const)),
);

describe('the request state machine', () => {
  it('has the eight states and nine actions of the design', () => {
    expect([...REQUEST_STATES].sort()).toEqual(
      ['awaiting_subject', 'completed', 'denied', 'expired', 'in_progress', 'open', 'unverified', 'withdrawn'].sort(),
    );
    expect([...REQUEST_ACTIONS].sort()).toEqual(
      ['close_unverified', 'complete', 'deny', 'expire', 'request_information', 'resume', 'start', 'verify', 'withdraw'].sort(),
    );
    expect(everyTriple).toHaveLength(8 * 9 * 3);
  });

  it.each(LEGAL)('%s --%s by %s--> %s', (from, action, actor, to) => {
    expect(canTransition(from, action, actor)).toBe(true);
    expect(nextState(from, action, actor)).toBe(to);
  });

  const illegal = everyTriple.filter(([s, a, r]) => !legal.has(key(s, a, r)));

  it('has exactly 200 illegal triples', () => {
    expect(illegal).toHaveLength(8 * 9 * 3 - LEGAL.length);
  });

  it.each(illegal)('%s --%s by %s--> throws', (from, action, actor) => {
    expect(canTransition(from, action, actor)).toBe(false);
    expect(() => nextState(from, action, actor)).toThrow(IllegalTransitionError);
  });

  it('names the state, action and actor in the error', () => {
    try {
      nextState('completed', 'withdraw', 'subject');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(IllegalTransitionError);
      expect((error as IllegalTransitionError).from).toBe('completed');
      expect((error as Error).message).toBe('A request that is completed cannot be sent "withdraw" by subject');
    }
  });

  it('refuses an action it does not know', () => {
    expect(canTransition('open', 'teleport' as RequestAction, 'staff')).toBe(false);
    expect(() => nextState('open', 'teleport' as RequestAction, 'staff')).toThrow(IllegalTransitionError);
  });

  it('closed states are final', () => {
    for (const state of ['completed', 'denied', 'withdrawn', 'expired'] as const) {
      expect(isClosed(state)).toBe(true);
      for (const actor of ACTORS) expect(availableActions(state, actor)).toEqual([]);
    }
    for (const state of ['unverified', 'open', 'in_progress', 'awaiting_subject'] as const) {
      expect(isClosed(state)).toBe(false);
    }
    expect([...ACTIVE_STATES].sort()).toEqual(['awaiting_subject', 'in_progress', 'open', 'unverified']);
  });

  it('lists what each actor may do', () => {
    expect(availableActions('open', 'subject')).toEqual(['withdraw']);
    expect(availableActions('awaiting_subject', 'subject').sort()).toEqual(['resume', 'withdraw']);
    expect(availableActions('in_progress', 'staff').sort()).toEqual(['complete', 'deny', 'request_information']);
    expect(availableActions('unverified', 'system').sort()).toEqual(['expire', 'verify']);
    expect(availableActions('unverified', 'subject')).toEqual(['verify']);
    expect(availableActions('unverified', 'staff')).toEqual(['close_unverified']);
  });

  it('runs the clock only while open or in progress, and pauses it while awaiting the subject', () => {
    const running = REQUEST_STATES.filter(isClockRunning);
    expect(running).toEqual(['open', 'in_progress']);
    expect(REQUEST_STATES.filter(isClockPaused)).toEqual(['awaiting_subject']);
  });

  it('has a label for every state and a message for every action', () => {
    for (const state of REQUEST_STATES) expect(STATE_LABELS[state]).toMatch(/\w/);
    for (const action of REQUEST_ACTIONS) expect(TRANSITION_MESSAGES[action]).toMatch(/\.$/);
  });
});
