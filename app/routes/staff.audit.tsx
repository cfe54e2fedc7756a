import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { browseAuditTrail } from '~/models/audit.server';
import { requireAdmin } from '~/utils/auth.server';
import { parseAuditQuery } from './staff.audit.server';

export const meta: MetaFunction = () => [{ title: 'Audit trail — Privacy Portal' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const url = new URL(request.url);
  const parsed = parseAuditQuery(url);
  if (!parsed.ok) throw json({ error: parsed.error }, { status: 400 });
  const page = await browseAuditTrail(context.db, { id: admin.id, ip: context.clientIp }, parsed.filter);
  const next = new URLSearchParams(url.search);
  if (page.nextBefore) next.set('before', page.nextBefore);
  return json({
    query: parsed.query,
    events: page.events.map((e) => ({
      id: String(e.id),
      occurredAt: new Date(e.occurred_at).toISOString(),
      actorId: e.actor_id,
      action: e.action,
      target: e.target_type ? `${e.target_type}${e.target_id ? ` ${e.target_id}` : ''}` : '',
      details: JSON.stringify(e.details),
      ip: e.ip,
      hash: e.hash.slice(0, 12),
    })),
    nextHref: page.nextBefore ? `/staff/audit?${next}` : null,
  });
}

export default function AuditTrail() {
  const { query, events, nextHref } = useLoaderData<typeof loader>();
  const exportQuery = new URLSearchParams({ from: query.from ?? '', to: query.to ?? '' });
  return (
    <section>
      <h1>Audit trail</h1>
      <p>
        Every sign-in, staff view and action, newest first. Each event is chained to the one before it by its hash; run{' '}
        <code>npm run audit:verify</code> to check the whole chain.
      </p>
      <Form method="get" className="filters">
        <label>
          Actor (account email or id) <input name="actor" defaultValue={query.actor ?? ''} />
        </label>
        <label>
          Action <input name="action" defaultValue={query.action ?? ''} />
        </label>
        <label>
          Target type <input name="targetType" defaultValue={query.targetType ?? ''} />
        </label>
        <label>
          Target id <input name="targetId" defaultValue={query.targetId ?? ''} />
        </label>
        <label>
          From (UTC day) <input name="from" type="date" defaultValue={query.from ?? ''} />
        </label>
        <label>
          To (UTC day, inclusive) <input name="to" type="date" defaultValue={query.to ?? ''} />
        </label>
        <button type="submit">Filter</button>
      </Form>
      <p>
        <a href={`/staff/audit/export?${exportQuery}`} download>
          Export this date range as JSON lines
        </a>{' '}
        (check it offline with <code>npm run audit:verify -- --file FILE</code>).
      </p>
      <table>
        <caption>Events</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">When (UTC)</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Details</th>
            <th scope="col">IP</th>
            <th scope="col">Hash</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.id}>
              <td>{e.id}</td>
              <td>{e.occurredAt}</td>
              <td>{e.actorId ?? '—'}</td>
              <td>{e.action}</td>
              <td>{e.target}</td>
              <td>
                <code>{e.details}</code>
              </td>
              <td>{e.ip ?? ''}</td>
              <td>
                <code>{e.hash}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {events.length === 0 ? <p>No events match.</p> : null}
      {nextHref ? <Link to={nextHref}>Older events</Link> : null}
    </section>
  );
}
