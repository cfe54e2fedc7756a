import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import { BreachForm } from '~/components/breach-form';
import { BreachRuleError, StaleBreachError } from '~/models/breaches/errors';
import { breachSchema } from '~/models/breaches/forms.server';
import { breachForEditing, breachVersion, updateBreach } from '~/models/breaches/register.server';
import { actorOf, requireBreachOfficer } from '~/routes/breach-guard.server';
import { BREACH_FIELDS, breachFormValues } from '~/routes/breach-form.server';
import { badRequest, parseForm, type FormState } from '~/utils/form.server';
import { invariantResponse } from '~/utils/invariant';

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Change ${data?.reference ?? 'breach'} — Breach register — Privacy Portal` }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requireBreachOfficer(request, context);
  const found = await breachForEditing(context.db, params.id ?? '');
  invariantResponse(found, 'Not found', { status: 404 });
  const { breach, clockFixed } = found;
  return json({
    id: breach.id,
    reference: breach.reference,
    version: breachVersion(breach),
    clockFixed,
    values: breachFormValues(breach, context.config.timeZone),
    timeZone: context.config.timeZone,
  });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requireBreachOfficer(request, context);
  const settings = { timeZone: context.config.timeZone, now: new Date() };
  const form = await parseForm(request, breachSchema(settings), { keep: BREACH_FIELDS });
  if (!form.ok) return form.reply;
  const { version, ...data } = form.data;
  try {
    const updated = await updateBreach(context.db, { id: params.id ?? '', version, data }, actorOf(user, context), settings);
    invariantResponse(updated, 'Not found', { status: 404 });
    return redirect(`/staff/breaches/${updated.id}?done=updated`);
  } catch (error) {
    if (error instanceof StaleBreachError) return badRequest({ formError: error.message }, { status: 409 });
    if (!(error instanceof BreachRuleError)) throw error;
    return badRequest({ formError: error.formError, fieldErrors: error.fieldErrors, values: form.fields }, { keep: BREACH_FIELDS });
  }
}

export default function EditBreach() {
  const { id, reference, version, values, timeZone, clockFixed } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  return (
    <>
      <p>
        <Link to={`/staff/breaches/${id}`}>← {reference}</Link>
      </p>
      <h1>Change {reference}</h1>
      {clockFixed ? (
        <p className="callout">
          The initial notification fixed the detection and awareness times and whether it was late; they can no longer change. Everything else
          may follow in phases.
        </p>
      ) : null}
      <BreachForm
        // After a 409 the page reloads the current record; after a refused form, what was typed stays.
        values={result?.values && Object.keys(result.values).length ? result.values : values}
        errors={{ form: result?.formError, ...result?.fieldErrors }}
        timeZone={timeZone}
        version={version}
        submitLabel="Save the record"
      />
    </>
  );
}
