import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { FormError, Notice } from '~/components/field';
import { requestTypeLabel } from '~/models/requests/intake-rules';
import { requestPolicy } from '~/models/requests/policy';
import { resendVerificationLink } from '~/models/requests/notify.server';
import { confirmVerification, getVerificationView } from '~/models/requests/verification.server';
import { privateHeaders, PRIVATE_HEADERS } from '~/utils/private-page';
import { badRequest, readForm, refuseForm, type FormState } from '~/utils/form.server';

export const meta: MetaFunction = () => [{ title: 'Confirm your request — Privacy Portal' }];

type VerifyActionData = FormState & { resent?: true };

const PRIVATE = PRIVATE_HEADERS;
export const headers = privateHeaders;

export async function loader({ params, context }: LoaderFunctionArgs) {
  const view = await getVerificationView(context.db, params.token ?? '');
  return json(view, { status: view.status === 'unknown' ? 404 : 200, headers: PRIVATE });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const token = params.token ?? '';
  const form = await readForm(request);
  if (!form.ok) return refuseForm(form, PRIVATE);
  if (form.fields.intent === 'confirm') {
    const result = await confirmVerification(context.db, token, { rules: requestPolicy(context.config) });
    if (result.status === 'verified') return redirect(`/status/s/${result.statusToken}`, { headers: PRIVATE });
    // The loader runs again and shows the expired or used page.
    return badRequest({ formError: 'This link can no longer confirm a request.' }, { status: 409, headers: PRIVATE });
  }
  if (form.fields.intent === 'resend') {
    const result = await resendVerificationLink(context, { token, clientAddress: context.clientIp ?? 'unknown' });
    if (result.kind === 'rate_limited') {
      return badRequest(
        { formError: `Too many new links asked for. Please try again in ${Math.ceil(result.retryAfterSeconds / 60)} minutes.` },
        { status: 429, headers: { ...PRIVATE, 'Retry-After': String(result.retryAfterSeconds) } },
      );
    }
    return json<VerifyActionData>({ resent: true }, { headers: PRIVATE });
  }
  return badRequest({ formError: 'Unknown action.' }, { headers: PRIVATE });
}

export default function Verify() {
  const view = useLoaderData<typeof loader>();
  const data = useActionData<VerifyActionData>();
  if (view.status === 'unknown') {
    return (
      <section className="narrow">
        <h1>Link not recognised</h1>
        <p>This confirmation link is not one we sent, or it was copied incompletely. Check the address in your email.</p>
        <p>
          <Link to="/requests/new">Make a new request</Link>
        </p>
      </section>
    );
  }
  const { request } = view;
  if (view.status !== 'valid') {
    return (
      <section className="narrow">
        <h1>{view.status === 'expired' ? 'This link has expired' : 'This link has already been used'}</h1>
        <p>
          {view.status === 'expired'
            ? 'Confirmation links are valid for 7 days.'
            : 'Each confirmation link works once. Your request may already be confirmed.'}{' '}
          We can email a new link to the address on request {request.reference}: a confirmation link if it still needs
          confirming, or a link to its status page if it is confirmed.
        </p>
        <FormError message={data?.formError} />
        {data?.resent ? (
          <Notice>If the request can still be followed, a new link is on its way to the email address on it.</Notice>
        ) : (
          <Form method="post">
            <button type="submit" name="intent" value="resend">
              Email me a new link
            </button>
          </Form>
        )}
        <p>
          <Link to="/requests/new">Make a new request</Link>
        </p>
      </section>
    );
  }
  return (
    <section className="narrow">
      <h1>Confirm your request</h1>
      <p>Check the details below, then confirm. Your request starts, and the one-month deadline runs, from the moment you confirm.</p>
      <dl>
        <dt>Reference</dt>
        <dd>{request.reference}</dd>
        <dt>Request</dt>
        <dd>{requestTypeLabel(request.type)}</dd>
        <dt>Name</dt>
        <dd>{request.name}</dd>
        <dt>Email</dt>
        <dd>{request.email}</dd>
        {request.details ? (
          <>
            <dt>Details</dt>
            <dd className="preserve">{request.details}</dd>
          </>
        ) : null}
      </dl>
      <FormError message={data?.formError} />
      <Form method="post">
        <button type="submit" name="intent" value="confirm">
          Confirm my request
        </button>
      </Form>
    </section>
  );
}
