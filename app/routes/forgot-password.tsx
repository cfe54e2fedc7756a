import { json, type ActionFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useNavigation } from '@remix-run/react';
import { Field, FormError } from '~/components/field';
import { forgotPasswordSchema } from '~/models/accounts/forms.server';
import { requestPasswordReset, RESET_LINK_MINUTES } from '~/models/accounts/password-reset.server';
import { parseForm, type FormState } from '~/utils/form.server';

export const meta: MetaFunction = () => [{ title: 'Reset your password — Privacy Portal' }];

type ForgotState = FormState & { sent?: boolean };

/** The same answer for every address, with or without an account. */
export async function action({ request, context }: ActionFunctionArgs) {
  const parsed = await parseForm(request, forgotPasswordSchema, { keep: ['email'] });
  if (!parsed.ok) return parsed.reply;
  const result = await requestPasswordReset(context.db, context.config, { email: parsed.data.email, ip: context.clientIp });
  if (!result.ok) {
    return json<ForgotState>(
      {
        formError: `Several links were asked for in the last hour. Try again in ${Math.ceil(result.retryAfterSeconds / 60)} minutes.`,
        values: { email: parsed.data.email },
      },
      { status: 429, headers: { 'Retry-After': String(result.retryAfterSeconds) } },
    );
  }
  return json<ForgotState>({ sent: true, values: { email: parsed.data.email } });
}

export default function ForgotPassword() {
  const result = useActionData<ForgotState>();
  const busy = useNavigation().state === 'submitting';
  if (result?.sent) {
    return (
      <section className="narrow">
        <h1>Check your inbox</h1>
        <p role="status">
          If an account uses <strong>{result.values?.email}</strong>, we sent it a link to choose a new password. The
          link works once, for {RESET_LINK_MINUTES} minutes.
        </p>
        <p>
          <Link to="/login">Back to sign in</Link>
        </p>
      </section>
    );
  }
  return (
    <section className="narrow">
      <h1>Reset your password</h1>
      <p>Enter the email address of your account and we will send you a link to choose a new password.</p>
      <Form method="post" aria-describedby={result?.formError ? 'form-error' : undefined}>
        <FormError message={result?.formError} />
        <Field
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          required
          defaultValue={result?.values?.email}
          error={result?.fieldErrors?.email}
        />
        <button type="submit" disabled={busy}>
          Email me a link
        </button>
      </Form>
      <p>
        <Link to="/login">Back to sign in</Link>
      </p>
    </section>
  );
}
