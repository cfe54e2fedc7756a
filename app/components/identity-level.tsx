import { Form, Link } from '@remix-run/react';
import { useTranslation } from '~/utils/i18n-react';
import { Field } from '~/components/field';
import { VERIFICATION_CODE } from '~/models/policy';
import type { SubjectStatus } from '~/models/requests/status.server';

/** Who is looking at the status page: their confirmed address, if signed in, and whether it is the request's. */
export type Viewer = { email: string | null; matches: boolean };

/**
 * What will raise the request to the identity level its type needs (issue 21.3), in the
 * subject's language: confirm signed in; enter a code; or wait for the privacy team.
 */
export function IdentityLevelPanel({ identity, viewer, fieldErrors }: { identity: NonNullable<SubjectStatus['identity']>; viewer: Viewer; fieldErrors?: Record<string, string> }) {
  const { t } = useTranslation();
  const email = identity.email;
  const signIn = (
    <p>
      <Link to="/login">{t('verification.signInLink')}</Link>
    </p>
  );
  let body;
  if (identity.forAnotherPerson) body = <p>{t('verification.agent')}</p>;
  else if (identity.step === 'staff') body = <p>{t('verification.staff')}</p>;
  else if (identity.step === 'sign_in') {
    body = (
      <>
        <p>{t('verification.signIn', { email })}</p>
        {viewer.matches ? (
          <Form method="post">
            <input type="hidden" name="intent" value="confirm-identity" />
            <button type="submit">{t('verification.confirmSignedIn', { email })}</button>
          </Form>
        ) : viewer.email ? (
          <p>{t('verification.wrongAccount', { email })}</p>
        ) : (
          signIn
        )}
      </>
    );
  } else {
    body = viewer.matches ? (
      <>
        <p>{t('verification.code', { email })}</p>
        <Form method="post">
          <input type="hidden" name="intent" value="send-code" />
          <button type="submit" className="secondary">
            {t('verification.sendCode')}
          </button>
        </Form>
        <Form method="post" noValidate>
          <input type="hidden" name="intent" value="enter-code" />
          <Field
            label={t('verification.codeLabel')}
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={20}
            hint={t('verification.codeHint', { digits: VERIFICATION_CODE.digits, minutes: VERIFICATION_CODE.lifetimeMinutes })}
            error={fieldErrors?.code ? t(fieldErrors.code) : undefined}
          />
          <button type="submit">{t('verification.enterCode')}</button>
        </Form>
      </>
    ) : (
      <>
        <p>{t('verification.codeSignIn', { email })}</p>
        {viewer.email ? <p>{t('verification.wrongAccount', { email })}</p> : signIn}
      </>
    );
  }
  return (
    <section aria-labelledby="identity-heading" className="panel">
      <h2 id="identity-heading">{t('verification.heading')}</h2>
      {body}
    </section>
  );
}
