import { json, type ActionFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData } from '@remix-run/react';
import { useTranslation } from '~/utils/i18n-react';
import { Field } from '~/components/field';
import { RATE_LIMITS } from '~/models/policy';
import { consumeRateLimit } from '~/models/rate-limits.server';
import { requestSubscription, subscribeSchema } from '~/models/subprocessors/subscriptions.server';
import { badRequest, readForm, refuseForm, validateFields, type FormState } from '~/utils/form.server';
import { translateError } from '~/utils/i18n';
import { languageOf } from '~/utils/language.server';
import { pageMeta } from '~/utils/meta';
import { loaderAndActionHeaders } from '~/utils/route-headers';

export const meta: MetaFunction = ({ matches }) => pageMeta(matches, { title: 'subscribe.title', description: 'registry.metaDescription' });

const KEEP = ['email'];

type Result = FormState & { sent?: true; retryMinutes?: number };

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await readForm(request);
  if (!form.ok) return refuseForm(form);
  const limit = await consumeRateLimit(context.db, {
    bucket: 'subprocessor-subscribe',
    key: context.clientIp ?? 'unknown',
    ...RATE_LIMITS.subprocessorSubscribe,
  });
  if (!limit.allowed) {
    return badRequest(
      { formError: 'errors.tooMany', values: form.fields, retryMinutes: Math.ceil(limit.retryAfterSeconds / 60) } as Result,
      { keep: KEEP, status: 429, headers: { 'Retry-After': String(limit.retryAfterSeconds) } },
    );
  }
  const parsed = validateFields(subscribeSchema, form.fields, { keep: KEEP });
  if (!parsed.ok) return parsed.reply;
  // Alerts go out in the language the visitor used here.
  await requestSubscription(context.db, { ...parsed.data, lang: languageOf(request) }, context.config);
  return json<Result>({ sent: true, values: { email: parsed.data.email } });
}

export const headers = loaderAndActionHeaders;

export default function Subscribe() {
  const result = useActionData<Result>();
  const { t } = useTranslation();
  const error = result?.fieldErrors?.email ?? result?.formError;
  return (
    <>
      <h1>{t('subscribe.title')}</h1>
      {result?.sent ? (
        <p className="notice" role="status">
          {t('subscribe.sent', { email: result.values?.email })}
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
              defaultValue={result?.values?.email}
              error={error === 'errors.tooMany' ? t('errors.tooMany', { count: result?.retryMinutes ?? 1 }) : translateError(t, error)}
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
