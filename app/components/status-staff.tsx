import { Form } from '@remix-run/react';
import { CheckboxField, RadioGroupField } from '~/components/choice-fields';
import { Field, FormError, SelectField, TextAreaField } from '~/components/field';

/** Staff forms of the status console (English, as every staff page). */
export const STATUS_WORDS: Record<string, string> = {
  operational: 'Operational',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
  under_maintenance: 'Under maintenance',
  no_data: 'No data',
};

export const SETTABLE = ['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance'] as const;

export type StaffComponent = { id: string; name: string; group: string | null; status: string };

/** One select per component: what this update sets it to, or unaffected. */
export function ComponentStatusTable({
  components,
  values,
  legend = 'Affected components',
  unaffectedLabel = 'Not affected',
  error,
}: {
  components: StaffComponent[];
  values: Record<string, string>;
  legend?: string;
  unaffectedLabel?: string;
  error?: string;
}) {
  return (
    <fieldset className="component-choices component-status-table" aria-describedby={error ? 'components-error' : undefined}>
      <legend>{legend}</legend>
      {error ? (
        <p className="field-error" id="components-error">
          {error}
        </p>
      ) : null}
      {components.map((c) => (
        <div className="field" key={c.id}>
          <label htmlFor={`component-${c.id}`}>
            {c.group ? `${c.group}: ` : ''}
            {c.name} <span className="muted">(now {STATUS_WORDS[c.status] ?? c.status})</span>
          </label>
          <select id={`component-${c.id}`} name={`component-${c.id}`} defaultValue={values[`component-${c.id}`] ?? ''}>
            <option value="">{unaffectedLabel}</option>
            {SETTABLE.map((s) => (
              <option key={s} value={s}>
                {STATUS_WORDS[s]}
              </option>
            ))}
          </select>
        </div>
      ))}
    </fieldset>
  );
}

export type ComponentFormValues = Record<string, string | undefined>;

export function ComponentForm({
  values,
  errors,
  groups,
  submitLabel,
  fixedKind,
}: {
  values: ComponentFormValues;
  errors: Record<string, string | undefined>;
  groups: { id: string; name: string }[];
  submitLabel: string;
  fixedKind?: 'component' | 'group';
}) {
  return (
    <Form method="post">
      <FormError message={errors.form} />
      <Field label="Name" name="name" required defaultValue={values.name} error={errors.name} />
      <TextAreaField label="Description (public, optional)" name="description" defaultValue={values.description} error={errors.description} />
      {fixedKind ? (
        <input type="hidden" name="kind" value={fixedKind} />
      ) : (
        <RadioGroupField
          legend="Kind"
          name="kind"
          defaultValue={values.kind ?? 'component'}
          error={errors.kind}
          options={[
            { value: 'component', label: 'A component (has a status and uptime bars)' },
            { value: 'group', label: 'A group of components (shows the worst of them)' },
          ]}
        />
      )}
      {fixedKind !== 'group' ? (
        <SelectField
          label="Group (components only)"
          name="groupId"
          placeholder="No group"
          defaultValue={values.groupId ?? ''}
          options={Object.fromEntries(groups.map((g) => [g.id, g.name]))}
          error={errors.groupId}
        />
      ) : null}
      <Field label="Position" name="position" inputMode="numeric" defaultValue={values.position ?? '0'} error={errors.position} hint="Lower numbers come first." />
      <Field
        label="Start date"
        name="startDate"
        type="date"
        defaultValue={values.startDate}
        error={errors.startDate}
        hint="Uptime is counted from this date; the bars show no data before it. Empty: today."
      />
      <Field
        label="Heartbeat (minutes)"
        name="heartbeatMinutes"
        inputMode="numeric"
        defaultValue={values.heartbeatMinutes}
        error={errors.heartbeatMinutes}
        hint="Optional. When an external monitor has not reported for this long, the component shows “No data” (never operational)."
      />
      <CheckboxField name="onlyShowIfDegraded" label="Show on the public page only when not operational" defaultChecked={values.onlyShowIfDegraded === 'yes'} />
      <button type="submit">{submitLabel}</button>
    </Form>
  );
}
