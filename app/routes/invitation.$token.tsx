import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { Field, FormError, useResultKey } from '~/components/field';
import { acceptInvitation, inspectInvitation } from '~/models/accounts/invitations.server';
import { resetPasswordSchema } from '~/models/accounts/forms.server';
import { sessionCookieHeader } from '~/utils/auth.server';
import { badRequest, parseForm, type FormState } from '~/utils/form.server';
import { tFor, translateError } from '~/utils/i18n';
import { PRIVATE_HEADERS, privateHeaders } from '~/utils/private-page';

/** An administrator's emailed invitation to join as staff or admin (staff side, so in English). */
export const meta: MetaFunction = () => [{ title: 'Join the privacy team — Privacy Portal' }, { name: 'robots', content: 'noindex' }];

// The token is the credential: never cached, never sent on as a Referer.
export const headers = privateHeaders;

const LINK_GONE = 'This invitation no longer works: it was accepted, revoked or has expired. Ask an administrator for a new one.';
const ROLE_NAMES = { staff: 'privacy staff', admin: 'an administrator' } as const;

export async function loader({ params, context }: LoaderFunctionArgs) {
  const invitation = await inspectInvitation(context.db, params.token ?? '');
  return json({ invitation }, { status: invitation ? 200 : 410, headers: PRIVATE_HEADERS });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const token = params.token ?? '';
  const invitation = await inspectInvitation(context.db, token);
  if (!invitation) return badRequest({ formError: LINK_GONE }, { status: 410, headers: PRIVATE_HEADERS });
  // Nothing is echoed: the only field is the password.
  const form = await parseForm(request, resetPasswordSchema(invitation.email), { headers: PRIVATE_HEADERS });
  if (!form.ok) return form.reply;
  const session = await acceptInvitation(context.db, { token, password: form.data.newPassword, ip: context.clientIp });
  if (!session) return badRequest({ formError: LINK_GONE }, { status: 410, headers: PRIVATE_HEADERS });
  return redirect('/staff', { headers: { ...PRIVATE_HEADERS, 'Set-Cookie': sessionCookieHeader(context, session.token, session.maxAgeSeconds) } });
}

export default function AcceptInvitation() {
  const { invitation } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const busy = useNavigation().state === 'submitting';
  const resultKey = useResultKey(result);
  const t = tFor('en');
  if (!invitation) {
    return (
      <section className="narrow">
        <h1>Invitation used or expired</h1>
        <p>{result?.formError ?? LINK_GONE}</p>
      </section>
    );
  }
  return (
    <section className="narrow">
      <h1>Join the privacy team</h1>
      <p>
        You are invited to work in this portal as {ROLE_NAMES[invitation.role]}, signing in as <strong>{invitation.email}</strong>.
        Choose a password to accept. If this address already has an account here, its password becomes this one and its other
        sessions end.
      </p>
      <Form method="post" aria-describedby={result?.formError ? 'form-error' : undefined}>
        <FormError message={result?.formError} />
        <Field
          label="Password"
          key={resultKey}
          name="newPassword"
          type="password"
          autoComplete="new-password"
          required
          error={translateError(t, result?.fieldErrors?.newPassword)}
          hint={t('auth.passwordHint')}
        />
        <button type="submit" disabled={busy}>
          Accept and sign in
        </button>
      </Form>
    </section>
  );
}
