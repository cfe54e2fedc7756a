import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData } from '@remix-run/react';
import { unsubscribeFromStatus } from '~/models/status/alerts.server';
import { useTranslation } from '~/utils/i18n-react';
import { pageMeta } from '~/utils/meta';
import { loaderAndActionHeaders } from '~/utils/route-headers';

export const meta: MetaFunction = ({ matches }) => [...pageMeta(matches, { title: 'serviceStatus.unsubscribe.pageTitle' }), { name: 'robots', content: 'noindex' }];

export async function loader(_args: LoaderFunctionArgs) {
  return json(null, { headers: { 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' } });
}

/**
 * The List-Unsubscribe target of every status alert: a mail client's RFC 8058 one-click POST
 * (body `List-Unsubscribe=One-Click`, no cookie, no Origin) and the button below both land here.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  const token = new URL(request.url).searchParams.get('token') ?? '';
  const outcome = await unsubscribeFromStatus(context.db, context.config, token);
  return json({ outcome }, { status: outcome === 'unsubscribed' ? 200 : 400 });
}

export const headers = loaderAndActionHeaders;

export default function UnsubscribeFromStatus() {
  const result = useActionData<typeof action>();
  const { t } = useTranslation();
  return (
    <>
      <h1>{t('serviceStatus.unsubscribe.title')}</h1>
      {result?.outcome === 'unsubscribed' ? (
        <p className="notice" role="status">
          {t('serviceStatus.unsubscribe.done')}
        </p>
      ) : result?.outcome === 'invalid' ? (
        <p className="form-error" role="alert">
          {t('serviceStatus.unsubscribe.invalid')}
        </p>
      ) : (
        <Form method="post">
          <p>{t('serviceStatus.unsubscribe.lead')}</p>
          <button type="submit">{t('serviceStatus.unsubscribe.button')}</button>
        </Form>
      )}
      <p>
        <Link to="/service-status">{t('serviceStatus.back')}</Link>
      </p>
    </>
  );
}
