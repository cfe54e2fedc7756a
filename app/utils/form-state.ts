import type { z } from 'zod';

/** One message per field, keyed by field name: what a form shows beside each input. */
export type FieldErrors = Record<string, string>;

/** The first zod issue for each field (issues without a path go under `form`). */
export function fieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? 'form');
    out[key] ??= issue.message;
  }
  return out;
}

/** A form's fields as submitted: one string per name. */
export type FormFields = Record<string, string>;

/**
 * What every form action answers with when it does not redirect: a message for the whole form,
 * one per field, and what was typed in the fields a route chose to echo (never a password).
 * Routes add their own success fields beside it (`FormState & { sent?: true }`).
 */
export type FormState = {
  formError?: string;
  fieldErrors?: FieldErrors;
  /** What was typed, to fill the form again; never a password. */
  values?: FormFields;
};
