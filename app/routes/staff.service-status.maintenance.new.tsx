import { redirect, json, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { CheckboxField } from '~/components/choice-fields';
import { Field, FormError, SelectField, TextAreaField } from '~/components/field';
import { StatusRuleError } from '~/models/status/components.server';
import { scheduleMaintenance } from '~/models/status/incidents.server';
import { MAINTENANCE_TEMPLATES } from '~/models/status/rules';
import { maintenanceFormSchema } from '~/models/status/schemas.server';
import { staffComponents } from '~/routes/staff-status.server';
import { requireStaff } from '~/utils/auth.server';
import { badRequest, readForm, refuseForm, validateFields, type FormState } from '~/utils/form.server';
import statusStyles from '~/styles/status.css';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: statusStyles }];
export const meta: MetaFunction = () => [{ title: 'Schedule maintenance — Privacy Portal' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireStaff(request, context);
  return json({ components: (await staffComponents(context.db)).components, timeZone: context.config.timeZone });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, context);
  const form = await readForm(request);
  if (!form.ok) return refuseForm(form);
  const keep = Object.keys(form.fields);
  const parsed = validateFields(maintenanceFormSchema(context.config.timeZone), form.fields, { keep });
  if (!parsed.ok) return parsed.reply;
  const componentIds = Object.entries(form.fields)
    .filter(([name, value]) => /^component-\d{1,18}$/.test(name) && value === 'yes')
    .map(([name]) => name.slice('component-'.length));
  const d = parsed.data;
  try {
    const id = await scheduleMaintenance(
      context.db,
      {
        name: d.name,
        body: d.body,
        componentIds,
        scheduledFor: d.scheduledFor,
        scheduledUntil: d.scheduledUntil,
        autoTransition: d.autoTransition === 'yes',
        remindMinutes: d.remindMinutes === '' ? null : Number(d.remindMinutes),
        notify: d.notify === 'yes',
      },
      { id: staff.id, ip: context.clientIp, source: 'staff' },
    );
    return redirect(`/staff/service-status/incidents/${id}?done=updated`);
  } catch (error) {
    if (!(error instanceof StatusRuleError)) throw error;
    return badRequest({ fieldErrors: { [error.field]: error.message }, values: form.fields }, { keep });
  }
}

export default function ScheduleMaintenance() {
  const { components, timeZone } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const values = result?.values ?? {};
  const errors = result?.fieldErrors ?? {};
  return (
    <>
      <p>
        <Link to="/staff/service-status">← Service status</Link>
      </p>
      <h1>Schedule maintenance</h1>
      <Form method="post">
        <FormError message={result?.formError} />
        <Field label="Title" name="name" required defaultValue={values.name} error={errors.name} />
        <TextAreaField label="Message" name="body" required rows={3} defaultValue={values.body ?? MAINTENANCE_TEMPLATES.scheduled} error={errors.body} />
        <Field label="Starts" name="scheduledFor" type="datetime-local" required defaultValue={values.scheduledFor} error={errors.scheduledFor} hint={`In ${timeZone}.`} />
        <Field label="Ends" name="scheduledUntil" type="datetime-local" required defaultValue={values.scheduledUntil} error={errors.scheduledUntil} hint={`In ${timeZone}.`} />
        <fieldset className="component-choices" aria-describedby={errors.components ? 'components-error' : undefined}>
          <legend>Components under maintenance</legend>
          {errors.components ? (
            <p className="field-error" id="components-error">
              {errors.components}
            </p>
          ) : null}
          {components.map((c) => (
            <div className="field checkbox" key={c.id}>
              <div>
                <input type="checkbox" id={`component-${c.id}`} name={`component-${c.id}`} value="yes" defaultChecked={values[`component-${c.id}`] === 'yes'} />
                <label htmlFor={`component-${c.id}`}>
                  {c.group ? `${c.group}: ` : ''}
                  {c.name}
                </label>
              </div>
            </div>
          ))}
        </fieldset>
        <CheckboxField name="autoTransition" label="Start and end on its own at these times (components show “Under maintenance” meanwhile)" defaultChecked={!result || values.autoTransition === 'yes'} />
        <SelectField
          label="Remind subscribers"
          name="remindMinutes"
          defaultValue={values.remindMinutes ?? '60'}
          placeholder="No reminder"
          options={{ '60': 'One hour before', '1440': 'One day before', '4320': 'Three days before' }}
          error={errors.remindMinutes}
        />
        <CheckboxField name="notify" label="Email subscribers now, when it starts and when it ends" defaultChecked={!result || values.notify === 'yes'} />
        <button type="submit">Schedule the maintenance</button>
      </Form>
    </>
  );
}
