import type { LoaderFunctionArgs } from '@remix-run/node';
import { subjectPackageDownload } from '~/routes/package-download.server';
import { requireOwnRequest } from '~/utils/request-guards.server';

/** The signed-in subject's own package; another person's request is a 404. */
export async function loader(args: LoaderFunctionArgs) {
  const { user, found } = await requireOwnRequest(args);
  return subjectPackageDownload(args.context, {
    requestId: found.id,
    via: 'account',
    userId: user.id,
    backTo: `/account/requests/${found.id}`,
    url: args.request.url,
  });
}
