import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { confirmAccountEmail, inspectEmailLink, type EmailLink } from '~/models/accounts/email-confirmation.server';

export const meta: MetaFunction = () => [{ title: 'Confirm your email address — Privacy Portal' }, { name: 'robots', content: 'noindex' }];

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
  if (link.state === 'valid') {
    return (
      <section className="narrow">
        <h1>Confirm your email address</h1>
        <p>
          Confirm that <strong>{link.email}</strong> is yours and belongs to your Privacy Portal account.
        </p>
        <Form method="post">
          <button type="submit">Confirm my email address</button>
        </Form>
      </section>
    );
  }
  return (
    <section className="narrow">
      <h1>{link.state === 'unknown' ? 'Link not recognised' : 'This link no longer works'}</h1>
      <p>
        {link.state === 'used'
          ? 'This confirmation link has already been used.'
          : link.state === 'expired'
            ? 'Confirmation links work for 7 days, and this one has expired.'
            : 'This confirmation link is not one we sent, or it was copied incompletely.'}{' '}
        Sign in and open <Link to="/account">your account</Link> to see whether your address is confirmed or to get
        a new link.
      </p>
    </section>
  );
}
