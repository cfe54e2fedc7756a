import type { ReactNode, SelectHTMLAttributes, TextareaHTMLAttributes } from 'react';

/**
 * Labelled textarea and select to sit beside `Field` (./field.tsx), wired the same way: hint and
 * error announced with them (aria-describedby), marked invalid when the server said so. Ids derive
 * from the name: one form must not repeat a name.
 */
function describe(name: string, error?: string, hint?: ReactNode) {
  const id = `field-${name}`;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  return {
    id,
    hintId,
    errorId,
    control: {
      id,
      name,
      'aria-invalid': error ? true : undefined,
      'aria-describedby': [errorId, hintId].filter(Boolean).join(' ') || undefined,
    },
  };
}

function Frame(props: { id: string; label: string; hint?: ReactNode; hintId?: string; error?: string; errorId?: string; children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      {props.hint ? (
        <p className="hint" id={props.hintId}>
          {props.hint}
        </p>
      ) : null}
      {props.error ? (
        <p className="field-error" id={props.errorId}>
          {props.error}
        </p>
      ) : null}
      {props.children}
    </div>
  );
}

type Common = { label: string; name: string; error?: string; hint?: ReactNode };

export function TextAreaField({
  label,
  name,
  error,
  hint,
  ...rest
}: Common & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'name' | 'id'>) {
  const d = describe(name, error, hint);
  return (
    <Frame {...d} label={label} hint={hint} error={error}>
      <textarea {...d.control} rows={3} {...rest} />
    </Frame>
  );
}

export function SelectField({
  label,
  name,
  error,
  hint,
  options,
  placeholder = 'Choose…',
  ...rest
}: Common & { options: Record<string, string>; placeholder?: string } & Omit<SelectHTMLAttributes<HTMLSelectElement>, 'name' | 'id'>) {
  const d = describe(name, error, hint);
  return (
    <Frame {...d} label={label} hint={hint} error={error}>
      <select {...d.control} {...rest}>
        <option value="">{placeholder}</option>
        {Object.entries(options).map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </Frame>
  );
}
