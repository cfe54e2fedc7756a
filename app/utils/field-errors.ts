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
