import { useMemo, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';

/**
 * The one field family: every control has a visible label, its hint and error announced with it
 * (aria-describedby), and is marked invalid when the server said so. Ids derive from the name,
 * so one form must not repeat a name. Radio groups and checkboxes are in ./choice-fields.tsx.
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
  ...rest
}: Common & { options: Record<string, string> } & Omit<SelectHTMLAttributes<HTMLSelectElement>, 'name' | 'id'>) {
  const d = describe(name, error, hint);
  return (
    <Frame {...d} label={label} hint={hint} error={error}>
      <select {...d.control} {...rest}>
        <option value="">Choose…</option>
        {Object.entries(options).map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </Frame>
  );
}

/** A labelled single-line input. */
export function Field({ label, name, error, hint, ...input }: Common & Omit<InputHTMLAttributes<HTMLInputElement>, 'name' | 'id'>) {
  const d = describe(name, error, hint);
  return (
    <Frame {...d} label={label} hint={hint} error={error}>
      <input {...d.control} {...input} />
    </Frame>
  );
}

/** The form-level message (what went wrong as a whole), announced when it appears. */
export function FormError({ message, id = 'form-error' }: { message?: string; id?: string }) {
  if (!message) return null;
  return (
    <p className="form-error" id={id} role="alert">
      {message}
    </p>
  );
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <p className="notice" role="status">
      {children}
    </p>
  );
}

let results = 0;

/**
 * A key that changes with every new answer from the server. Given to password fields, it
 * remounts them empty after a failed submission, as a page without JavaScript would be.
 */
export function useResultKey(result: unknown): string {
  return useMemo(() => `result-${results++}`, [result]);
}
