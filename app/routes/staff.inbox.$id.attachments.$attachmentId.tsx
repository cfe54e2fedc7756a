import type { LoaderFunctionArgs } from '@remix-run/node';
import { openInboxAttachmentFor } from '~/models/inbox/inbox.server';
import { downloadResponse } from '~/routes/attachment-download.server';
import { requireStaff } from '~/utils/auth.server';
import { invariantResponse } from '~/utils/invariant';

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A file attached to a message in the privacy mailbox, for staff: a download, never shown in the
 * portal's origin, as application/octet-stream (the sender named its type; nobody checked it).
 * Every opening is in the audit trail.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, context);
  const scope = { itemId: params.id ?? '', attachmentId: params.attachmentId ?? '' };
  invariantResponse(ID.test(scope.itemId) && ID.test(scope.attachmentId), 'Not found', { status: 404 });
  const file = await openInboxAttachmentFor(context.db, scope, { id: staff.id, ip: context.clientIp }, context.config.secrets.exportKey);
  invariantResponse(file, 'Not found', { status: 404 });
  return downloadResponse({ filename: file.filename, bytes: file.bytes });
}
