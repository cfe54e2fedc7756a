import { Form } from '@remix-run/react';
import { Field, FormError, SelectField, TextAreaField } from '~/components/field';
import { TRANSFER_MECHANISMS } from '~/models/subprocessors/rules';

type Values = Record<string, string | undefined>;

/** Details of a subprocessor plus the date the change takes effect; posts natively. */
export function SubprocessorForm(props: {
  values: Values;
  errors: Record<string, string | undefined>;
  earliest: string;
  noticeDays: number;
  submitLabel: string;
  withSummary?: boolean;
  withCorrection?: boolean;
}) {
  const { values: v, errors: e } = props;
  return (
    <Form method="post" noValidate>
      <FormError message={e.form} />
      <Field label="Name" name="name" autoComplete="off" required defaultValue={v.name} error={e.name} />
      <Field label="Legal entity" name="legalEntity" autoComplete="off" required defaultValue={v.legalEntity} error={e.legalEntity} />
      <TextAreaField label="Purpose" name="purpose" autoComplete="off" required defaultValue={v.purpose} error={e.purpose} />
      <TextAreaField
        label="Data categories"
        name="dataCategories"
        autoComplete="off"
        hint="One per line, or separated by commas."
        required
        defaultValue={v.dataCategories}
        error={e.dataCategories}
      />
      <Field
        label="Processing locations"
        name="locations"
        autoComplete="off"
        hint="ISO 3166-1 alpha-2 country codes, e.g. DE, IE, US."
        required
        defaultValue={v.locations}
        error={e.locations}
      />
      <SelectField
        label="Transfer mechanism"
        name="transferMechanism"
        autoComplete="off"
        options={TRANSFER_MECHANISMS}
        required
        defaultValue={v.transferMechanism}
        error={e.transferMechanism}
      />
      <Field label="Website" name="website" type="url" autoComplete="url" required defaultValue={v.website} error={e.website} />
      <Field
        label="Effective date"
        name="effectiveOn"
        type="date"
        autoComplete="off"
        min={props.earliest}
        hint={`Customers are owed ${props.noticeDays} days' notice: ${props.earliest} at the earliest.`}
        required
        defaultValue={v.effectiveOn ?? props.earliest}
        error={e.effectiveOn}
      />
      {props.withCorrection ? (
        <div className="field checkbox">
          <label>
            <input type="checkbox" name="correction" defaultChecked={v.correction === 'on'} /> This only corrects the record (the
            processing does not change): takes effect today, no notice
          </label>
        </div>
      ) : null}
      {props.withSummary ? (
        <TextAreaField label="Summary for the public history" name="summary" autoComplete="off" required defaultValue={v.summary} error={e.summary} />
      ) : null}
      <button type="submit">{props.submitLabel}</button>
    </Form>
  );
}
