import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { useActionData, useLoaderData, useParams } from '@remix-run/react';
import { ReplyForm } from '~/components/reply-form';
import { isAwaitingSubject } from '~/models/requests/lifecycle';
import { latestQuestion } from '~/models/requests/replies.server';
import { replyAction } from '~/routes/reply.server';
import type { FormState } from '~/utils/form.server';
import { requireRequestByStatusLink } from '~/utils/request-guards.server';
import { privateHeaders, PRIVATE_HEADERS } from '~/utils/private-page';

export const meta: MetaFunction = () => [{ title: 'Reply — Privacy Portal' }];

const PRIVATE = PRIVATE_HEADERS;
export const headers = privateHeaders;

export async function loader({ params, context }: LoaderFunctionArgs) {
  const request = await requireRequestByStatusLink(params.token, context.db);
  if (!isAwaitingSubject(request.state)) throw redirect(`/status/s/${params.token}`, { headers: PRIVATE });
  return json({ reference: request.reference, question: await latestQuestion(context.db, request.id) }, { headers: PRIVATE });
}

export async function action({ request: httpRequest, params, context }: ActionFunctionArgs) {
  const request = await requireRequestByStatusLink(params.token, context.db);
  const refused = await replyAction(context, { request, httpRequest, userId: null, headers: PRIVATE });
  return refused ?? redirect(`/status/s/${params.token}`, { headers: PRIVATE });
}

export default function ReplyByLink() {
  const { reference, question } = useLoaderData<typeof loader>();
  const state = useActionData<FormState>();
  const { token } = useParams();
  return (
    <ReplyForm
      reference={reference}
      question={question}
      backTo={`/status/s/${token}`}
      state={state}
    />
  );
}
