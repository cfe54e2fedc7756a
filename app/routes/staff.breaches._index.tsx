import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { Notice } from '~/components/field';
import { listBreaches } from '~/models/breaches/register.server';
import { RISK_LABELS } from '~/models/breaches/labels';
import { formatInstant } from '~/models/breaches/rules';
import { describeState } from '~/models/breaches/view';
import { actorOf, requireBreachOfficer } from '~/routes/breach-guard.server';

export const meta: MetaFunction = () => [{ title: 'Breach register — Staff console — Privacy Portal' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireBreachOfficer(request, context);
  const now = new Date();
  const tz = context.config.timeZone;
  const entries = await listBreaches(context.db, actorOf(user, context), { now });
  return json({
    isAdmin: user.role === 'admin',
    timeZone: tz,
    authority: context.config.organisation.authority.name,
    breaches: entries.map(({ breach: b, state, subjects, gaps }) => ({
      id: b.id,
      reference: b.reference,
      title: b.title,
      aware: formatInstant(b.aware_at, tz),
      kinds: [b.confidentiality && 'confidentiality', b.integrity && 'integrity', b.availability && 'availability'].filter(Boolean).join(', '),
      risk: RISK_LABELS[b.risk],
      state: describeState(state, tz, now),
      told: subjects.queued + subjects.sent + subjects.failed,
      art34: b.art34_exemption ? 'Exempt (Art. 34(3))' : b.risk === 'high' && b.role === 'controller' ? 'Required' : 'Not required',
      gaps: gaps.length,
    })),
  });
}

export default function BreachRegister() {
  const { breaches, isAdmin, timeZone, authority } = useLoaderData<typeof loader>();
  return (
    <>
      <p>
        <Link to="/staff">← Staff console</Link>
      </p>
      <h1>Breach register</h1>
      <p>
        Every personal data breach, reported or not (Art. 33(5)). A controller notifies {authority} within 72 hours of becoming aware,
        unless the breach is unlikely to result in a risk to people; times are shown in {timeZone}.
      </p>
      <ul className="console-links">
        <li>
          <Link to="/staff/breaches/new">Record a breach</Link>
        </li>
        <li>
          Export the register: <a href="/staff/breaches.csv">CSV</a> or <a href="/staff/breaches.json">JSON</a> (each export is audited)
        </li>
        {isAdmin ? (
          <li>
            <Link to="/staff/breaches/officers">Data protection officers</Link>: who keeps this register besides administrators
          </li>
        ) : null}
      </ul>
      {breaches.length === 0 ? (
        <Notice>No breach is recorded.</Notice>
      ) : (
        <table className="reflow">
          <caption>{breaches.length === 1 ? '1 breach' : `${breaches.length} breaches`}, most recent awareness first</caption>
          <thead>
            <tr>
              <th scope="col">Breach</th>
              <th scope="col">Aware</th>
              <th scope="col">Authority</th>
              <th scope="col">Risk</th>
              <th scope="col">People (Art. 34)</th>
            </tr>
          </thead>
          <tbody>
            {breaches.map((b) => (
              <tr key={b.id}>
                <td data-label="Breach">
                  <Link to={`/staff/breaches/${b.id}`}>{b.reference}</Link> {b.title}
                  <span className="block muted">{b.kinds}</span>
                  {b.gaps > 0 ? <span className="block muted">{b.gaps === 1 ? '1 Art. 33(3) item' : `${b.gaps} Art. 33(3) items`} still to come</span> : null}
                </td>
                <td data-label="Aware">{b.aware}</td>
                <td data-label="Authority">
                  <span className={`badge badge-${b.state.tone}`}>{b.state.label}</span>
                  {b.state.detail ? <span className="block">{b.state.detail}</span> : null}
                </td>
                <td data-label="Risk">{b.risk}</td>
                <td data-label="People (Art. 34)">
                  {b.art34}
                  {b.told > 0 ? `: ${b.told} told` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
