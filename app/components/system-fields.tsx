import { CheckboxField } from '~/components/choice-fields';
import { Field, SelectField, TextAreaField } from '~/components/field';
import { REQUEST_TYPES } from '~/models/requests/request-types';

/** The registry fields of a system, for the add and edit forms. */
export function SystemFields({
  values,
  errors,
  subprocessors,
  isPortal = false,
}: {
  values?: Record<string, string>;
  errors?: Record<string, string | undefined>;
  subprocessors: Array<{ id: string; name: string }>;
  isPortal?: boolean;
}) {
  return (
    <>
      <Field label="Name" name="name" required maxLength={120} defaultValue={values?.name} error={errors?.name} />
      <TextAreaField label="What it is for" name="description" maxLength={1000} defaultValue={values?.description} error={errors?.description} />
      {isPortal ? null : (
        <>
          <Field label="Owner (a person)" name="ownerName" maxLength={200} defaultValue={values?.ownerName} error={errors?.ownerName} />
          <Field label="Owner’s email" name="ownerEmail" type="email" autoComplete="off" maxLength={254} defaultValue={values?.ownerEmail} error={errors?.ownerEmail} />
          <SelectField
            label="The subprocessor it is (if it is one)"
            name="subprocessorId"
            placeholder="None: our own system"
            options={Object.fromEntries(subprocessors.map((s) => [s.id, s.name]))}
            defaultValue={values?.subprocessorId ?? ''}
            error={errors?.subprocessorId}
          />
          <fieldset className="field">
            <legend>Request types it takes</legend>
            <p className="hint">A request of these types is to be answered by this system too.</p>
            {REQUEST_TYPES.map((t) => (
              <CheckboxField key={t.value} name={`rt:${t.value}`} value="on" label={t.label} defaultChecked={values?.[`rt:${t.value}`] === 'on'} />
            ))}
          </fieldset>
        </>
      )}
      <TextAreaField
        label="Security measures (Art. 30(1)(g))"
        name="securityMeasures"
        maxLength={2000}
        hint="A general description of the technical and organisational measures protecting this system."
        defaultValue={values?.securityMeasures}
        error={errors?.securityMeasures}
      />
    </>
  );
}
