import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { pageMeta } from '~/utils/meta';
import { Field, FormError, useResultKey } from '~/components/field';
import { signUpSchema } from '~/models/accounts/forms.server';
import { signUp } from '~/models/accounts/accounts.server';
import { EmailTakenError } from '~/models/accounts/users.server';
import { getOptionalUser, safeRedirectTo, sessionCookieHeader } from '~/utils/auth.server';
import { badRequest, parseForm, type FormState } from '~/utils/form.server';

export const meta: MetaFunction = ({ matches }) => pageMeta(matches, { title: 'auth.signUpTitle' });

const KEEP = ['email', 'redirectTo'];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const redirectTo = new URL(request.url).searchParams.get('redirectTo');
  if (await getOptionalUser(request, context)) throw redirect(safeRedirectTo(redirectTo));
  return json({ redirectTo: redirectTo ? safeRedirectTo(redirectTo) : '' });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await parseForm(request, signUpSchema, { keep: KEEP });
  if (!form.ok) return form.reply;
  try {
    const session = await signUp(context.db, { ...form.data, ip: context.clientIp }, context.config);
    return redirect(safeRedirectTo(form.data.redirectTo), {
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
  const { t } = useTranslation();
  return (
    <section className="narrow">
      <h1>{t('auth.signUpTitle')}</h1>
      <p>{t('auth.signUpLead')}</p>
      <Form method="post" aria-describedby={result?.formError ? 'form-error' : undefined}>
        <FormError message={result?.formError} />
        <input type="hidden" name="redirectTo" value={result?.values?.redirectTo ?? redirectTo} />
        <Field
          label={t('auth.email')}
          name="email"
          type="email"
          autoComplete="email"
          required
          defaultValue={result?.values?.email}
          error={errors.email}
        />
        <Field
          label={t('auth.password')}
          key={resultKey}
          name="password"
          type="password"
          autoComplete="new-password"
          required
          error={errors.password}
          hint={t('auth.passwordHint')}
        />
        <button type="submit" disabled={busy}>
          {t('auth.signUp')}
        </button>
      </Form>
      <p>
        {t('auth.haveAccount')} <Link to={redirectTo ? `/login?redirectTo=${encodeURIComponent(redirectTo)}` : '/login'}>{t('auth.signIn')}</Link>
      </p>
    </section>
  );
}
