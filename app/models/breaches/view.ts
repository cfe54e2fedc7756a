import { formatInstant, timeLeft, type NotificationState } from '~/models/breaches/rules';

/**
 * How a breach's standing reads on a page or in the staff home: words first (never colour
 * alone), instants in the portal's zone with the zone named. Plain strings, built on the
 * server, so the browser renders exactly what the server did.
 */
export type StateView = { label: string; tone: 'overdue' | 'soon' | 'fine' | 'paused'; detail: string | null };

export function describeState(state: NotificationState, timeZone: string, now: Date): StateView {
  switch (state.kind) {
    case 'notified':
      return {
        label: state.late ? 'Notified late' : 'Notified on time',
        tone: state.late ? 'overdue' : 'fine',
        detail: `First filed ${formatInstant(state.firstFiledAt, timeZone)}`,
      };
    case 'not_notified':
      return { label: 'Not notified (reason recorded)', tone: 'paused', detail: null };
    case 'pending': {
      const soon = state.deadline.getTime() - now.getTime() < 24 * 3_600_000;
      return {
        label: state.overdue ? `Notification ${timeLeft(state.deadline, now)}` : `Notify by the deadline: ${timeLeft(state.deadline, now)}`,
        tone: state.overdue ? 'overdue' : soon ? 'soon' : 'fine',
        detail: `Deadline ${formatInstant(state.deadline, timeZone)}`,
      };
    }
    case 'controller_told':
      return { label: 'Controller told (we are processor)', tone: 'fine', detail: formatInstant(state.at, timeZone) };
    case 'controller_pending':
      return {
        label: 'Tell the controller without undue delay (we are processor)',
        tone: 'soon',
        detail: `Aware since ${formatInstant(state.since, timeZone)}`,
      };
  }
}

export type AttentionView = { id: string; reference: string; title: string; state: StateView; note: string | null };

/** The staff home's list of breaches owing a notification or an Art. 34 communication. */
export function attentionView(
  items: ReadonlyArray<{ id: string; reference: string; title: string; state: NotificationState; high: boolean; unassessed: boolean }>,
  timeZone: string,
  now: Date,
): AttentionView[] {
  return items.map((i) => {
    const notes = [
      i.unassessed ? 'risk not yet assessed (not the same as no risk)' : null,
      i.high ? 'high risk: the people affected are not yet told (Art. 34)' : null,
    ].filter(Boolean);
    return { id: i.id, reference: i.reference, title: i.title, state: describeState(i.state, timeZone, now), note: notes.length ? notes.join('; ') : null };
  });
}
