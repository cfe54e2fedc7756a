import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { Field, FormError } from '~/components/field';
import { browseAuditTrail } from '~/models/audit.server';
import { requireAdmin } from '~/utils/auth.server';
import { parseAuditQuery } from './staff.audit.server';

export const meta: MetaFunction = () => [{ title: 'Audit trail — Privacy Portal' }];

const FILTER_FIELDS = ['actor', 'action', 'targetType', 'targetId', 'from', 'to'] as const;
type FilterValues = Partial<Record<(typeof FILTER_FIELDS)[number], string>>;
type EventRow = {
  id: string;
  occurredAt: string;
  actorId: string | null;
  actorEmail: string | null;
  action: string;
  target: string;
  details: string;
  ip: string | null;
  hash: string;
};

export async function loader({ request, context }: LoaderFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const url = new URL(request.url);
  const parsed = parseAuditQuery(url);
  if (!parsed.ok) {
    // The form comes back with what was typed and the reason, not an error page.
    const typed: FilterValues = Object.fromEntries(FILTER_FIELDS.map((name) => [name, (url.searchParams.get(name) ?? '').slice(0, 200)]));
    return json({ values: typed, error: parsed.error as string | null, events: [] as EventRow[], nextHref: null as string | null }, { status: 400 });
  }
  const page = await browseAuditTrail(context.db, { id: admin.id, ip: context.clientIp }, parsed.filter);
  const next = new URLSearchParams(url.search);
  if (page.nextBefore) next.set('before', page.nextBefore);
  const q = parsed.query;
  return json({
    values: { actor: q.actor, action: q.action, targetType: q.targetType, targetId: q.targetId, from: q.from, to: q.to } as FilterValues,
    error: null as string | null,
    events: page.events.map((e): EventRow => ({
      id: String(e.id),
      occurredAt: new Date(e.occurred_at).toISOString().replace('T', ' ').slice(0, 19),
      actorId: e.actor_id,
      actorEmail: e.actor_email,
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
  const { values, error, events, nextHref } = useLoaderData<typeof loader>();
  const exportQuery = new URLSearchParams({ from: values.from ?? '', to: values.to ?? '' });
  const fieldError = (name: string) => (error && error.startsWith(`${name} `) ? error : undefined);
  return (
    <section className="audit-trail">
      <h1>Audit trail</h1>
      <p>
        Every sign-in, staff view and action, newest first. Each event is chained to the one before it by its hash; run{' '}
        <code>npm run audit:verify</code> to check the whole chain.
      </p>
      {error && !FILTER_FIELDS.some((name) => fieldError(name)) ? <FormError message={error} /> : null}
      <Form method="get" className="filter-form" role="search" aria-label="Filter the audit trail">
        <Field label="Actor" name="actor" hint="An account's email or id" defaultValue={values.actor ?? ''} error={fieldError('actor')} />
        <Field label="Action" name="action" hint="For example auth.sign_in" defaultValue={values.action ?? ''} error={fieldError('action')} />
        <Field label="Target type" name="targetType" defaultValue={values.targetType ?? ''} error={fieldError('targetType')} />
        <Field label="Target id" name="targetId" defaultValue={values.targetId ?? ''} error={fieldError('targetId')} />
        <Field label="From (UTC day)" name="from" type="date" defaultValue={values.from ?? ''} error={fieldError('from')} />
        <Field label="To (UTC day, inclusive)" name="to" type="date" defaultValue={values.to ?? ''} error={fieldError('to')} />
        <button type="submit">Filter</button>
        <Link to="/staff/audit">Clear</Link>
      </Form>
      <p>
        <a href={`/staff/audit/export?${exportQuery}`} download>
          Export {values.from || values.to ? 'this date range' : 'the last 30 days'} as JSON lines
        </a>{' '}
        (signed; check it with <code>npm run audit:verify -- --file FILE --key KEY</code>, the key is at{' '}
        <a href="/.well-known/audit-key">/.well-known/audit-key</a>).
      </p>
      <table className="reflow audit-table">
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
              <td data-label="#">{e.id}</td>
              <td data-label="When (UTC)">{e.occurredAt}</td>
              <td data-label="Actor">
                {e.actorEmail ? <span title={e.actorId ?? undefined}>{e.actorEmail}</span> : e.actorId ? <code>{e.actorId}</code> : 'System'}
              </td>
              <td data-label="Action">{e.action}</td>
              <td data-label="Target">{e.target}</td>
              <td data-label="Details">
                <code>{e.details}</code>
              </td>
              <td data-label="IP">{e.ip ?? ''}</td>
              <td data-label="Hash">
                <code>{e.hash}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {events.length === 0 && !error ? <p>No events match.</p> : null}
      {nextHref ? <Link to={nextHref}>Older events</Link> : null}
    </section>
  );
}
