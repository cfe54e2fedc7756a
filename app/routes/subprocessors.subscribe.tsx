import { json, type ActionFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData } from '@remix-run/react';
import { z } from 'zod';
import { Field } from '~/components/field';
import { RATE_LIMITS } from '~/models/policy';
import { consumeRateLimit } from '~/models/rate-limits.server';
import { requestSubscription } from '~/models/subprocessors/subscriptions.server';
import { badRequest, readForm, refuseForm, validateFields, type FormState } from '~/utils/form.server';
import { loaderAndActionHeaders } from '~/utils/route-headers';

export const meta: MetaFunction = () => [{ title: 'Subprocessor alerts — Privacy Portal' }];

const EMAIL_ERROR = 'Enter an email address like name@example.com';
const schema = z.object({ email: z.string({ error: EMAIL_ERROR }).trim().pipe(z.email({ error: EMAIL_ERROR }).max(254)) });
const KEEP = ['email'];

type Result = FormState & { sent?: true };

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
      { formError: `Too many attempts from your address. Try again in ${Math.ceil(limit.retryAfterSeconds / 60)} minutes.`, values: form.fields },
      { keep: KEEP, status: 429, headers: { 'Retry-After': String(limit.retryAfterSeconds) } },
    );
  }
  const parsed = validateFields(schema, form.fields, { keep: KEEP });
  if (!parsed.ok) return parsed.reply;
  await requestSubscription(context.db, parsed.data, context.config);
  return json<Result>({ sent: true, values: { email: parsed.data.email } });
}

export const headers = loaderAndActionHeaders;

export default function Subscribe() {
  const result = useActionData<Result>();
  return (
    <>
      <h1>Email alerts about subprocessors</h1>
      {result?.sent ? (
        <p className="notice" role="status">
          Check your inbox at <strong>{result.values?.email}</strong>: we sent a link to confirm your subscription. Nothing is sent until
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
              defaultValue={result?.values?.email}
              error={result?.fieldErrors?.email ?? result?.formError}
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
