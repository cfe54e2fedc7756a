import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { Trans } from 'react-i18next';
import { useTranslation } from '~/utils/i18n-react';
import { confirmAccountEmail, inspectEmailLink, type EmailLink } from '~/models/accounts/email-confirmation.server';
import { LINK_LIFETIME_DAYS } from '~/models/policy';
import { pageMeta } from '~/utils/meta';

export const meta: MetaFunction = ({ matches }) => [
  ...pageMeta(matches, { title: 'account.confirmPageTitle' }),
  { name: 'robots', content: 'noindex' },
];

// The token is the credential: never cached, never sent on as a Referer.
const PRIVATE = { 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' };

export async function loader({ params, context }: LoaderFunctionArgs) {
  const link = await inspectEmailLink(context.db, params.token ?? '');
  return json(link, { status: link.state === 'unknown' ? 404 : link.state === 'valid' ? 200 : 410, headers: PRIVATE });
}

// Opening the link only shows a button: mail scanners that prefetch links cannot confirm.
export async function action({ params, context }: ActionFunctionArgs) {
  const result = await confirmAccountEmail(context.db, params.token ?? '', context.clientIp);
  if (result.ok) return redirect('/account?confirmed=email', { headers: PRIVATE });
  return json({ state: result.reason } satisfies EmailLink, { status: result.reason === 'unknown' ? 404 : 410, headers: PRIVATE });
}

export function headers() {
  return PRIVATE;
}

export default function ConfirmAccountEmail() {
  const link = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  if (link.state === 'valid') {
    return (
      <section className="narrow">
        <h1>{t('account.confirmPageTitle')}</h1>
        <p>
          <Trans t={t} i18nKey="account.confirmLead" values={{ email: link.email }} components={{ strong: <strong /> }} />
        </p>
        <Form method="post">
          <button type="submit">{t('account.confirmButton')}</button>
        </Form>
      </section>
    );
  }
  const why = {
    used: t('account.linkUsed'),
    expired: t('account.linkExpired', { days: LINK_LIFETIME_DAYS.accountEmailConfirmation }),
    unknown: t('account.linkUnknown'),
  }[link.state];
  return (
    <section className="narrow">
      <h1>{link.state === 'unknown' ? t('account.linkUnknownTitle') : t('account.linkGoneTitle')}</h1>
      <p>
        {why} <Trans t={t} i18nKey="account.linkNext" components={{ link: <Link to="/account" /> }} />
      </p>
    </section>
  );
}
