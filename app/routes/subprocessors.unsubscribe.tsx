import { useTranslation } from '~/utils/i18n-react';
import { pageMeta } from '~/utils/meta';
import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData } from '@remix-run/react';
import { unsubscribe } from '~/models/subprocessors/subscriptions.server';
import { loaderAndActionHeaders } from '~/utils/route-headers';

export const meta: MetaFunction = ({ matches }) => [...pageMeta(matches, { title: 'alerts.unsubscribePageTitle' }), { name: 'robots', content: 'noindex' }];

export async function loader(_args: LoaderFunctionArgs) {
  return json(null, { headers: { 'Cache-Control': 'no-store' } });
}

/**
 * The List-Unsubscribe target. A mail client's RFC 8058 one-click POST (body
 * `List-Unsubscribe=One-Click`, no cookies, no Origin) and the button below both land here.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  const token = new URL(request.url).searchParams.get('token') ?? '';
  const outcome = await unsubscribe(context.db, context.config, token);
  return json({ outcome }, { status: outcome === 'unsubscribed' ? 200 : 400 });
}

export const headers = loaderAndActionHeaders;

export default function Unsubscribe() {
  const result = useActionData<typeof action>();
  const { t } = useTranslation();
  return (
    <>
      <h1>{t('alerts.unsubscribeTitle')}</h1>
      {result?.outcome === 'unsubscribed' ? (
        <p className="notice" role="status">
          {t('alerts.unsubscribed')}
        </p>
      ) : result?.outcome === 'invalid' ? (
        <p className="form-error" role="alert">
          {t('alerts.unsubscribeInvalid')}
        </p>
      ) : (
        <Form method="post">
          <p>{t('alerts.unsubscribeLead')}</p>
          <button type="submit">{t('alerts.unsubscribeButton')}</button>
        </Form>
      )}
      <p>
        <Link to="/subprocessors">{t('subscribe.back')}</Link>
      </p>
    </>
  );
}
