import type { ReactNode } from 'react';

/**
 * Choice controls beside the field family in ./field.tsx: a group of radio buttons in a
 * fieldset, a checkbox. Hints and errors are tied to the control with
 * aria-describedby and the control is marked aria-invalid when the server said so.
 */
function describedBy(...ids: Array<string | undefined>) {
  return ids.filter(Boolean).join(' ') || undefined;
}

function Message({ id, error, hint }: { id: string; error?: string; hint?: ReactNode }) {
  return (
    <>
      {hint ? (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </>
  );
}

export type RadioOption = { value: string; label: string; description?: string };

export function RadioGroupField({
  legend,
  name,
  options,
  defaultValue,
  error,
  required,
}: {
  legend: string;
  name: string;
  options: readonly RadioOption[];
  defaultValue?: string;
  error?: string;
  required?: boolean;
}) {
  const id = `field-${name}`;
  return (
    <fieldset
      className="field radio-group"
      aria-invalid={error ? true : undefined}
      aria-describedby={error ? `${id}-error` : undefined}
    >
      <legend>{legend}</legend>
      <Message id={id} error={error} />
      {options.map((option) => {
        const optionId = `${id}-${option.value}`;
        return (
          <div className="radio" key={option.value}>
            <input
              type="radio"
              id={optionId}
              name={name}
              value={option.value}
              defaultChecked={defaultValue === option.value}
              required={required}
              aria-describedby={describedBy(option.description ? `${optionId}-hint` : undefined, error ? `${id}-error` : undefined)}
            />
            <label htmlFor={optionId}>{option.label}</label>
            {option.description ? (
              <p className="hint" id={`${optionId}-hint`}>
                {option.description}
              </p>
            ) : null}
          </div>
        );
      })}
    </fieldset>
  );
}

export function CheckboxField({
  label,
  name,
  value = 'yes',
  defaultChecked,
  error,
  required,
}: {
  label: ReactNode;
  name: string;
  value?: string;
  defaultChecked?: boolean;
  error?: string;
  required?: boolean;
}) {
  const id = `field-${name}`;
  return (
    <div className="field checkbox">
      <Message id={id} error={error} />
      <div>
        <input
          type="checkbox"
          id={id}
          name={name}
          value={value}
          defaultChecked={defaultChecked}
          required={required}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
        />
        <label htmlFor={id}>{label}</label>
      </div>
    </div>
  );
}
