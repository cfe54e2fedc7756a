import type { LoaderFunctionArgs } from '@remix-run/node';
import { recordAttachmentOpened } from '~/models/requests/staff.server';
import { attachmentResponse } from '~/routes/attachment-download.server';
import { requireStaff } from '~/utils/auth.server';
import { invariantResponse } from '~/utils/invariant';

/** A file the subject sent, opened by staff; every opening is in the audit trail. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, context);
  const scope = { requestId: params.id ?? '', attachmentId: params.attachmentId ?? '' };
  invariantResponse(/^\d{1,18}$/.test(scope.requestId), 'Not found', { status: 404 });
  const response = await attachmentResponse(context, scope);
  await recordAttachmentOpened(context.db, { id: staff.id, ip: context.clientIp }, scope);
  return response;
}
