import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { useTranslation } from '~/utils/i18n-react';
import { Field, FormError, useResultKey } from '~/components/field';
import { resetPasswordSchema } from '~/models/accounts/forms.server';
import { inspectResetLink, resetPassword } from '~/models/accounts/password-reset.server';
import { PASSWORD_RESET_LINK_MINUTES } from '~/models/policy';
import { clearSessionCookieHeader } from '~/utils/auth.server';
import { parseForm, type FormState } from '~/utils/form.server';
import { translateError } from '~/utils/i18n';
import { languageOf } from '~/utils/language.server';
import { pageMeta } from '~/utils/meta';
import { PRIVATE_HEADERS, privateHeaders } from '~/utils/private-page';

export const meta: MetaFunction = ({ matches }) => [
  ...pageMeta(matches, { title: 'passwordReset.newTitle' }),
  { name: 'robots', content: 'noindex' },
];

// The token is the credential: never cached, never sent on as a Referer.
export const headers = privateHeaders;

const LINK_GONE = 'passwordReset.linkGone';

export async function loader({ params, context }: LoaderFunctionArgs) {
  const link = await inspectResetLink(context.db, params.token ?? '');
  return json({ valid: link !== null }, { status: link ? 200 : 410, headers: PRIVATE_HEADERS });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const token = params.token ?? '';
  const link = await inspectResetLink(context.db, token);
  if (!link) return json<FormState>({ formError: LINK_GONE }, { status: 410, headers: PRIVATE_HEADERS });
  // Nothing is echoed: the only field is the new password.
  const parsed = await parseForm(request, resetPasswordSchema(link.email), { headers: PRIVATE_HEADERS });
  if (!parsed.ok) return parsed.reply;
  const done = await resetPassword(context.db, context.config, {
    token,
    newPassword: parsed.data.newPassword,
    ip: context.clientIp,
    lang: languageOf(request),
  });
  if (!done) return json<FormState>({ formError: LINK_GONE }, { status: 410, headers: PRIVATE_HEADERS });
  // Every session ended, this browser's included: the new password is proven by signing in with it.
  return redirect('/login?reset=1', { headers: { ...PRIVATE_HEADERS, 'Set-Cookie': clearSessionCookieHeader(context) } });
}

export default function ResetPassword() {
  const { valid } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const busy = useNavigation().state === 'submitting';
  const resultKey = useResultKey(result);
  const { t } = useTranslation();
  if (!valid) {
    return (
      <section className="narrow">
        <h1>{t('passwordReset.goneTitle')}</h1>
        <p>
          {t('passwordReset.gone', { minutes: PASSWORD_RESET_LINK_MINUTES })}{' '}
          <Link to="/forgot-password">{t('passwordReset.askAgain')}</Link>.
        </p>
      </section>
    );
  }
  return (
    <section className="narrow">
      <h1>{t('passwordReset.newTitle')}</h1>
      <Form method="post" aria-describedby={result?.formError ? 'form-error' : undefined}>
        <FormError message={translateError(t, result?.formError)} />
        <Field
          label={t('passwordReset.newPassword')}
          key={resultKey}
          name="newPassword"
          type="password"
          autoComplete="new-password"
          required
          error={translateError(t, result?.fieldErrors?.newPassword)}
          hint={t('passwordReset.newPasswordHint')}
        />
        <button type="submit" disabled={busy}>
          {t('passwordReset.set')}
        </button>
      </Form>
    </section>
  );
}
