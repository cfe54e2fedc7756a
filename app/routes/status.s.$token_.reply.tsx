import { pageMeta } from '~/utils/meta';
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { useActionData, useLoaderData, useParams } from '@remix-run/react';
import { ReplyForm } from '~/components/reply-form';
import { handleReply, latestQuestion } from '~/models/requests/reply-action.server';
import { requireRequestByStatusLink } from '~/utils/request-guards.server';
import { privateHeaders, PRIVATE_HEADERS } from '~/utils/private-page';

export const meta: MetaFunction = ({ matches }) => pageMeta(matches, { title: 'reply.pageTitle' });

const PRIVATE = PRIVATE_HEADERS;
export const headers = privateHeaders;

export async function loader({ params, context }: LoaderFunctionArgs) {
  const request = await requireRequestByStatusLink(params.token, context.db);
  if (request.state !== 'awaiting_subject') throw redirect(`/status/s/${params.token}`, { headers: PRIVATE });
  return json({ reference: request.reference, question: await latestQuestion(context.db, request.id) }, { headers: PRIVATE });
}

export async function action({ request: httpRequest, params, context }: ActionFunctionArgs) {
  const request = await requireRequestByStatusLink(params.token, context.db);
  const result = await handleReply(context, { request, httpRequest, userId: null });
  if (result.ok) return redirect(`/status/s/${params.token}`, { headers: PRIVATE });
  return json(result, { status: result.status, headers: PRIVATE });
}

export default function ReplyByLink() {
  const { reference, question } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const { token } = useParams();
  const failed = data && !data.ok ? data : undefined;
  return (
    <ReplyForm
      reference={reference}
      question={question}
      backTo={`/status/s/${token}`}
      error={failed?.error}
      fieldErrors={failed?.fieldErrors}
      message={failed?.message}
    />
  );
}
