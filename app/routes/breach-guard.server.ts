import type { AppLoadContext } from '@remix-run/node';
import { isBreachOfficer } from '~/models/breaches/register.server';
import { requireStaff, type SessionUser } from '~/utils/auth.server';

/**
 * The breach register's guard: administrators and staff accounts designated DPO. Signed out
 * goes to sign-in, a subject or other staff member gets 403. The designation is read from the
 * database on each request, so granting or revoking it applies at once.
 */
export async function requireBreachOfficer(request: Request, context: AppLoadContext): Promise<SessionUser> {
  const user = await requireStaff(request, context);
  if (!(await isBreachOfficer(context.db, user))) throw new Response('Forbidden', { status: 403 });
  return user;
}

/** Who acts, for the models' audit events. */
export const actorOf = (user: SessionUser, context: AppLoadContext) => ({ id: user.id, ip: context.clientIp });
