import { json, type ActionFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData } from '@remix-run/react';
import { z } from 'zod';
import { Field } from '~/components/field';
import { consumeRateLimit } from '~/models/rate-limits.server';
import { requestSubscription } from '~/models/subprocessors/subscriptions.server';
import { readForm } from '~/utils/form.server';
import { loaderAndActionHeaders } from '~/utils/route-headers';

export const meta: MetaFunction = () => [{ title: 'Subprocessor alerts — Privacy Portal' }];

const schema = z.object({ email: z.email({ error: 'Enter an email address like name@example.com' }).max(254) });

type Result = { sent: boolean; email: string; error?: string };

export async function action({ request, context }: ActionFunctionArgs) {
  const read = await readForm(request);
  if (!read.ok) return json<Result>({ sent: false, email: '', error: read.formError }, { status: read.status, headers: read.headers });
  const form = read.fields;
  const typed = typeof form.email === 'string' ? form.email : '';
  const limit = await consumeRateLimit(context.db, {
    bucket: 'subprocessor-subscribe',
    key: context.clientIp ?? 'unknown',
    limit: 10,
    windowSeconds: 3600,
  });
  if (!limit.allowed) {
    return json<Result>(
      { sent: false, email: typed, error: `Too many attempts from your address. Try again in ${Math.ceil(limit.retryAfterSeconds / 60)} minutes.` },
      { status: 429, headers: { 'Retry-After': String(limit.retryAfterSeconds) } },
    );
  }
  const parsed = schema.safeParse({ email: typed.trim() });
  if (!parsed.success) return json<Result>({ sent: false, email: typed, error: parsed.error.issues[0]!.message }, { status: 400 });
  await requestSubscription(context.db, parsed.data, context.config);
  return json<Result>({ sent: true, email: parsed.data.email });
}

export const headers = loaderAndActionHeaders;

export default function Subscribe() {
  const result = useActionData<typeof action>();
  return (
    <>
      <h1>Email alerts about subprocessors</h1>
      {result?.sent ? (
        <p className="notice" role="status">
          Check your inbox at <strong>{result.email}</strong>: we sent a link to confirm your subscription. Nothing is sent until
          you confirm.
        </p>
      ) : (
        <>
          <p>We email you when a change to our subprocessors is announced and again when it takes effect.</p>
          <Form method="post">
            <Field
              label="Email address"
              name="email"
              type="email"
              autoComplete="email"
              required
              defaultValue={result?.email}
              error={result?.error}
            />
            <button type="submit">Subscribe</button>
          </Form>
        </>
      )}
      <p>
        <Link to="/subprocessors">Back to the subprocessor list</Link>
      </p>
    </>
  );
}
