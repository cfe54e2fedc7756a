import type { LoaderFunctionArgs } from '@remix-run/node';
import { subjectPackageDownload } from '~/routes/package-download.server';
import { requireRequestByStatusLink } from '~/utils/request-guards.server';

// Only through the private link (or the account): the package is the subject's alone.
export async function loader({ request: http, params, context }: LoaderFunctionArgs) {
  const request = await requireRequestByStatusLink(params.token, context.db);
  return subjectPackageDownload(context, { requestId: request.id, via: 'status_link', userId: null, backTo: `/status/s/${params.token}`, url: http.url });
}
