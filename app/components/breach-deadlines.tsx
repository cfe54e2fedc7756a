import { Link } from '@remix-run/react';
import type { AttentionView } from '~/models/breaches/view';

/** The staff home's breach panel (DPO and administrators): what is owed, by when, most urgent first. */
export function BreachDeadlines({ items }: { items: AttentionView[] }) {
  return (
    <section aria-labelledby="breach-deadlines">
      <h2 id="breach-deadlines">Breaches</h2>
      {items.length === 0 ? (
        <p>
          No breach is waiting on a notification. <Link to="/staff/breaches">Breach register</Link>
        </p>
      ) : (
        <ul className="change-list">
          {items.map((i) => (
            <li key={i.id}>
              <Link to={`/staff/breaches/${i.id}`}>{i.reference}</Link> {i.title}{' '}
              <span className={`badge badge-${i.state.tone}`}>{i.state.label}</span>
              {i.state.detail ? <span className="block">{i.state.detail}</span> : null}
              {i.note ? <span className="block muted">{i.note}</span> : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
