import type { LoaderFunctionArgs } from '@remix-run/node';
import { attachmentResponse } from '~/models/request-attachment-download.server';
import { getRequestForSubject } from '~/models/requests.server';
import { requireUser } from '~/utils/auth.server';

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  const found = await getRequestForSubject(context.db, { id: params.id ?? '', userId: user.id });
  if (!found) throw new Response('Not found', { status: 404 });
  return attachmentResponse(context, { requestId: found.id, attachmentId: params.attachmentId ?? '' });
}
