import { json, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { CheckboxField } from '~/components/choice-fields';
import { Field, FormError, SelectField, TextAreaField } from '~/components/field';
import { ComponentStatusTable } from '~/components/status-staff';
import { StatusRuleError } from '~/models/status/components.server';
import { openIncident } from '~/models/status/incidents.server';
import { INCIDENT_STATUSES, INCIDENT_TEMPLATES } from '~/models/status/rules';
import { componentStatusesFrom, incidentFormSchema } from '~/models/status/schemas.server';
import { staffComponents } from '~/routes/staff-status.server';
import { requireStaff } from '~/utils/auth.server';
import { badRequest, readForm, refuseForm, validateFields, type FormState } from '~/utils/form.server';
import statusStyles from '~/styles/status.css';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: statusStyles }];
export const meta: MetaFunction = () => [{ title: 'Open an incident — Privacy Portal' }];

const STATUS_LABELS = { investigating: 'Investigating', identified: 'Identified', monitoring: 'Monitoring', resolved: 'Resolved' } as const;
const IMPACT_LABELS = { none: 'None', minor: 'Minor', major: 'Major', critical: 'Critical' } as const;

/** `?template=identified` fills the form with Statuspage's phrase for that status (a GET form: no JavaScript needed). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireStaff(request, context);
  const asked = new URL(request.url).searchParams.get('template') ?? 'investigating';
  const template = (INCIDENT_STATUSES as readonly string[]).includes(asked) ? (asked as keyof typeof INCIDENT_TEMPLATES) : 'investigating';
  return json({ template, body: INCIDENT_TEMPLATES[template], components: (await staffComponents(context.db)).components });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, context);
  const form = await readForm(request);
  if (!form.ok) return refuseForm(form);
  const keep = Object.keys(form.fields);
  const parsed = validateFields(incidentFormSchema, form.fields, { keep });
  if (!parsed.ok) return parsed.reply;
  const components = componentStatusesFrom(form.fields);
  if (!components.ok) return badRequest({ fieldErrors: { components: 'Choose a status from the list.' }, values: form.fields }, { keep });
  try {
    const { id } = await openIncident(
      context.db,
      { ...parsed.data, components: components.statuses, notify: parsed.data.notify === 'yes' },
      { id: staff.id, ip: context.clientIp, source: 'staff' },
    );
    return redirect(`/staff/service-status/incidents/${id}?done=opened`);
  } catch (error) {
    if (!(error instanceof StatusRuleError)) throw error;
    return badRequest({ fieldErrors: { [error.field]: error.message }, values: form.fields }, { keep });
  }
}

export default function NewIncident() {
  const { template, body, components } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const values = result?.values ?? {};
  const errors = result?.fieldErrors ?? {};
  return (
    <>
      <p>
        <Link to="/staff/service-status">← Service status</Link>
      </p>
      <h1>Open an incident</h1>
      <Form method="get" className="inline-form" aria-label="Templates">
        <SelectField label="Start from a template" name="template" defaultValue={template} options={STATUS_LABELS} placeholder="Choose a template" />
        <button type="submit" className="secondary">
          Use this template
        </button>
      </Form>
      <Form method="post" key={template}>
        <FormError message={result?.formError} />
        <Field label="Title" name="name" required defaultValue={values.name} error={errors.name} hint="Shown on the public page, in the feeds and in the emails." />
        <SelectField label="Status" name="status" required defaultValue={values.status ?? template} options={STATUS_LABELS} error={errors.status} />
        <SelectField label="Impact" name="impact" required defaultValue={values.impact ?? 'minor'} options={IMPACT_LABELS} error={errors.impact} />
        <TextAreaField label="Message" name="body" required rows={4} defaultValue={values.body ?? body} error={errors.body} />
        <ComponentStatusTable components={components} values={values} error={errors.components} />
        <CheckboxField name="notify" label="Email subscribers about this update" defaultChecked={values.notify ? values.notify === 'yes' : !result} />
        <button type="submit">Open the incident</button>
      </Form>
    </>
  );
}
