import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { Field, FormError, Notice } from '../components/field';
import { changePasswordSchema } from '../models/account-forms.server';
import { changePassword, signOutEverywhere } from '../models/accounts.server';
import { countActiveSessions } from '../models/sessions.server';
import { clearSessionCookieHeader, requireUser, sessionCookieHeader } from '../utils/auth.server';
import { badRequest, parseFields, readForm, type FormState } from '../utils/form.server';

export const meta: MetaFunction = () => [{ title: 'Your account — Privacy Portal' }];

const ROLE_NAMES = { subject: 'Data subject', staff: 'Privacy staff', admin: 'Administrator' } as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  return json({ user, sessions: await countActiveSessions(context.db, user.id) });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(request, context);
  const form = await readForm(request);
  if (!form.ok) return badRequest({ formError: form.formError });
  const intent = form.fields.intent;
  if (intent === 'sign-out-everywhere') {
    await signOutEverywhere(context.db, { userId: user.id, ip: context.clientIp });
    return redirect('/login', { headers: { 'Set-Cookie': clearSessionCookieHeader(context) } });
  }
  if (intent !== 'change-password') return badRequest({ formError: 'Choose what to change and try again.' });
  const parsed = parseFields(changePasswordSchema(user.email), form.fields);
  if (!parsed.ok) return badRequest({ fieldErrors: parsed.fieldErrors });
  const result = await changePassword(context.db, {
    userId: user.id,
    currentPassword: parsed.data.currentPassword,
    newPassword: parsed.data.newPassword,
    ip: context.clientIp,
  });
  if (!result.ok) {
    return badRequest({
      fieldErrors: {
        currentPassword:
          'Your current password was not accepted, or there have been too many attempts. Try again in a few minutes.',
      },
    });
  }
  return redirect('/account?changed=password', {
    headers: { 'Set-Cookie': sessionCookieHeader(context, result.token, result.maxAgeSeconds) },
  });
}

export default function Account() {
  const { user, sessions } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const [params] = useSearchParams();
  const busy = useNavigation().state === 'submitting';
  const errors = result?.fieldErrors ?? {};
  return (
    <section className="narrow">
      <h1>Your account</h1>
      {params.get('changed') === 'password' ? (
        <Notice>Your password was changed. Every other session has been signed out.</Notice>
      ) : null}
      <dl>
        <dt>Email</dt>
        <dd>{user.email}</dd>
        <dt>Role</dt>
        <dd>{ROLE_NAMES[user.role]}</dd>
        <dt>Signed-in sessions</dt>
        <dd>{sessions}</dd>
      </dl>

      <h2 id="password-heading">Change your password</h2>
      <Form method="post" aria-labelledby="password-heading">
        <FormError message={result?.formError} />
        <input type="hidden" name="intent" value="change-password" />
        <Field
          label="Current password"
          name="currentPassword"
          type="password"
          autoComplete="current-password"
          required
          error={errors.currentPassword}
        />
        <Field
          label="New password"
          name="newPassword"
          type="password"
          autoComplete="new-password"
          required
          error={errors.newPassword}
          hint="At least 12 characters; any characters, spaces included."
        />
        <button type="submit" disabled={busy}>
          Change password
        </button>
      </Form>

      <h2 id="everywhere-heading">Sign out everywhere</h2>
      <p>Ends every session of this account, on this device and all others, at once.</p>
      <Form method="post" aria-labelledby="everywhere-heading">
        <input type="hidden" name="intent" value="sign-out-everywhere" />
        <button type="submit" className="secondary" disabled={busy}>
          Sign out everywhere
        </button>
      </Form>
    </section>
  );
}
