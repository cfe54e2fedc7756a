import { json, type ActionFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useNavigation } from '@remix-run/react';
import { Trans } from 'react-i18next';
import { Field, FormError } from '~/components/field';
import { lostStatusLinkSchema } from '~/models/accounts/forms.server';
import { LINK_LIFETIME_DAYS, RATE_LIMITS } from '~/models/policy';
import { consumeRateLimit } from '~/models/rate-limits.server';
import { requestPolicy } from '~/models/requests/policy';
import { resendStatusLinks } from '~/models/requests/verification.server';
import { parseForm, type FormState } from '~/utils/form.server';
import { translateError } from '~/utils/i18n';
import { useTranslation } from '~/utils/i18n-react';
import { pageMeta } from '~/utils/meta';

export const meta: MetaFunction = ({ matches }) => pageMeta(matches, { title: 'statusLookup.title' });

const LIMITS = RATE_LIMITS.statusLinkResend;

type LostLinkState = FormState & { sent?: boolean; retryMinutes?: number };

/** The same answer whether or not the address has requests: only its mailbox learns that. */
export async function action({ request, context }: ActionFunctionArgs) {
  const parsed = await parseForm(request, lostStatusLinkSchema, { keep: ['email'] });
  if (!parsed.ok) return parsed.reply;
  const { email } = parsed.data;
  for (const [bucket, key, limits] of [
    ['status-link:email', email.toLowerCase(), LIMITS.perEmail],
    ['status-link:address', context.clientIp ?? 'unknown', LIMITS.perAddress],
  ] as const) {
    const hit = await consumeRateLimit(context.db, { bucket, key, ...limits });
    if (!hit.allowed) {
      return json<LostLinkState>(
        { formError: 'statusLookup.tooMany', retryMinutes: Math.ceil(hit.retryAfterSeconds / 60), values: { email } },
        { status: 429, headers: { 'Retry-After': String(hit.retryAfterSeconds) } },
      );
    }
  }
  await resendStatusLinks(context.db, email, { rules: requestPolicy(context.config) });
  return json<LostLinkState>({ sent: true, values: { email } });
}

export default function LostLink() {
  const result = useActionData<LostLinkState>();
  const busy = useNavigation().state === 'submitting';
  const { t } = useTranslation();
  if (result?.sent) {
    return (
      <section className="narrow">
        <h1>{t('auth.checkInboxTitle')}</h1>
        <p role="status">
          <Trans t={t} i18nKey="statusLookup.sent" values={{ email: result.values?.email ?? '' }} components={{ strong: <strong /> }} />
        </p>
      </section>
    );
  }
  const formError =
    result?.formError === 'statusLookup.tooMany' ? t('statusLookup.tooMany', { count: result.retryMinutes ?? 1 }) : translateError(t, result?.formError);
  return (
    <section className="narrow">
      <h1>{t('statusLookup.title')}</h1>
      <p>{t('statusLookup.lead', { days: LINK_LIFETIME_DAYS.statusLinkAfterClose })}</p>
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
          {t('statusLookup.send')}
        </button>
      </Form>
    </section>
  );
}
