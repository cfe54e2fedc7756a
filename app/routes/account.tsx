import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { Field, FormError, Notice, useResultKey } from '~/components/field';
import { changePasswordSchema } from '~/models/accounts/forms.server';
import { resendEmailConfirmation } from '~/models/accounts/email-confirmation.server';
import { changePassword, signOutEverywhere } from '~/models/accounts/accounts.server';
import { countActiveSessions } from '~/models/accounts/sessions.server';
import { flagsForEmail } from '~/models/requests/flags.server';
import { formatInstant } from '~/utils/i18n';
import { clearSessionCookieHeader, requireUser, sessionCookieHeader } from '~/utils/auth.server';
import { badRequest, readForm, refuseForm, validateFields, type FormState } from '~/utils/form.server';

export const meta: MetaFunction = () => [{ title: 'Your account — Privacy Portal' }];

const ROLE_NAMES = { subject: 'Data subject', staff: 'Privacy staff', admin: 'Administrator' } as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  // Decisions about the address are shown only to an account that proved it owns the address.
  const [sessions, flags] = await Promise.all([
    countActiveSessions(context.db, user.id),
    user.emailVerified ? flagsForEmail(context.db, user.email) : Promise.resolve([]),
  ]);
  return json({ user, sessions, flags, timeZone: context.config.timeZone });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(request, context);
  const form = await readForm(request);
  if (!form.ok) return refuseForm(form);
  const intent = form.fields.intent;
  if (intent === 'resend-confirmation') {
    if (user.emailVerified) return redirect('/account');
    const sent = await resendEmailConfirmation(context.db, context.config, user);
    if (!sent.ok) {
      return badRequest(
        {
          formError: `A link was sent several times in the last hour. Try again in ${Math.ceil(sent.retryAfterSeconds / 60)} minutes.`,
          values: { intent },
        },
        { keep: ['intent'] },
      );
    }
    return redirect('/account?sent=confirmation');
  }
  if (intent === 'sign-out-everywhere') {
    await signOutEverywhere(context.db, { userId: user.id, ip: context.clientIp });
    return redirect('/login', { headers: { 'Set-Cookie': clearSessionCookieHeader(context) } });
  }
  if (intent !== 'change-password') return badRequest({ formError: 'Choose what to change and try again.' });
  const parsed = validateFields(changePasswordSchema(user.email), form.fields);
  if (!parsed.ok) return parsed.reply;
  const result = await changePassword(context.db, {
    userId: user.id,
    currentPassword: parsed.data.currentPassword,
    newPassword: parsed.data.newPassword,
    ip: context.clientIp,
  }, context.config);
  if (!result.ok) {
    return badRequest({
      fieldErrors: {
        currentPassword:
          'Your current password was not accepted, or there have been too many attempts. Try again in a few minutes.',
      },
    });
  }
  return redirect('/account?changed=password', {
    headers: { 'Set-Cookie': sessionCookieHeader(context, result.token, result.maxAgeSeconds) },
  });
}

export default function Account() {
  const { user, sessions, flags, timeZone } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const [params] = useSearchParams();
  const busy = useNavigation().state === 'submitting';
  const errors = result?.fieldErrors ?? {};
  const resultKey = useResultKey(result);
  const resendError = result?.values?.intent === 'resend-confirmation' ? result.formError : undefined;
  return (
    <section className="narrow">
      <h1>Your account</h1>
      {params.get('changed') === 'password' ? (
        <Notice>Your password was changed. Every other session has been signed out.</Notice>
      ) : null}
      {params.get('confirmed') === 'email' ? <Notice>Your email address is confirmed.</Notice> : null}
      {params.get('sent') === 'confirmation' ? (
        <Notice>A new confirmation link is on its way to {user.email}.</Notice>
      ) : null}
      {user.emailVerified ? null : (
        <section aria-labelledby="confirm-heading" className="callout">
          <h2 id="confirm-heading">Confirm your email address</h2>
          <p>
            We sent a link to {user.email}. Until you open it, requests you file are confirmed by email like anyone
            else&apos;s, rather than accepted at once.
          </p>
          <FormError message={resendError} id="confirm-error" />
          <Form method="post" aria-labelledby="confirm-heading">
            <input type="hidden" name="intent" value="resend-confirmation" />
            <button type="submit" className="secondary" disabled={busy}>
              Email me a new link
            </button>
          </Form>
        </section>
      )}
      <dl>
        <dt>Email</dt>
        <dd>
          {user.email} {user.emailVerified ? '(confirmed)' : '(not confirmed yet)'}
        </dd>
        <dt>Role</dt>
        <dd>{ROLE_NAMES[user.role]}</dd>
        <dt>Signed-in sessions</dt>
        <dd>{sessions}</dd>
      </dl>
      <p>
        <Link to="/account/requests">Your data-protection requests</Link>
      </p>
      {flags.length > 0 ? (
        <section aria-labelledby="decisions-heading" className="callout">
          <h2 id="decisions-heading">Decisions in force about your data</h2>
          <ul>
            {flags.map((f) => (
              <li key={`${f.kind}-${f.reference}`}>
                {f.kind === 'restriction'
                  ? 'Processing of your data is restricted (Art. 18 GDPR)'
                  : 'Your objection was upheld: the processing you objected to has stopped (Art. 21 GDPR)'}
                , since {formatInstant('en', f.since, timeZone)}, request {f.reference}.
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <h2 id="password-heading">Change your password</h2>
      <Form method="post" aria-labelledby="password-heading">
        <FormError message={resendError ? undefined : result?.formError} />
        <input type="hidden" name="intent" value="change-password" />
        <Field
          label="Current password"
          key={resultKey}
          name="currentPassword"
          type="password"
          autoComplete="current-password"
          required
          error={errors.currentPassword}
        />
        <Field
          label="New password"
          key={`${resultKey}-new`}
          name="newPassword"
          type="password"
          autoComplete="new-password"
          required
          error={errors.newPassword}
          hint="At least 12 characters; any characters, spaces included."
        />
        <button type="submit" disabled={busy}>
          Change password
        </button>
      </Form>

      <h2 id="everywhere-heading">Sign out everywhere</h2>
      <p>Ends every session of this account, on this device and all others, at once.</p>
      <Form method="post" aria-labelledby="everywhere-heading">
        <input type="hidden" name="intent" value="sign-out-everywhere" />
        <button type="submit" className="secondary" disabled={busy}>
          Sign out everywhere
        </button>
      </Form>
    </section>
  );
}
