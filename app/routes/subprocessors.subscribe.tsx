import { json, type ActionFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { Field } from '~/components/field';
import { consumeRateLimit } from '~/models/rate-limits.server';
import { parseSubscriptionEmail, requestSubscription } from '~/models/subprocessors/subscriptions.server';
import { languageOf } from '~/utils/language.server';
import { pageMeta } from '~/utils/meta';
import { loaderAndActionHeaders } from '~/utils/route-headers';

export const meta: MetaFunction = ({ matches }) => pageMeta(matches, { title: 'subscribe.title', description: 'registry.metaDescription' });

type Result = { sent: boolean; email: string; error?: string; retryMinutes?: number };

export async function action({ request, context }: ActionFunctionArgs) {
  const form = Object.fromEntries(await request.formData());
  const typed = typeof form.email === 'string' ? form.email : '';
  const limit = await consumeRateLimit(context.db, {
    bucket: 'subprocessor-subscribe',
    key: context.clientIp ?? 'unknown',
    limit: 10,
    windowSeconds: 3600,
  });
  if (!limit.allowed) {
    return json<Result>(
      { sent: false, email: typed, error: 'errors.tooMany', retryMinutes: Math.ceil(limit.retryAfterSeconds / 60) },
      { status: 429, headers: { 'Retry-After': String(limit.retryAfterSeconds) } },
    );
  }
  const email = parseSubscriptionEmail(typed);
  if (!email) return json<Result>({ sent: false, email: typed, error: 'subscribe.emailError' }, { status: 400 });
  // Alerts go out in the language the visitor used here.
  await requestSubscription(context.db, { email, lang: languageOf(request) }, context.config);
  return json<Result>({ sent: true, email });
}

export const headers = loaderAndActionHeaders;

export default function Subscribe() {
  const result = useActionData<typeof action>();
  const { t } = useTranslation();
  return (
    <>
      <h1>{t('subscribe.title')}</h1>
      {result?.sent ? (
        <p className="notice" role="status">
          {t('subscribe.sent', { email: result.email })}
        </p>
      ) : (
        <>
          <p>{t('subscribe.lead')}</p>
          <Form method="post">
            <Field
              label={t('registry.email')}
              name="email"
              type="email"
              autoComplete="email"
              required
              defaultValue={result?.email}
              error={result?.error ? t(result.error, { count: result.retryMinutes ?? 1 }) : undefined}
            />
            <button type="submit">{t('registry.subscribe')}</button>
          </Form>
        </>
      )}
      <p>
        <Link to="/subprocessors">{t('subscribe.back')}</Link>
      </p>
    </>
  );
}
