import { pageMeta } from '~/utils/meta';
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { useActionData, useLoaderData } from '@remix-run/react';
import { ReplyForm } from '~/components/reply-form';
import { handleReply, latestQuestion } from '~/models/requests/reply-action.server';
import { requireOwnRequest } from '~/utils/request-guards.server';
import { privateHeaders } from '~/utils/private-page';

export const meta: MetaFunction = ({ matches }) => pageMeta(matches, { title: 'reply.pageTitle' });
export const headers = privateHeaders;

export async function loader(args: LoaderFunctionArgs) {
  const { found } = await requireOwnRequest(args);
  if (found.state !== 'awaiting_subject') throw redirect(`/account/requests/${found.id}`);
  return json({ id: String(found.id), reference: found.reference, question: await latestQuestion(args.context.db, found.id) });
}

export async function action(args: ActionFunctionArgs) {
  const { user, found } = await requireOwnRequest(args);
  const result = await handleReply(args.context, { request: found, httpRequest: args.request, userId: user.id });
  if (result.ok) return redirect(`/account/requests/${found.id}`);
  return json(result, { status: result.status });
}

export default function AccountReply() {
  const { id, reference, question } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const failed = data && !data.ok ? data : undefined;
  return (
    <ReplyForm
      reference={reference}
      question={question}
      backTo={`/account/requests/${id}`}
      error={failed?.error}
      fieldErrors={failed?.fieldErrors}
      message={failed?.message}
    />
  );
}
