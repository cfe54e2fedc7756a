import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import { SubprocessorForm } from '~/components/subprocessor-form';
import { DETAIL_FIELDS, updateSchema } from '~/models/subprocessors/schema.server';
import { earliestEffectiveDate, todayIn } from '~/models/subprocessors/rules';
import { getLatestDetails, planUpdate, RegistryRuleError } from '~/models/subprocessors/registry.server';
import { requireStaff } from '~/utils/auth.server';
import { badRequest, parseForm, type FormState } from '~/utils/form.server';
import { invariantResponse } from '~/utils/invariant';

export const meta: MetaFunction = () => [{ title: 'Change a subprocessor — Privacy Portal' }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requireStaff(request, context);
  const latest = await getLatestDetails(context.db, params.id ?? '');
  invariantResponse(latest, 'Not found', { status: 404 });
  const { timeZone, subprocessorNoticeDays: noticeDays } = context.config;
  const d = latest.details;
  return json({
    name: d.name,
    noticeDays,
    earliest: earliestEffectiveDate({ kind: 'updated', today: todayIn(timeZone), noticeDays }),
    values: { ...d, dataCategories: d.dataCategories.join('\n'), locations: d.locations.join(', ') } as Record<string, string>,
  });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, context);
  const keep = DETAIL_FIELDS;
  const form = await parseForm(request, updateSchema, { keep });
  if (!form.ok) return form.reply;
  const { effectiveOn, summary, correction, ...details } = form.data;
  const subprocessorId = params.id ?? '';
  try {
    await planUpdate(
      context.db,
      { subprocessorId, details, effectiveOn: correction ? todayIn(context.config.timeZone) : effectiveOn, correction, summary },
      { actorId: staff.id, ip: context.clientIp, timeZone: context.config.timeZone, noticeDays: context.config.subprocessorNoticeDays },
    );
  } catch (error) {
    if (!(error instanceof RegistryRuleError)) throw error;
    return badRequest({ fieldErrors: { [error.field]: error.message }, values: form.fields }, { keep });
  }
  return redirect(`/staff/subprocessors?${new URLSearchParams({ done: `The change to ${details.name} is recorded.` })}`);
}

export default function EditSubprocessor() {
  const { name, values, earliest, noticeDays } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  return (
    <>
      <p>
        <Link to="/staff/subprocessors">← Manage subprocessors</Link>
      </p>
      <h1>Change {name}</h1>
      <p>A change in what they do or where is announced now and takes effect after the notice period.</p>
      <SubprocessorForm
        values={result?.values ?? values}
        errors={{ form: result?.formError, ...result?.fieldErrors }}
        earliest={earliest}
        noticeDays={noticeDays}
        submitLabel="Record the change"
        withSummary
        withCorrection
      />
    </>
  );
}
