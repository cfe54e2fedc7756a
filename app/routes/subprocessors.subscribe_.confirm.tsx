import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { confirmSubscription } from '~/models/subprocessors/subscriptions.server';
import { parseForm, type FormState } from '~/utils/form.server';
import { loaderAndActionHeaders } from '~/utils/route-headers';

export const meta: MetaFunction = () => [{ title: 'Confirm your alerts — Privacy Portal' }];

// The link only shows a button: mail scanners that prefetch links must not confirm on anyone's behalf.
export async function loader({ request }: LoaderFunctionArgs) {
  return json({ token: new URL(request.url).searchParams.get('token') ?? '' }, { headers: { 'Cache-Control': 'no-store' } });
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

export default function ConfirmSubscription() {
  const { token } = useLoaderData<typeof loader>();
  const result = useActionData<Result>();
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
          {result?.formError ? (
            <p className="form-error" role="alert">
              {result.formError}
            </p>
          ) : null}
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
