import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { Field, FormError, Notice, useResultKey } from '~/components/field';
import { signInSchema } from '~/models/accounts/forms.server';
import { signIn } from '~/models/accounts/accounts.server';
import { revokeSession } from '~/models/accounts/sessions.server';
import { getCurrentSession, getOptionalUser, safeRedirect, sessionCookieHeader } from '~/utils/auth.server';
import { badRequest, parseForm, type FormState } from '~/utils/form.server';

export const meta: MetaFunction = () => [{ title: 'Sign in — Privacy Portal' }];

/** One answer for every failure: unknown email, wrong password, throttled or locked. */
export const SIGN_IN_FAILED =
  'The email address or password is not right, or there have been too many attempts. Check them and try again in a few minutes.';

const KEEP = ['email', 'redirectTo'];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const redirectTo = new URL(request.url).searchParams.get('redirectTo');
  if (await getOptionalUser(request, context)) throw redirect(safeRedirect(redirectTo));
  return json({ redirectTo: redirectTo ? safeRedirect(redirectTo) : '' });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await parseForm(request, signInSchema, { keep: KEEP });
  if (!form.ok) return form.reply;
  const result = await signIn(context.db, { ...form.data, ip: context.clientIp });
  if (!result.ok) return badRequest({ formError: SIGN_IN_FAILED, values: form.fields }, { keep: KEEP });
  // A session that was already open in this browser is replaced, never reused.
  const previous = await getCurrentSession(request, context);
  if (previous) await revokeSession(context.db, previous.sessionId);
  return redirect(safeRedirect(form.data.redirectTo), {
    headers: { 'Set-Cookie': sessionCookieHeader(context, result.token, result.maxAgeSeconds) },
  });
}

export default function SignIn() {
  const { redirectTo } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const busy = useNavigation().state === 'submitting';
  const errors = result?.fieldErrors ?? {};
  const resultKey = useResultKey(result);
  const [params] = useSearchParams();
  return (
    <section className="narrow">
      <h1>Sign in</h1>
      {params.get('reset') === '1' ? <Notice>Your password was changed. Sign in with the new one.</Notice> : null}
      <Form method="post" aria-describedby={result?.formError ? 'form-error' : undefined}>
        <FormError message={result?.formError} />
        <input type="hidden" name="redirectTo" value={result?.values?.redirectTo ?? redirectTo} />
        <Field
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          required
          defaultValue={result?.values?.email}
          error={errors.email}
        />
        <Field
          label="Password"
          key={resultKey}
          name="password"
          type="password"
          autoComplete="current-password"
          required
          error={errors.password}
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </Form>
      <p>
        <Link to="/forgot-password">Forgot your password?</Link>
      </p>
      <p>
        No account yet?{' '}
        <Link to={redirectTo ? `/signup?redirectTo=${encodeURIComponent(redirectTo)}` : '/signup'}>Create an account</Link>
      </p>
    </section>
  );
}
