import type { LoaderFunctionArgs } from '@remix-run/node';
import { attachmentResponse } from '~/routes/attachment-download.server';
import { requireRequestByStatusLink } from '~/utils/request-guards.server';

// Only through the private link (or the account): an attachment is the subject's and staff's alone.
export async function loader({ params, context }: LoaderFunctionArgs) {
  const request = await requireRequestByStatusLink(params.token, context.db);
  return attachmentResponse(context, { requestId: request.id, attachmentId: params.id ?? '' });
}
