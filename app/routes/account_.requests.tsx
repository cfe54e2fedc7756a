import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react';
import { z } from 'zod';
import { Notice } from '~/components/field';
import { confirmAsSignedInSubject, listRequestsAwaitingMyConfirmation } from '~/models/requests/authority.server';
import { requestPolicy } from '~/models/requests/policy';
import { parseForm } from '~/utils/form.server';
import { invariantResponse } from '~/utils/invariant';
import { useTranslation } from '~/utils/i18n-react';
import { formatDeadline, isLanguage } from '~/utils/i18n';
import { listRequestsForUser } from '~/models/requests/requests.server';
import { requireUser } from '~/utils/auth.server';
import { pageMeta } from '~/utils/meta';

export const meta: MetaFunction = ({ matches }) => pageMeta(matches, { title: 'account.requestsTitle' });

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  const [requests, forMe] = await Promise.all([listRequestsForUser(context.db, user.id), listRequestsAwaitingMyConfirmation(context.db, user.id)]);
  return json(
    { requests: requests.map((r) => ({ id: String(r.id), reference: r.reference, type: r.type, state: r.state, dueDate: r.due_date })), forMe },
    { headers: { 'Cache-Control': 'no-store' } },
  );
}

const confirmSchema = z.object({ intent: z.literal('confirm-for-me'), requestId: z.string().regex(/^\d{1,18}$/) });

/** Issue 24.1: the person a representative's request is about confirms it, signed in with their own confirmed address. */
export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(request, context);
  const form = await parseForm(request, confirmSchema);
  if (!form.ok) return form.reply;
  const confirmed = await confirmAsSignedInSubject(context.db, { requestId: form.data.requestId, userId: user.id, ip: context.clientIp }, { rules: requestPolicy(context.config) });
  // Not theirs to confirm (another person's, or already confirmed): as if there were no such request.
  invariantResponse(confirmed, 'Not found', { status: 404 });
  return redirect('/account/requests?confirmed=1');
}

export default function AccountRequests() {
  const { requests, forMe } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const [params] = useSearchParams();
  const lang = isLanguage(i18n.language) ? i18n.language : 'en';
  return (
    <section>
      <h1>{t('account.requestsTitle')}</h1>
      {params.get('confirmed') ? <Notice>{t('account.onBehalfDone')}</Notice> : null}
      {forMe.length > 0 ? (
        <section aria-labelledby="for-me-heading">
          <h2 id="for-me-heading">{t('account.onBehalfTitle')}</h2>
          <p>{t('account.onBehalfLead')}</p>
          <ul>
            {forMe.map((r) => (
              <li key={r.id}>
                {t('account.onBehalfItem', {
                  agent: r.agentName,
                  email: r.agentEmail,
                  relationship: t(`relationships.${r.relationship}`),
                  type: t(`requestTypes.${r.type}.label`),
                  reference: r.reference,
                })}
                <Form method="post">
                  <input type="hidden" name="intent" value="confirm-for-me" />
                  <input type="hidden" name="requestId" value={r.id} />
                  <button type="submit">{t('account.onBehalfConfirm', { reference: r.reference })}</button>
                </Form>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
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
