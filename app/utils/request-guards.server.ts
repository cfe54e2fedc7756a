import type { AppLoadContext } from '@remix-run/node';
import type { DB } from '../../db/client';
import { resolveStatusLink } from '~/models/requests/verification.server';
import { getRequestForSubject } from '~/models/requests/requests.server';
import { requireUser } from '~/utils/auth.server';
import { PRIVATE_HEADERS } from '~/utils/private-page';
import { invariantResponse } from '~/utils/invariant';

/** The signed-in subject's own request, or 404: another person's request is indistinguishable from none. */
export async function requireOwnRequest(args: { request: Request; context: AppLoadContext; params: { id?: string } }) {
  const user = await requireUser(args.request, args.context);
  const found = await getRequestForSubject(args.context.db, { id: args.params.id ?? '', userId: user.id });
  invariantResponse(found, 'Not found', { status: 404, headers: PRIVATE_HEADERS });
  return { user, found };
}

/** The request behind a private status link, or 404. */
export async function requireRequestByStatusLink(token: string | undefined, db: DB) {
  const request = await resolveStatusLink(db, token ?? '');
  invariantResponse(request, 'Not found', { status: 404, headers: PRIVATE_HEADERS });
  return request;
}
