import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { isRouteErrorResponse, Link, useActionData, useLoaderData, useParams, useRouteError } from '@remix-run/react';
import { Trans } from 'react-i18next';
import { useTranslation } from '~/utils/i18n-react';
import { LINK_LIFETIME_DAYS } from '~/models/policy';
import { translateError } from '~/utils/i18n';
import { pageMeta } from '~/utils/meta';
import { FormError } from '~/components/field';
import { RequestStatusView } from '~/components/request-status';
import { subjectStatusAction } from '~/routes/subject-actions.server';
import { getSubjectStatus } from '~/models/requests/status.server';
import { requireRequestByStatusLink } from '~/utils/request-guards.server';
import { privateHeaders, PRIVATE_HEADERS } from '~/utils/private-page';
import type { FormState } from '~/utils/form.server';
import { getOptionalUser } from '~/utils/auth.server';
import { requestPolicy } from '~/models/requests/policy';
import { viewerOf } from '~/routes/identity-viewer.server';

export const meta: MetaFunction = ({ matches }) => [...pageMeta(matches, { title: 'status.pageTitle' }), { name: 'robots', content: 'noindex' }];

const PRIVATE = PRIVATE_HEADERS;
export const headers = privateHeaders;

export async function loader({ request: httpRequest, params, context }: LoaderFunctionArgs) {
  const request = await requireRequestByStatusLink(params.token, context.db);
  const status = await getSubjectStatus(context.db, request, requestPolicy(context.config));
  const viewer = status.identity ? await viewerOf(httpRequest, context, status.identity.email) : { email: null, matches: false };
  return json({ status, viewer, timeZone: context.config.timeZone }, { headers: PRIVATE });
}

export async function action({ request: httpRequest, params, context }: ActionFunctionArgs) {
  const request = await requireRequestByStatusLink(params.token, context.db);
  const user = await getOptionalUser(httpRequest, context);
  const refused = await subjectStatusAction(context, { request, httpRequest, userId: null, sessionUserId: user?.id ?? null, ip: context.clientIp, headers: PRIVATE });
  return refused ?? redirect(new URL(httpRequest.url).pathname, { headers: PRIVATE });
}

export default function StatusByLink() {
  const { status, viewer, timeZone } = useLoaderData<typeof loader>();
  const data = useActionData<FormState>();
  const { token } = useParams();
  const { t } = useTranslation();
  return (
    <section>
      <FormError message={translateError(t, data?.formError)} />
      <RequestStatusView status={status} basePath={`/status/s/${token}`} timeZone={timeZone} viewer={viewer} fieldErrors={data?.fieldErrors} />
      <p className="hint">{t('status.keepPrivate')}</p>
    </section>
  );
}

function StatusLinkGone() {
  const { t } = useTranslation();
  return (
    <section className="narrow">
      <h1>{t('statusLookup.goneTitle')}</h1>
      <p>
        <Trans t={t} i18nKey="statusLookup.gone" values={{ days: LINK_LIFETIME_DAYS.statusLinkAfterClose }} components={{ fresh: <Link to="/status" /> }} />
      </p>
    </section>
  );
}

/** A link that is unknown or whose life is over: say so, and where to get a fresh one. */
export function ErrorBoundary() {
  const error = useRouteError();
  if (!isRouteErrorResponse(error) || error.status !== 404) throw error;
  return <StatusLinkGone />;
}
