import type { AppLoadContext } from '@remix-run/node';
import type { Viewer } from '~/components/identity-level';
import { getOptionalUser } from '~/utils/auth.server';
import { normalizeEmail } from '~/utils/email';

/** Who looks at a status page, for the identity panel: their confirmed address, and whether it is the request's subject address. */
export async function viewerOf(request: Request, context: AppLoadContext, subjectAddress: string): Promise<Viewer> {
  const user = await getOptionalUser(request, context);
  if (!user || !user.emailVerified) return { email: user?.email ?? null, matches: false };
  return { email: user.email, matches: normalizeEmail(user.email) === normalizeEmail(subjectAddress) };
}
