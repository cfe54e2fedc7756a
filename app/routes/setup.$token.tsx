import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { Field, FormError, useResultKey } from '~/components/field';
import { completeFirstAdminSetup, isSetupLinkUsable } from '~/models/accounts/first-admin.server';
import { signUpSchema } from '~/models/accounts/forms.server';
import { sessionCookieHeader } from '~/utils/auth.server';
import { badRequest, parseForm, type FormState } from '~/utils/form.server';
import { tFor, translateError } from '~/utils/i18n';
import { PRIVATE_HEADERS, privateHeaders } from '~/utils/private-page';

/**
 * The first administrator, from the one-time link a starting portal shows while there is none
 * (app/server/setup-link.server.ts). Staff side, so in English.
 */
export const meta: MetaFunction = () => [{ title: 'Create the first administrator — Privacy Portal' }, { name: 'robots', content: 'noindex' }];

// The token is the credential: never cached, never sent on as a Referer.
export const headers = privateHeaders;

const LINK_GONE = 'This setup link no longer works: it was used, it expired, or an administrator exists. Restart the portal for a new one while there is no administrator.';
const KEEP = ['email'];

export async function loader({ params, context }: LoaderFunctionArgs) {
  const usable = await isSetupLinkUsable(context.db, params.token ?? '');
  return json({ usable }, { status: usable ? 200 : 410, headers: PRIVATE_HEADERS });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  // A dead link is 410 whatever was sent; a live one is spent atomically below.
  if (!(await isSetupLinkUsable(context.db, params.token ?? ''))) {
    return badRequest({ formError: LINK_GONE }, { status: 410, headers: PRIVATE_HEADERS });
  }
  const form = await parseForm(request, signUpSchema, { keep: KEEP, headers: PRIVATE_HEADERS });
  if (!form.ok) return form.reply;
  const session = await completeFirstAdminSetup(
    context.db,
    { token: params.token ?? '', email: form.data.email, password: form.data.password, ip: context.clientIp },
    { dataDir: context.config.dataDir },
  );
  if (!session) return badRequest({ formError: LINK_GONE, values: form.fields }, { keep: KEEP, status: 410, headers: PRIVATE_HEADERS });
  return redirect('/staff', { headers: { ...PRIVATE_HEADERS, 'Set-Cookie': sessionCookieHeader(context, session.token, session.maxAgeSeconds) } });
}

export default function FirstAdministrator() {
  const { usable } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const busy = useNavigation().state === 'submitting';
  const resultKey = useResultKey(result);
  const t = tFor('en');
  if (!usable) {
    return (
      <section className="narrow">
        <h1>Setup link used or expired</h1>
        <p>{result?.formError ?? LINK_GONE}</p>
      </section>
    );
  }
  const errors = result?.fieldErrors ?? {};
  return (
    <section className="narrow">
      <h1>Create the first administrator</h1>
      <p>
        This portal has no administrator yet. Choose the email address and password you will sign in with. The account is
        confirmed at once and can invite the rest of the privacy team from <strong>Staff accounts</strong>.
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
          error={translateError(t, errors.email)}
        />
        <Field
          label="Password"
          key={resultKey}
          name="password"
          type="password"
          autoComplete="new-password"
          required
          error={translateError(t, errors.password)}
          hint={t('auth.passwordHint')}
        />
        <button type="submit" disabled={busy}>
          Create administrator
        </button>
      </Form>
    </section>
  );
}
