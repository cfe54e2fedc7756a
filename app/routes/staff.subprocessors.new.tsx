import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import { SubprocessorForm } from '~/components/subprocessor-form';
import { additionSchema, DETAIL_FIELDS } from '~/models/subprocessors/schema.server';
import { earliestEffectiveDate, todayIn } from '~/models/subprocessors/rules';
import { planAddition, RegistryRuleError } from '~/models/subprocessors/registry.server';
import { requireStaff } from '~/utils/auth.server';
import { badRequest, parseForm, type FormState } from '~/utils/form.server';

export const meta: MetaFunction = () => [{ title: 'Plan a new subprocessor — Privacy Portal' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireStaff(request, context);
  const { timeZone, subprocessorNoticeDays: noticeDays } = context.config;
  return json({ noticeDays, earliest: earliestEffectiveDate({ kind: 'added', today: todayIn(timeZone), noticeDays }) });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, context);
  const keep = DETAIL_FIELDS;
  const form = await parseForm(request, additionSchema, { keep });
  if (!form.ok) return form.reply;
  const { effectiveOn, ...details } = form.data;
  try {
    await planAddition(
      context.db,
      { details, effectiveOn },
      { actorId: staff.id, ip: context.clientIp, timeZone: context.config.timeZone, noticeDays: context.config.subprocessorNoticeDays },
    );
  } catch (error) {
    if (!(error instanceof RegistryRuleError)) throw error;
    return badRequest({ fieldErrors: { [error.field]: error.message }, values: form.fields }, { keep });
  }
  return redirect(`/staff/subprocessors?${new URLSearchParams({ done: `${details.name} is announced for ${effectiveOn}.` })}`);
}

export default function NewSubprocessor() {
  const { earliest, noticeDays } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  return (
    <>
      <p>
        <Link to="/staff/subprocessors">← Manage subprocessors</Link>
      </p>
      <h1>Plan a new subprocessor</h1>
      <p>It is announced at once (page, feeds, email alerts) and takes effect on the date you choose.</p>
      <SubprocessorForm
        values={result?.values ?? {}}
        errors={{ form: result?.formError, ...result?.fieldErrors }}
        earliest={earliest}
        noticeDays={noticeDays}
        submitLabel="Announce the new subprocessor"
      />
    </>
  );
}
