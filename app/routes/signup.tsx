import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { useTranslation } from '~/utils/i18n-react';
import { pageMeta } from '~/utils/meta';
import { Field, FormError, useResultKey } from '~/components/field';
import { signUpSchema } from '~/models/accounts/forms.server';
import { signUp } from '~/models/accounts/accounts.server';
import { getOptionalUser, safeRedirect } from '~/utils/auth.server';
import { parseForm, type FormState } from '~/utils/form.server';
import { translateError } from '~/utils/i18n';
import { languageOf } from '~/utils/language.server';

export const meta: MetaFunction = ({ matches }) => pageMeta(matches, { title: 'auth.signUpTitle' });

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
  await signUp(context.db, { ...form.data, ip: context.clientIp, lang: languageOf(request) }, context.config);
  return json<SignUpState>({ sent: true, values: { email: form.data.email, redirectTo: safeRedirect(form.data.redirectTo, '') } });
}

type SignUpState = FormState & { sent?: boolean };

export default function SignUp() {
  const { redirectTo } = useLoaderData<typeof loader>();
  const result = useActionData<SignUpState>();
  const busy = useNavigation().state === 'submitting';
  const errors = result?.fieldErrors ?? {};
  const resultKey = useResultKey(result);
  const { t } = useTranslation();
  if (result?.sent) {
    const back = result.values?.redirectTo;
    return (
      <section className="narrow">
        <h1>{t('auth.checkInboxTitle')}</h1>
        <p role="status">{t('auth.checkInboxText', { email: result.values?.email ?? '' })}</p>
        <p>
          <Link to={back ? `/login?redirectTo=${encodeURIComponent(back)}` : '/login'}>{t('auth.signInTitle')}</Link>
        </p>
      </section>
    );
  }
  return (
    <section className="narrow">
      <h1>{t('auth.signUpTitle')}</h1>
      <p>{t('auth.signUpLead')}</p>
      <Form method="post" aria-describedby={result?.formError ? 'form-error' : undefined}>
        <FormError message={translateError(t, result?.formError)} />
        <input type="hidden" name="redirectTo" value={result?.values?.redirectTo ?? redirectTo} />
        <Field
          label={t('auth.email')}
          name="email"
          type="email"
          autoComplete="email"
          required
          defaultValue={result?.values?.email}
          error={translateError(t, errors.email)}
        />
        <Field
          label={t('auth.password')}
          key={resultKey}
          name="password"
          type="password"
          autoComplete="new-password"
          required
          error={translateError(t, errors.password)}
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
