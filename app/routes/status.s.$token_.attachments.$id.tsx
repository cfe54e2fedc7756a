import type { LoaderFunctionArgs } from '@remix-run/node';
import { attachmentResponse } from '~/models/request-attachment-download.server';
import { resolveStatusLink } from '~/models/request-verification.server';

// Only through the private link (or the account): an attachment is the subject's and staff's alone.
export async function loader({ params, context }: LoaderFunctionArgs) {
  const request = await resolveStatusLink(context.db, params.token ?? '');
  if (!request) throw new Response('Not found', { status: 404 });
  return attachmentResponse(context, { requestId: request.id, attachmentId: params.id ?? '' });
}
