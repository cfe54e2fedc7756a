import type { LoaderFunctionArgs } from '@remix-run/node';
import { attachmentResponse } from '~/routes/attachment-download.server';
import { requireOwnRequest } from '~/utils/request-guards.server';

export async function loader(args: LoaderFunctionArgs) {
  const { found } = await requireOwnRequest(args);
  return attachmentResponse(args.context, { requestId: found.id, attachmentId: args.params.attachmentId ?? '' });
}
