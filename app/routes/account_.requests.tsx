import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { formatDeadline, isLanguage } from '~/utils/i18n';
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
  const { t, i18n } = useTranslation();
  const lang = isLanguage(i18n.language) ? i18n.language : 'en';
  return (
    <section>
      <h1>Your requests</h1>
      {requests.length === 0 ? (
        <p>You have not made any requests from this account yet.</p>
      ) : (
        <div>
          <table className="request-list reflow">
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
                  <td data-label={t('status.request')}>{t(`requestTypes.${r.type}.label`)}</td>
                  <td data-label={t('status.status')}>{t(`states.${r.state}`)}</td>
                  <td data-label={t('status.due')}>{r.dueDate ? formatDeadline(lang, r.dueDate) : '—'}</td>
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
