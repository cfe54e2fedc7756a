import { randomUUID } from 'node:crypto';
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { CheckboxField, RadioGroupField } from '~/components/choice-fields';
import { Field, FormError, TextAreaField } from '~/components/field';
import { intakeFormSchema, REQUEST_TYPES } from '~/models/requests/intake-rules';
import { isUnverified } from '~/models/requests/lifecycle';
import { submitIntake } from '~/models/requests/intake.server';
import { getOptionalUser } from '~/utils/auth.server';
import { badRequest, readForm, refuseForm, validateFields, type FormState } from '~/utils/form.server';

export const meta: MetaFunction = () => [{ title: 'Make a request — Privacy Portal' }];


const ECHO = ['type', 'email', 'name', 'accountIdentifier', 'details', 'requesterRole', 'confirm', 'submissionId'];
/** A field people never see; bots that fill every input fill it too. */
const HONEYPOT = 'website';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await getOptionalUser(request, context);
  // A fresh key per rendering of the form: a retried post of this form is recognised as the same submission.
  return json({ submissionId: randomUUID(), accountEmail: user?.email ?? null }, { headers: { 'Cache-Control': 'no-store' } });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await readForm(request);
  if (!form.ok) return refuseForm(form);
  if ((form.fields[HONEYPOT] ?? '') !== '') return redirect('/requests/sent');
  const values = form.fields;

  const parsed = validateFields(intakeFormSchema, form.fields, { keep: ECHO, formError: 'Some answers need your attention.' });
  if (!parsed.ok) return parsed.reply;
  const user = await getOptionalUser(request, context);
  const outcome = await submitIntake(context, { input: parsed.data, clientAddress: context.clientIp ?? 'unknown', user });
  if (outcome.kind === 'rate_limited') {
    return badRequest(
      { formError: `Too many requests from here. Please try again in ${Math.ceil(outcome.retryAfterSeconds / 60)} minutes.`, values },
      { keep: ECHO, status: 429, headers: { 'Retry-After': String(outcome.retryAfterSeconds) } },
    );
  }
  const { result } = outcome;
  // A signed-in subject sees their own request at once; everyone else is sent to their mailbox.
  if (user && result.outcome !== 'replayed' && result.request.user_id === user.id && !isUnverified(result.request.state)) {
    return redirect(`/account/requests/${result.request.id}${result.outcome === 'duplicate' ? '?duplicate=1' : ''}`);
  }
  return redirect('/requests/sent');
}

export default function NewRequest() {
  const { submissionId, accountEmail } = useLoaderData<typeof loader>();
  const data = useActionData<FormState>();
  const errors = data?.fieldErrors ?? {};
  const values = data?.values ?? {};
  const submitting = useNavigation().state === 'submitting';
  return (
    <section className="narrow-wide">
      <h1>Make a request</h1>
      <p className="lead">
        Tell us what you want us to do with your personal data. We will email you a link to confirm your address; the
        one-month deadline starts when you confirm.
      </p>
      <FormError message={data?.formError} />
      <Form method="post" noValidate>
        <input type="hidden" name="submissionId" value={values.submissionId || submissionId} />
        <RadioGroupField
          legend="What are you asking for?"
          name="type"
          options={REQUEST_TYPES}
          defaultValue={values.type}
          error={errors.type}
        />
        <Field label="Email address" name="email" type="email" autoComplete="email" defaultValue={values.email ?? accountEmail ?? ''} error={errors.email} hint={accountEmail ? 'Your account email: the request is confirmed at once.' : 'We send the confirmation link and updates here.'} />
        <Field label="Full name" name="name" autoComplete="name" defaultValue={values.name} error={errors.name} />
        <Field
          label="Account identifier (optional)"
          name="accountIdentifier"
          autoComplete="off"
          defaultValue={values.accountIdentifier}
          error={errors.accountIdentifier}
          hint="A customer number or username, if you have one: it helps us find your data."
        />
        <TextAreaField
          label="Details"
          name="details"
          rows={6}
          autoComplete="off"
          defaultValue={values.details}
          error={errors.details}
          hint="Required for rectification (what is wrong, and what it should be) and objection (which processing, and why)."
        />
        <RadioGroupField
          legend="Who is this request for?"
          name="requesterRole"
          options={[
            { value: 'self', label: 'Myself' },
            { value: 'representative', label: 'Someone else, who has authorised me to act for them' },
          ]}
          defaultValue={values.requesterRole}
          error={errors.requesterRole}
        />
        <CheckboxField
          name="confirm"
          label="I confirm that I am the person this request is about, or that I am authorised to act for them."
          defaultChecked={values.confirm === 'yes'}
          error={errors.confirm}
        />
        <div className="hp">
          <label htmlFor="field-website">Leave this field empty</label>
          <input id="field-website" name={HONEYPOT} type="text" tabIndex={-1} autoComplete="off" defaultValue="" />
        </div>
        <button type="submit" disabled={submitting}>
          Send request
        </button>
      </Form>
    </section>
  );
}
