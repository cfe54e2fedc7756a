import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { Field, FormError, useResultKey } from '~/components/field';
import { resetPasswordSchema } from '~/models/accounts/forms.server';
import { inspectResetLink, resetPassword } from '~/models/accounts/password-reset.server';
import { clearSessionCookieHeader } from '~/utils/auth.server';
import { parseForm, type FormState } from '~/utils/form.server';
import { PRIVATE_HEADERS, privateHeaders } from '~/utils/private-page';

export const meta: MetaFunction = () => [{ title: 'Choose a new password — Privacy Portal' }, { name: 'robots', content: 'noindex' }];

// The token is the credential: never cached, never sent on as a Referer.
export const headers = privateHeaders;

export async function loader({ params, context }: LoaderFunctionArgs) {
  const link = await inspectResetLink(context.db, params.token ?? '');
  return json({ valid: link !== null }, { status: link ? 200 : 410, headers: PRIVATE_HEADERS });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const token = params.token ?? '';
  const link = await inspectResetLink(context.db, token);
  if (!link) return json<FormState>({ formError: 'This link no longer works.' }, { status: 410, headers: PRIVATE_HEADERS });
  // Nothing is echoed: the only field is the new password.
  const parsed = await parseForm(request, resetPasswordSchema(link.email), { headers: PRIVATE_HEADERS });
  if (!parsed.ok) return parsed.reply;
  const done = await resetPassword(context.db, context.config, { token, newPassword: parsed.data.newPassword, ip: context.clientIp });
  if (!done) return json<FormState>({ formError: 'This link no longer works.' }, { status: 410, headers: PRIVATE_HEADERS });
  // Every session ended, this browser's included: the new password is proven by signing in with it.
  return redirect('/login?reset=1', { headers: { ...PRIVATE_HEADERS, 'Set-Cookie': clearSessionCookieHeader(context) } });
}

export default function ResetPassword() {
  const { valid } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const busy = useNavigation().state === 'submitting';
  const resultKey = useResultKey(result);
  if (!valid) {
    return (
      <section className="narrow">
        <h1>This link no longer works</h1>
        <p>
          Reset links work once, for one hour. <Link to="/forgot-password">Ask for a new link</Link>.
        </p>
      </section>
    );
  }
  return (
    <section className="narrow">
      <h1>Choose a new password</h1>
      <Form method="post" aria-describedby={result?.formError ? 'form-error' : undefined}>
        <FormError message={result?.formError} />
        <Field
          label="New password"
          key={resultKey}
          name="newPassword"
          type="password"
          autoComplete="new-password"
          required
          error={result?.fieldErrors?.newPassword}
          hint="At least 12 characters. A long passphrase is best; any characters, spaces included, and pasting works."
        />
        <button type="submit" disabled={busy}>
          Set new password
        </button>
      </Form>
    </section>
  );
}
