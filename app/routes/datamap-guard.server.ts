import type { AppLoadContext } from '@remix-run/node';
import { isBreachOfficer } from '~/models/breaches/register.server';
import { requireStaff, type SessionUser } from '~/utils/auth.server';

/**
 * The data map's guard: every staff member reads the map and the record; administrators and
 * the staff designated DPO (the same people who keep the breach register) change it.
 */
export async function canEditMap(context: AppLoadContext, user: SessionUser): Promise<boolean> {
  return isBreachOfficer(context.db, user);
}

export async function requireMapEditor(request: Request, context: AppLoadContext): Promise<SessionUser> {
  const user = await requireStaff(request, context);
  if (!(await canEditMap(context, user))) throw new Response('Forbidden', { status: 403 });
  return user;
}

export const mapActor = (user: SessionUser, context: AppLoadContext) => ({ id: user.id, ip: context.clientIp });
