import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { Field, FormError, TextAreaField } from '~/components/field';
import { removalSchema } from '~/models/subprocessors/schema.server';
import { todayIn } from '~/models/subprocessors/rules';
import { getLatestDetails, planRemoval, RegistryRuleError } from '~/models/subprocessors/registry.server';
import { requireStaff } from '~/utils/auth.server';
import { badRequest, parseForm, type FormState } from '~/utils/form.server';
import { invariantResponse } from '~/utils/invariant';

export const meta: MetaFunction = () => [{ title: 'Retire a subprocessor — Privacy Portal' }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requireStaff(request, context);
  const latest = await getLatestDetails(context.db, params.id ?? '');
  invariantResponse(latest, 'Not found', { status: 404 });
  return json({ name: latest.details.name, today: todayIn(context.config.timeZone) });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, context);
  const keep = ['effectiveOn', 'summary'];
  const form = await parseForm(request, removalSchema, { keep });
  if (!form.ok) return form.reply;
  const subprocessorId = params.id ?? '';
  try {
    await planRemoval(
      context.db,
      { subprocessorId, ...form.data },
      { actorId: staff.id, ip: context.clientIp, timeZone: context.config.timeZone, noticeDays: context.config.subprocessorNoticeDays },
    );
  } catch (error) {
    if (!(error instanceof RegistryRuleError)) throw error;
    return badRequest({ fieldErrors: { [error.field]: error.message }, values: form.fields }, { keep });
  }
  return redirect(`/staff/subprocessors?${new URLSearchParams({ done: `Retirement recorded for ${form.data.effectiveOn}.` })}`);
}

export default function RetireSubprocessor() {
  const { name, today } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const e = result?.fieldErrors ?? {};
  return (
    <>
      <p>
        <Link to="/staff/subprocessors">← Manage subprocessors</Link>
      </p>
      <h1>Retire {name}</h1>
      <p>No notice is owed for a removal: it may take effect today.</p>
      <Form method="post" noValidate>
        <FormError message={result?.formError ?? e.form} />
        <Field label="Retired from (effective date)" name="effectiveOn" type="date" autoComplete="off" min={today} required defaultValue={result?.values?.effectiveOn ?? today} error={e.effectiveOn} />
        <TextAreaField label="Summary for the public history" name="summary" autoComplete="off" required defaultValue={result?.values?.summary} error={e.summary} />
        <button type="submit">Retire {name}</button>
      </Form>
    </>
  );
}
