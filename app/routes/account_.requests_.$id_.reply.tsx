import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { useActionData, useLoaderData } from '@remix-run/react';
import { ReplyForm } from '~/components/reply-form';
import { isAwaitingSubject } from '~/models/requests/lifecycle';
import { latestQuestion } from '~/models/requests/replies.server';
import { replyAction } from '~/routes/reply.server';
import type { FormState } from '~/utils/form.server';
import { requireOwnRequest } from '~/utils/request-guards.server';
import { privateHeaders } from '~/utils/private-page';

export const meta: MetaFunction = () => [{ title: 'Reply — Privacy Portal' }];
export const headers = privateHeaders;

export async function loader(args: LoaderFunctionArgs) {
  const { found } = await requireOwnRequest(args);
  if (!isAwaitingSubject(found.state)) throw redirect(`/account/requests/${found.id}`);
  return json({ id: String(found.id), reference: found.reference, question: await latestQuestion(args.context.db, found.id) });
}

export async function action(args: ActionFunctionArgs) {
  const { user, found } = await requireOwnRequest(args);
  const refused = await replyAction(args.context, { request: found, httpRequest: args.request, userId: user.id });
  return refused ?? redirect(`/account/requests/${found.id}`);
}

export default function AccountReply() {
  const { id, reference, question } = useLoaderData<typeof loader>();
  const state = useActionData<FormState>();
  return (
    <ReplyForm
      reference={reference}
      question={question}
      backTo={`/account/requests/${id}`}
      state={state}
    />
  );
}
