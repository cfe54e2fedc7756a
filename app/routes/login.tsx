import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { useTranslation } from '~/utils/i18n-react';
import { pageMeta } from '~/utils/meta';
import { Field, FormError, Notice, useResultKey } from '~/components/field';
import { signInSchema } from '~/models/accounts/forms.server';
import { signIn } from '~/models/accounts/accounts.server';
import { revokeSession } from '~/models/accounts/sessions.server';
import { getCurrentSession, getOptionalUser, safeRedirect, sessionCookieHeader } from '~/utils/auth.server';
import { badRequest, parseForm, type FormState } from '~/utils/form.server';
import { translateError } from '~/utils/i18n';

export const meta: MetaFunction = ({ matches }) => pageMeta(matches, { title: 'auth.signInTitle' });

/** One answer for every failure: unknown email, wrong password, throttled or locked. */
const SIGN_IN_FAILED = 'accountErrors.signInFailed';

const KEEP = ['email', 'redirectTo'];

/** Without a (safe) redirectTo, staff land on their console and subjects on their requests. */
function landingFor(role: string): string {
  return role === 'subject' ? '/account/requests' : '/staff';
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const redirectTo = new URL(request.url).searchParams.get('redirectTo');
  const user = await getOptionalUser(request, context);
  if (user) throw redirect(safeRedirect(redirectTo, landingFor(user.role)));
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
  return redirect(safeRedirect(form.data.redirectTo, landingFor(result.user.role)), {
    headers: { 'Set-Cookie': sessionCookieHeader(context, result.token, result.maxAgeSeconds) },
  });
}

export default function SignIn() {
  const { redirectTo } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const busy = useNavigation().state === 'submitting';
  const errors = result?.fieldErrors ?? {};
  const resultKey = useResultKey(result);
  const { t } = useTranslation();
  const [params] = useSearchParams();
  return (
    <section className="narrow">
      <h1>{t('auth.signInTitle')}</h1>
      {params.get('reset') === '1' ? <Notice>{t('auth.passwordResetDone')}</Notice> : null}
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
          autoComplete="current-password"
          required
          error={translateError(t, errors.password)}
        />
        <button type="submit" disabled={busy}>
          {t('auth.signIn')}
        </button>
      </Form>
      <p>
        <Link to="/forgot-password">{t('auth.forgotPassword')}</Link>
      </p>
      <p>
        {t('auth.noAccount')}{' '}
        <Link to={redirectTo ? `/signup?redirectTo=${encodeURIComponent(redirectTo)}` : '/signup'}>{t('auth.createAccountLink')}</Link>
      </p>
    </section>
  );
}
