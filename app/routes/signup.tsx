import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { Field, FormError, useResultKey } from '~/components/field';
import { signUpSchema } from '~/models/accounts/forms.server';
import { signUp } from '~/models/accounts/accounts.server';
import { getOptionalUser, safeRedirect } from '~/utils/auth.server';
import { parseForm, type FormState } from '~/utils/form.server';

export const meta: MetaFunction = () => [{ title: 'Create an account — Privacy Portal' }];

const KEEP = ['email', 'redirectTo'];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const redirectTo = new URL(request.url).searchParams.get('redirectTo');
  if (await getOptionalUser(request, context)) throw redirect(safeRedirect(redirectTo));
  return json({ redirectTo: redirectTo ? safeRedirect(redirectTo) : '' });
}

/** The answer is the same whether or not the address already had an account (see signUp). */
export async function action({ request, context }: ActionFunctionArgs) {
  const form = await parseForm(request, signUpSchema, { keep: KEEP });
  if (!form.ok) return form.reply;
  await signUp(context.db, { ...form.data, ip: context.clientIp }, context.config);
  return json<SignUpState>({ sent: true, values: { email: form.data.email, redirectTo: safeRedirect(form.data.redirectTo, '') } });
}

type SignUpState = FormState & { sent?: boolean };

export default function SignUp() {
  const { redirectTo } = useLoaderData<typeof loader>();
  const result = useActionData<SignUpState>();
  const busy = useNavigation().state === 'submitting';
  const errors = result?.fieldErrors ?? {};
  const resultKey = useResultKey(result);
  if (result?.sent) {
    const back = result.values?.redirectTo;
    return (
      <section className="narrow">
        <h1>Check your inbox</h1>
        <p role="status">
          We sent a message to <strong>{result.values?.email}</strong>. If this is a new account, it holds a link to
          confirm your address; if you already have an account, it tells you how to sign in or reset your password.
        </p>
        <p>
          <Link to={back ? `/login?redirectTo=${encodeURIComponent(back)}` : '/login'}>Sign in</Link>
        </p>
      </section>
    );
  }
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
