import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { useTranslation } from '~/utils/i18n-react';
import { translateError } from '~/utils/i18n';
import { pageMeta } from '~/utils/meta';
import { FormError, Notice } from '~/components/field';
import { RequestStatusView } from '~/components/request-status';
import { subjectStatusAction } from '~/routes/subject-actions.server';
import { getSubjectStatus } from '~/models/requests/status.server';
import { requireOwnRequest } from '~/utils/request-guards.server';
import { privateHeaders, PRIVATE_HEADERS } from '~/utils/private-page';
import type { FormState } from '~/utils/form.server';
import { requestPolicy } from '~/models/requests/policy';
import { viewerOf } from '~/routes/identity-viewer.server';

export const meta: MetaFunction = ({ matches }) => pageMeta(matches, { title: 'status.pageTitle' });
export const headers = privateHeaders;

export async function loader(args: LoaderFunctionArgs) {
  const { found } = await requireOwnRequest(args);
  const status = await getSubjectStatus(args.context.db, found, requestPolicy(args.context.config));
  const viewer = status.identity ? await viewerOf(args.request, args.context, status.identity.email) : { email: null, matches: false };
  return json({ status, viewer, id: String(found.id), timeZone: args.context.config.timeZone }, { headers: PRIVATE_HEADERS });
}

export async function action(args: ActionFunctionArgs) {
  const { user, found } = await requireOwnRequest(args);
  const refused = await subjectStatusAction(args.context, { request: found, httpRequest: args.request, userId: user.id, ip: args.context.clientIp });
  return refused ?? redirect(`/account/requests/${found.id}`);
}

export default function AccountRequest() {
  const { status, viewer, id, timeZone } = useLoaderData<typeof loader>();
  const data = useActionData<FormState>();
  const [params] = useSearchParams();
  const { t } = useTranslation();
  return (
    <section>
      {params.get('duplicate') ? (
        <Notice>{t('status.duplicate')}</Notice>
      ) : null}
      <FormError message={translateError(t, data?.formError)} />
      <RequestStatusView status={status} basePath={`/account/requests/${id}`} timeZone={timeZone} viewer={viewer} fieldErrors={data?.fieldErrors} />
    </section>
  );
}
