import { redirect, type ActionFunctionArgs } from '@remix-run/node';
import { signOut } from '~/models/accounts/accounts.server';
import { clearSessionCookieHeader, getCurrentSession } from '~/utils/auth.server';

// Signing out changes state, so only a POST does it; a link or prefetch cannot sign anyone out.
export function loader() {
  return redirect('/');
}

export async function action({ request, context }: ActionFunctionArgs) {
  const session = await getCurrentSession(request, context);
  if (session) {
    await signOut(context.db, { userId: session.user.id, sessionId: session.sessionId, ip: context.clientIp });
  }
  return redirect('/', { headers: { 'Set-Cookie': clearSessionCookieHeader(context) } });
}
