import { json, type ActionFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useNavigation } from '@remix-run/react';
import { Trans } from 'react-i18next';
import { useTranslation } from '~/utils/i18n-react';
import { Field, FormError } from '~/components/field';
import { forgotPasswordSchema } from '~/models/accounts/forms.server';
import { requestPasswordReset } from '~/models/accounts/password-reset.server';
import { PASSWORD_RESET_LINK_MINUTES } from '~/models/policy';
import { parseForm, type FormState } from '~/utils/form.server';
import { translateError } from '~/utils/i18n';
import { languageOf } from '~/utils/language.server';
import { pageMeta } from '~/utils/meta';

export const meta: MetaFunction = ({ matches }) => pageMeta(matches, { title: 'passwordReset.title' });

type ForgotState = FormState & { sent?: boolean; retryMinutes?: number };

/** The same answer for every address, with or without an account; the email is in the page's language. */
export async function action({ request, context }: ActionFunctionArgs) {
  const parsed = await parseForm(request, forgotPasswordSchema, { keep: ['email'] });
  if (!parsed.ok) return parsed.reply;
  const result = await requestPasswordReset(context.db, context.config, {
    email: parsed.data.email,
    ip: context.clientIp,
    lang: languageOf(request),
  });
  if (!result.ok) {
    return json<ForgotState>(
      { formError: 'passwordReset.tooMany', retryMinutes: Math.ceil(result.retryAfterSeconds / 60), values: { email: parsed.data.email } },
      { status: 429, headers: { 'Retry-After': String(result.retryAfterSeconds) } },
    );
  }
  return json<ForgotState>({ sent: true, values: { email: parsed.data.email } });
}

export default function ForgotPassword() {
  const result = useActionData<ForgotState>();
  const busy = useNavigation().state === 'submitting';
  const { t } = useTranslation();
  if (result?.sent) {
    return (
      <section className="narrow">
        <h1>{t('auth.checkInboxTitle')}</h1>
        <p role="status">
          <Trans
            t={t}
            i18nKey="passwordReset.sent"
            values={{ email: result.values?.email ?? '', minutes: PASSWORD_RESET_LINK_MINUTES }}
            components={{ strong: <strong /> }}
          />
        </p>
        <p>
          <Link to="/login">{t('passwordReset.backToSignIn')}</Link>
        </p>
      </section>
    );
  }
  const formError =
    result?.formError === 'passwordReset.tooMany' ? t('passwordReset.tooMany', { count: result.retryMinutes ?? 1 }) : translateError(t, result?.formError);
  return (
    <section className="narrow">
      <h1>{t('passwordReset.title')}</h1>
      <p>{t('passwordReset.lead')}</p>
      <Form method="post" aria-describedby={formError ? 'form-error' : undefined}>
        <FormError message={formError} />
        <Field
          label={t('auth.email')}
          name="email"
          type="email"
          autoComplete="email"
          required
          defaultValue={result?.values?.email}
          error={translateError(t, result?.fieldErrors?.email)}
        />
        <button type="submit" disabled={busy}>
          {t('passwordReset.send')}
        </button>
      </Form>
      <p>
        <Link to="/login">{t('passwordReset.backToSignIn')}</Link>
      </p>
    </section>
  );
}
