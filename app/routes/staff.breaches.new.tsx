import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import { BreachForm } from '~/components/breach-form';
import { Notice } from '~/components/field';
import { BreachRuleError } from '~/models/breaches/errors';
import { breachSchema } from '~/models/breaches/forms.server';
import { incidentPrefill } from '~/models/breaches/incident-link.server';
import { recordBreach } from '~/models/breaches/register.server';
import { toLocalInput } from '~/models/breaches/rules';
import { actorOf, requireBreachOfficer } from '~/routes/breach-guard.server';
import { BREACH_FIELDS } from '~/routes/breach-form.server';
import { badRequest, parseForm, type FormState } from '~/utils/form.server';

export const meta: MetaFunction = () => [{ title: 'Record a breach — Staff console — Privacy Portal' }];

/** `?incident=<id>`: an outage on the status page opens an availability breach, prefilled (app/models/breaches/incident-link.server.ts). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireBreachOfficer(request, context);
  const tz = context.config.timeZone;
  const org = context.config.organisation;
  const incident = await incidentPrefill(context.db, new URL(request.url).searchParams.get('incident'));
  const now = toLocalInput(new Date(), tz);
  const dpo = org.dpo ? `${org.dpo.name}${org.dpo.email ? `, ${org.dpo.email}` : ''}` : `${org.name}, ${org.privacyEmail}`;
  return json({
    timeZone: tz,
    incident: incident?.incidentRef ?? null,
    defaults: {
      detectedAt: incident?.detectedAt ? toLocalInput(incident.detectedAt, tz) : now,
      awareAt: now,
      dpoContact: dpo,
      role: 'controller',
      risk: 'unassessed',
      ...(incident ? { title: incident.title, nature: incident.nature, availability: 'yes', incidentRef: incident.incidentRef } : {}),
    } as Record<string, string | undefined>,
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireBreachOfficer(request, context);
  const settings = { timeZone: context.config.timeZone, now: new Date() };
  const form = await parseForm(request, breachSchema(settings), { keep: BREACH_FIELDS });
  if (!form.ok) return form.reply;
  const { version: _version, ...data } = form.data;
  try {
    const breach = await recordBreach(context.db, data, actorOf(user, context), settings);
    return redirect(`/staff/breaches/${breach.id}?done=recorded`);
  } catch (error) {
    if (!(error instanceof BreachRuleError)) throw error;
    return badRequest({ formError: error.formError, fieldErrors: error.fieldErrors, values: form.fields }, { keep: BREACH_FIELDS });
  }
}

export default function NewBreach() {
  const { defaults, timeZone, incident } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  return (
    <>
      <p>
        <Link to="/staff/breaches">← Breach register</Link>
      </p>
      <h1>Record a breach</h1>
      {incident ? <Notice>Opened from status incident {incident}: an outage that made personal data unavailable is an availability breach.</Notice> : null}
      <p>Record what you know now; the rest can follow. The 72-hour deadline and its reminders start from the awareness time.</p>
      <BreachForm values={result?.values ?? defaults} errors={{ form: result?.formError, ...result?.fieldErrors }} timeZone={timeZone} submitLabel="Record the breach" />
    </>
  );
}
