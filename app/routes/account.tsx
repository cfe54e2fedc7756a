import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { useTranslation } from '~/utils/i18n-react';
import { Field, FormError, Notice, useResultKey } from '~/components/field';
import { changePasswordSchema } from '~/models/accounts/forms.server';
import { resendEmailConfirmation } from '~/models/accounts/email-confirmation.server';
import { changePassword, signOutEverywhere } from '~/models/accounts/accounts.server';
import { countActiveSessions } from '~/models/accounts/sessions.server';
import { flagsForEmail } from '~/models/requests/flags.server';
import { DEFAULT_LANGUAGE, formatInstant, isLanguage, translateError } from '~/utils/i18n';
import { clearSessionCookieHeader, requireUser, sessionCookieHeader } from '~/utils/auth.server';
import { badRequest, readForm, refuseForm, validateFields, type FormState } from '~/utils/form.server';
import { languageOf } from '~/utils/language.server';
import { pageMeta } from '~/utils/meta';

export const meta: MetaFunction = ({ matches }) => pageMeta(matches, { title: 'account.title' });

type AccountState = FormState & { retryMinutes?: number };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  // Decisions about the address are shown only to an account that proved it owns the address.
  const [sessions, flags] = await Promise.all([
    countActiveSessions(context.db, user.id),
    user.emailVerified ? flagsForEmail(context.db, user.email) : Promise.resolve([]),
  ]);
  return json({ user, sessions, flags, timeZone: context.config.timeZone });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(request, context);
  const form = await readForm(request);
  if (!form.ok) return refuseForm(form);
  const intent = form.fields.intent;
  const lang = languageOf(request);
  if (intent === 'resend-confirmation') {
    if (user.emailVerified) return redirect('/account');
    const sent = await resendEmailConfirmation(context.db, context.config, user, lang);
    if (!sent.ok) {
      return badRequest<AccountState>(
        { formError: 'account.resendTooMany', retryMinutes: Math.ceil(sent.retryAfterSeconds / 60), values: { intent } },
        { keep: ['intent'] },
      );
    }
    return redirect('/account?sent=confirmation');
  }
  if (intent === 'sign-out-everywhere') {
    await signOutEverywhere(context.db, { userId: user.id, ip: context.clientIp });
    return redirect('/login', { headers: { 'Set-Cookie': clearSessionCookieHeader(context) } });
  }
  if (intent !== 'change-password') return badRequest({ formError: 'account.chooseIntent' });
  const parsed = validateFields(changePasswordSchema(user.email), form.fields);
  if (!parsed.ok) return parsed.reply;
  const result = await changePassword(context.db, {
    userId: user.id,
    currentPassword: parsed.data.currentPassword,
    newPassword: parsed.data.newPassword,
    ip: context.clientIp,
    lang,
  }, context.config);
  if (!result.ok) return badRequest({ fieldErrors: { currentPassword: 'account.currentRejected' } });
  return redirect('/account?changed=password', {
    headers: { 'Set-Cookie': sessionCookieHeader(context, result.token, result.maxAgeSeconds) },
  });
}

export default function Account() {
  const { user, sessions, flags, timeZone } = useLoaderData<typeof loader>();
  const result = useActionData<AccountState>();
  const [params] = useSearchParams();
  const busy = useNavigation().state === 'submitting';
  const { t, i18n } = useTranslation();
  const lang = isLanguage(i18n.language) ? i18n.language : DEFAULT_LANGUAGE;
  const errors = result?.fieldErrors ?? {};
  const resultKey = useResultKey(result);
  const formError =
    result?.formError === 'account.resendTooMany' ? t('account.resendTooMany', { count: result.retryMinutes ?? 1 }) : translateError(t, result?.formError);
  const resendError = result?.values?.intent === 'resend-confirmation' ? formError : undefined;
  return (
    <section className="narrow">
      <h1>{t('account.title')}</h1>
      {params.get('changed') === 'password' ? <Notice>{t('account.passwordChanged')}</Notice> : null}
      {params.get('confirmed') === 'email' ? <Notice>{t('account.emailConfirmed')}</Notice> : null}
      {params.get('sent') === 'confirmation' ? <Notice>{t('account.confirmationSent', { email: user.email })}</Notice> : null}
      {user.emailVerified ? null : (
        <section aria-labelledby="confirm-heading" className="callout">
          <h2 id="confirm-heading">{t('account.confirmHeading')}</h2>
          <p>{t('account.confirmText', { email: user.email })}</p>
          <FormError message={resendError} id="confirm-error" />
          <Form method="post" aria-labelledby="confirm-heading">
            <input type="hidden" name="intent" value="resend-confirmation" />
            <button type="submit" className="secondary" disabled={busy}>
              {t('account.resend')}
            </button>
          </Form>
        </section>
      )}
      <dl>
        <dt>{t('account.email')}</dt>
        <dd>
          {user.email} {user.emailVerified ? t('account.confirmed') : t('account.notConfirmed')}
        </dd>
        <dt>{t('account.role')}</dt>
        <dd>{t(`account.roles.${user.role}`)}</dd>
        <dt>{t('account.sessions')}</dt>
        <dd>{sessions}</dd>
      </dl>
      <p>
        <Link to="/account/requests">{t('account.requestsLink')}</Link>
      </p>
      {flags.length > 0 ? (
        <section aria-labelledby="decisions-heading" className="callout">
          <h2 id="decisions-heading">{t('account.decisionsHeading')}</h2>
          <ul>
            {flags.map((f) => (
              <li key={`${f.kind}-${f.reference}`}>
                {t(f.kind === 'restriction' ? 'account.restriction' : 'account.objection', {
                  date: formatInstant(lang, f.since, timeZone),
                  reference: f.reference,
                })}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <h2 id="password-heading">{t('account.passwordHeading')}</h2>
      <Form method="post" aria-labelledby="password-heading">
        <FormError message={resendError ? undefined : formError} />
        <input type="hidden" name="intent" value="change-password" />
        <Field
          label={t('account.currentPassword')}
          key={resultKey}
          name="currentPassword"
          type="password"
          autoComplete="current-password"
          required
          error={translateError(t, errors.currentPassword)}
        />
        <Field
          label={t('account.newPassword')}
          key={`${resultKey}-new`}
          name="newPassword"
          type="password"
          autoComplete="new-password"
          required
          error={translateError(t, errors.newPassword)}
          hint={t('account.newPasswordHint')}
        />
        <button type="submit" disabled={busy}>
          {t('account.changePassword')}
        </button>
      </Form>

      <h2 id="everywhere-heading">{t('account.everywhereHeading')}</h2>
      <p>{t('account.everywhereLead')}</p>
      <Form method="post" aria-labelledby="everywhere-heading">
        <input type="hidden" name="intent" value="sign-out-everywhere" />
        <button type="submit" className="secondary" disabled={busy}>
          {t('account.everywhereButton')}
        </button>
      </Form>
    </section>
  );
}
