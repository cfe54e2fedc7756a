import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { formatDueDate } from '~/models/requests/deadlines';
import { requestTypeLabel } from '~/models/requests/intake-rules';
import { STATE_LABELS } from '~/models/requests/lifecycle';
import { listRequestsForUser } from '~/models/requests/requests.server';
import { requireUser } from '~/utils/auth.server';

export const meta: MetaFunction = () => [{ title: 'Your requests — Privacy Portal' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  const requests = await listRequestsForUser(context.db, user.id);
  return json(
    { requests: requests.map((r) => ({ id: String(r.id), reference: r.reference, type: r.type, state: r.state, dueDate: r.due_date })) },
    { headers: { 'Cache-Control': 'no-store' } },
  );
}

export default function AccountRequests() {
  const { requests } = useLoaderData<typeof loader>();
  return (
    <section>
      <h1>Your requests</h1>
      {requests.length === 0 ? (
        <p>You have not made any requests from this account yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="request-list">
            <caption className="visually-hidden">Your data-protection requests</caption>
            <thead>
              <tr>
                <th scope="col">Reference</th>
                <th scope="col">Request</th>
                <th scope="col">Status</th>
                <th scope="col">Due date</th>
              </tr>
            </thead>
            <tbody>
              {requests.map((r) => (
                <tr key={r.id}>
                  <td>
                    <Link to={`/account/requests/${r.id}`}>{r.reference}</Link>
                  </td>
                  <td>{requestTypeLabel(r.type)}</td>
                  <td>{STATE_LABELS[r.state]}</td>
                  <td>{r.dueDate ? formatDueDate(r.dueDate) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p>
        <Link to="/requests/new">Make a request</Link>
      </p>
    </section>
  );
}
