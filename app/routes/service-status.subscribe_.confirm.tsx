import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { confirmSubscription } from '~/models/subprocessors/subscriptions.server';
import { parseForm, type FormState } from '~/utils/form.server';
import { useTranslation } from '~/utils/i18n-react';
import { pageMeta } from '~/utils/meta';
import { loaderAndActionHeaders } from '~/utils/route-headers';

export const meta: MetaFunction = ({ matches }) => [...pageMeta(matches, { title: 'serviceStatus.confirm.pageTitle' }), { name: 'robots', content: 'noindex' }];

// The link only shows a button: mail scanners that prefetch links must not confirm for anyone.
export async function loader({ request }: LoaderFunctionArgs) {
  return json({ token: new URL(request.url).searchParams.get('token') ?? '' }, { headers: { 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' } });
}

const schema = z.object({ token: z.string().optional().default('') });
type Result = FormState & { outcome?: Awaited<ReturnType<typeof confirmSubscription>> };

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await parseForm(request, schema);
  if (!form.ok) return form.reply;
  const outcome = await confirmSubscription(context.db, form.data.token);
  return json<Result>({ outcome }, { status: outcome === 'confirmed' ? 200 : 400 });
}

export const headers = loaderAndActionHeaders;

export default function ConfirmStatusAlerts() {
  const { token } = useLoaderData<typeof loader>();
  const result = useActionData<Result>();
  const { t } = useTranslation();
  return (
    <>
      <h1>{t('serviceStatus.confirm.title')}</h1>
      {result?.outcome === 'confirmed' ? (
        <p className="notice" role="status">
          {t('serviceStatus.confirm.confirmed')}
        </p>
      ) : result?.outcome === 'invalid' ? (
        <p className="form-error" role="alert">
          {t('serviceStatus.confirm.invalid')} <Link to="/service-status/subscribe">{t('serviceStatus.subscribeLink')}</Link>
        </p>
      ) : (
        <Form method="post">
          {result?.formError ? (
            <p className="form-error" role="alert">
              {result.formError}
            </p>
          ) : null}
          <input type="hidden" name="token" value={token} />
          <p>{t('serviceStatus.confirm.lead')}</p>
          <button type="submit">{t('serviceStatus.confirm.button')}</button>
        </Form>
      )}
      <p>
        <Link to="/service-status">{t('serviceStatus.back')}</Link>
      </p>
    </>
  );
}
