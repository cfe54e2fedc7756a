import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { Field, FormError, useResultKey } from '~/components/field';
import { signUpSchema } from '~/models/accounts/forms.server';
import { signUp } from '~/models/accounts/accounts.server';
import { EmailTakenError } from '~/models/accounts/users.server';
import { getOptionalUser, safeRedirect, sessionCookieHeader } from '~/utils/auth.server';
import { badRequest, parseFields, readForm, type FormState } from '~/utils/form.server';

export const meta: MetaFunction = () => [{ title: 'Create an account — Privacy Portal' }];

const KEEP = ['email', 'redirectTo'];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const redirectTo = new URL(request.url).searchParams.get('redirectTo');
  if (await getOptionalUser(request, context)) throw redirect(safeRedirect(redirectTo));
  return json({ redirectTo: redirectTo ? safeRedirect(redirectTo) : '' });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await readForm(request);
  if (!form.ok) return badRequest({ formError: form.formError });
  const parsed = parseFields(signUpSchema, form.fields);
  if (!parsed.ok) return badRequest({ fieldErrors: parsed.fieldErrors, values: form.fields }, { keep: KEEP });
  try {
    const session = await signUp(context.db, { ...parsed.data, ip: context.clientIp }, context.config);
    return redirect(safeRedirect(parsed.data.redirectTo), {
      headers: { 'Set-Cookie': sessionCookieHeader(context, session.token, session.maxAgeSeconds) },
    });
  } catch (error) {
    if (!(error instanceof EmailTakenError)) throw error;
    return badRequest(
      { fieldErrors: { email: 'An account already uses this email address. Sign in instead.' }, values: form.fields },
      { keep: KEEP },
    );
  }
}

export default function SignUp() {
  const { redirectTo } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const busy = useNavigation().state === 'submitting';
  const errors = result?.fieldErrors ?? {};
  const resultKey = useResultKey(result);
  return (
    <section className="narrow">
      <h1>Create an account</h1>
      <p>With an account you can follow your requests and download what you are sent.</p>
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
          autoComplete="new-password"
          required
          error={errors.password}
          hint="At least 12 characters. A long passphrase is best; any characters, spaces included, and pasting from a password manager works."
        />
        <button type="submit" disabled={busy}>
          Create account
        </button>
      </Form>
      <p>
        Already have an account? <Link to={redirectTo ? `/login?redirectTo=${encodeURIComponent(redirectTo)}` : '/login'}>Sign in</Link>
      </p>
    </section>
  );
}
