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
