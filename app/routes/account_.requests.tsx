import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/i18n-react';
import { formatDeadline, isLanguage } from '~/utils/i18n';
import { listRequestsForUser } from '~/models/requests/requests.server';
import { requireUser } from '~/utils/auth.server';
import { pageMeta } from '~/utils/meta';

export const meta: MetaFunction = ({ matches }) => pageMeta(matches, { title: 'account.requestsTitle' });

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
      <h1>{t('account.requestsTitle')}</h1>
      {requests.length === 0 ? (
        <p>{t('account.requestsNone')}</p>
      ) : (
        <div>
          <table className="request-list reflow">
            <caption className="visually-hidden">{t('account.requestsCaption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('status.reference')}</th>
                <th scope="col">{t('status.request')}</th>
                <th scope="col">{t('status.status')}</th>
                <th scope="col">{t('status.due')}</th>
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
        <Link to="/requests/new">{t('layout.makeRequest')}</Link>
      </p>
    </section>
  );
}
