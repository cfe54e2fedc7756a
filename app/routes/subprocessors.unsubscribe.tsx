import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData } from '@remix-run/react';
import { unsubscribe } from '~/models/subprocessors/subscriptions.server';
import { loaderAndActionHeaders } from '~/utils/route-headers';

export const meta: MetaFunction = () => [{ title: 'Unsubscribe — Privacy Portal' }];

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
  return (
    <>
      <h1>Unsubscribe from subprocessor alerts</h1>
      {result?.outcome === 'unsubscribed' ? (
        <p className="notice" role="status">
          You are unsubscribed. We will not email you about subprocessor changes again.
        </p>
      ) : result?.outcome === 'invalid' ? (
        <p className="form-error" role="alert">
          This unsubscribe link is not valid. Please use the link from one of our emails.
        </p>
      ) : (
        <Form method="post">
          <p>Press the button to stop receiving emails about subprocessor changes.</p>
          <button type="submit">Unsubscribe</button>
        </Form>
      )}
      <p>
        <Link to="/subprocessors">Back to the subprocessor list</Link>
      </p>
    </>
  );
}
