import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { FormError, TextAreaField } from '~/components/field';
import { answerObjection, answerSchema, getObjectionForStaff } from '~/models/subprocessors/objections.server';
import { changeTitle, todayIn } from '~/models/subprocessors/rules';
import { getChange, RegistryRuleError } from '~/models/subprocessors/registry.server';
import { requireStaff } from '~/utils/auth.server';
import { formatStaffTime } from '~/utils/dates';
import { badRequest, parseForm, type FormState } from '~/utils/form.server';
import { LANGUAGE_NAMES } from '~/utils/i18n';
import { invariantResponse } from '~/utils/invariant';

export const meta: MetaFunction = () => [{ title: 'Objection — Privacy Portal' }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, context);
  const objection = await getObjectionForStaff(context.db, { id: staff.id, ip: context.clientIp }, params.id ?? '');
  invariantResponse(objection, 'Not found', { status: 404 });
  const change = await getChange(context.db, objection.change_id);
  return json({
    id: objection.id,
    organisation: objection.organisation,
    email: objection.email,
    reason: objection.reason,
    language: LANGUAGE_NAMES[objection.lang],
    received: formatStaffTime(objection.created_at, context.config.timeZone),
    answer: objection.answer,
    answeredAt: objection.answered_at ? formatStaffTime(objection.answered_at, context.config.timeZone) : null,
    change: change ? { id: change.id, title: changeTitle(change, todayIn(context.config.timeZone)) } : null,
  });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, context);
  const form = await parseForm(request, answerSchema, { keep: ['answer'] });
  if (!form.ok) return form.reply;
  try {
    await answerObjection(context.db, { id: params.id ?? '', answer: form.data.answer }, { id: staff.id, ip: context.clientIp }, context.config);
  } catch (error) {
    if (!(error instanceof RegistryRuleError)) throw error;
    return badRequest({ formError: error.message, values: form.fields }, { keep: ['answer'] });
  }
  return redirect('/staff/objections?answered=1');
}

export default function StaffObjection() {
  const o = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  return (
    <>
      <p>
        <Link to="/staff/objections">← All objections</Link>
      </p>
      <h1>Objection from {o.organisation}</h1>
      <dl>
        <dt>Change</dt>
        <dd>{o.change ? <Link to={`/subprocessors/changes/${o.change.id}`}>{o.change.title}</Link> : 'Unknown'}</dd>
        <dt>Contact</dt>
        <dd>{o.email}</dd>
        <dt>Language</dt>
        <dd>{o.language}: the email around your answer is in it, so write the answer in it too</dd>
        <dt>Received</dt>
        <dd>{o.received}</dd>
        <dt>Reason</dt>
        <dd className="prewrap">{o.reason}</dd>
      </dl>
      {o.answer ? (
        <>
          <h2>Answer sent {o.answeredAt}</h2>
          <p className="prewrap">{o.answer}</p>
        </>
      ) : (
        <Form method="post" noValidate>
          <h2>Answer</h2>
          <FormError message={result?.formError} />
          <TextAreaField
            label="Your answer (sent by email)"
            name="answer"
            autoComplete="off"
            rows={6}
            required
            defaultValue={result?.values?.answer}
            error={result?.fieldErrors?.answer}
          />
          <button type="submit">Send answer</button>
        </Form>
      )}
    </>
  );
}
