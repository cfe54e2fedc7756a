import type { Closing } from '~/models/requests/deadlines';
import { formatDueDate } from '~/models/requests/deadlines';

/** Days left as words and a colour, never colour alone: overdue, due within 7 days, or fine. */
export function DueBadge({ daysLeft, paused }: { daysLeft: number | null; paused?: boolean }) {
  if (paused) return <span className="badge badge-paused">Paused: waiting for the subject</span>;
  if (daysLeft === null) return null;
  if (daysLeft < 0) {
    const n = -daysLeft;
    return <span className="badge badge-overdue">{`Overdue by ${n} day${n === 1 ? '' : 's'}`}</span>;
  }
  if (daysLeft === 0) return <span className="badge badge-soon">Due today</span>;
  const text = `${daysLeft} day${daysLeft === 1 ? '' : 's'} left`;
  return <span className={daysLeft <= 7 ? 'badge badge-soon' : 'badge badge-fine'}>{text}</span>;
}

const days = (n: number) => `${n} day${n === 1 ? '' : 's'}`;

/** A closed request's verdict as a badge: answered on time, late by how much, or no verdict owed. */
export function ClosedBadge({ closing }: { closing: Closing }) {
  if (closing.onTime === null) return null;
  return closing.onTime ? (
    <span className="badge badge-fine">On time</span>
  ) : (
    <span className="badge badge-overdue">{`Late by ${days(closing.daysLate)}`}</span>
  );
}

/** "Closed Thursday 5 February 2026, after 31 days (10 paused)": the queue's and the page's line for a closed request. */
export function closingSentence(closing: Closing): string {
  const when = `Closed ${formatDueDate(closing.closedOn)}`;
  if (closing.daysTaken === null) return `${when}; never received (the address was never confirmed)`;
  const paused = closing.pausedDays > 0 ? ` (${closing.pausedDays} of them paused)` : '';
  return `${when}, ${days(closing.daysTaken)} after receipt${paused}`;
}

/** The deadline the verdict was judged against, for the request page. */
export function closingDeadline(closing: Closing): string | null {
  if (!closing.dueDate) return null;
  if (closing.onTime === null) return `The deadline was ${formatDueDate(closing.dueDate)}; no answer was owed after the withdrawal.`;
  return closing.onTime
    ? `Answered on time: the deadline was ${formatDueDate(closing.dueDate)}.`
    : `Answered ${days(closing.daysLate)} late: the deadline was ${formatDueDate(closing.dueDate)}.`;
}
