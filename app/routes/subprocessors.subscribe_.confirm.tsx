import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { confirmSubscription } from '~/models/subprocessors/subscriptions.server';
import { readForm } from '~/utils/form.server';
import { loaderAndActionHeaders } from '~/utils/route-headers';

export const meta: MetaFunction = () => [{ title: 'Confirm your alerts — Privacy Portal' }];

// The link only shows a button: mail scanners that prefetch links must not confirm on anyone's behalf.
export async function loader({ request }: LoaderFunctionArgs) {
  return json({ token: new URL(request.url).searchParams.get('token') ?? '' }, { headers: { 'Cache-Control': 'no-store' } });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await readForm(request);
  if (!form.ok) return json({ outcome: 'invalid' as const }, { status: form.status, headers: form.headers });
  const token = form.fields.token ?? '';
  const outcome = await confirmSubscription(context.db, token);
  return json({ outcome }, { status: outcome === 'confirmed' ? 200 : 400 });
}

export const headers = loaderAndActionHeaders;

export default function ConfirmSubscription() {
  const { token } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <>
      <h1>Confirm your subscription</h1>
      {result?.outcome === 'confirmed' ? (
        <p className="notice" role="status">
          You are subscribed. We will email you when a subprocessor change is announced and when it takes effect.
        </p>
      ) : result?.outcome === 'invalid' ? (
        <p className="form-error" role="alert">
          This link is not valid: it may have expired or been used already. <Link to="/subprocessors/subscribe">Subscribe again</Link>.
        </p>
      ) : (
        <Form method="post">
          <input type="hidden" name="token" value={token} />
          <p>Press the button to start receiving alerts about subprocessor changes.</p>
          <button type="submit">Confirm my subscription</button>
        </Form>
      )}
      <p>
        <Link to="/subprocessors">Back to the subprocessor list</Link>
      </p>
    </>
  );
}
