import { json, type ActionFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { Field, FormError } from '~/components/field';
import { RATE_LIMITS } from '~/models/policy';
import { consumeRateLimit } from '~/models/rate-limits.server';
import { requestPolicy } from '~/models/requests/policy';
import { STATUS_LINK_DAYS_AFTER_CLOSE } from '~/models/requests/tokens.server';
import { resendStatusLinks } from '~/models/requests/verification.server';
import { parseForm, type FormState } from '~/utils/form.server';

export const meta: MetaFunction = () => [{ title: 'Find your request — Privacy Portal' }];

const schema = z.object({
  email: z.string().trim().min(1, 'Enter your email address.').max(254).pipe(z.email('Enter an email address like name@example.org.')),
});
const LIMITS = RATE_LIMITS.statusLinkResend;

type LostLinkState = FormState & { sent?: boolean };

/** The same answer whether or not the address has requests: only its mailbox learns that. */
export async function action({ request, context }: ActionFunctionArgs) {
  const parsed = await parseForm(request, schema, { keep: ['email'] });
  if (!parsed.ok) return parsed.reply;
  const { email } = parsed.data;
  for (const [bucket, key, limits] of [
    ['status-link:email', email.toLowerCase(), LIMITS.perEmail],
    ['status-link:address', context.clientIp ?? 'unknown', LIMITS.perAddress],
  ] as const) {
    const hit = await consumeRateLimit(context.db, { bucket, key, ...limits });
    if (!hit.allowed) {
      return json<LostLinkState>(
        { formError: `Several links were asked for in the last hour. Try again in ${Math.ceil(hit.retryAfterSeconds / 60)} minutes.`, values: { email } },
        { status: 429, headers: { 'Retry-After': String(hit.retryAfterSeconds) } },
      );
    }
  }
  await resendStatusLinks(context.db, email, { rules: requestPolicy(context.config) });
  return json<LostLinkState>({ sent: true, values: { email } });
}

export default function LostLink() {
  const result = useActionData<LostLinkState>();
  const busy = useNavigation().state === 'submitting';
  if (result?.sent) {
    return (
      <section className="narrow">
        <h1>Check your inbox</h1>
        <p role="status">
          If <strong>{result.values?.email}</strong> has requests with us, we sent a fresh private link for each one.
          Earlier links keep working as long as they did before.
        </p>
      </section>
    );
  }
  return (
    <section className="narrow">
      <h1>Find your request</h1>
      <p>
        Lost the link to your request, or does it no longer work? Enter the email address you used and we will email you a
        fresh link. Links work while a request is open and for {STATUS_LINK_DAYS_AFTER_CLOSE} days after it is closed.
      </p>
      <Form method="post" aria-describedby={result?.formError ? 'form-error' : undefined}>
        <FormError message={result?.formError} />
        <Field
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          required
          defaultValue={result?.values?.email}
          error={result?.fieldErrors?.email}
        />
        <button type="submit" disabled={busy}>
          Email me a link
        </button>
      </Form>
    </section>
  );
}
