import type { LoaderFunctionArgs } from '@remix-run/node';
import { previewPackage } from '~/models/requests/packages.server';
import { packageResponse } from '~/routes/package-download.server';
import { requireStaff } from '~/utils/auth.server';
import { invariantResponse } from '~/utils/invariant';

/** The package as it would be built now, for staff to check before completing; audited, never stored. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, context);
  const preview = await previewPackage(context.db, params.id ?? '', { id: staff.id, ip: context.clientIp }, {
    exportKey: context.config.secrets.exportKey,
    organisation: context.config.organisation,
    timeZone: context.config.timeZone,
    publicUrl: context.config.publicUrl,
  });
  invariantResponse(preview, 'Not found', { status: 404 });
  return packageResponse(preview, context.drained);
}
