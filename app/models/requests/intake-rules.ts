import { z } from 'zod';
import { fieldErrors, type FieldErrors } from '~/utils/form-state';

/**
 * What a person may ask for, and the rules of the intake form. Pure and free of server
 * code so the form page can render the same labels the server validates against.
 */
export const REQUEST_TYPES = [
  {
    value: 'access',
    label: 'Access (Art. 15)',
    description: 'Get a copy of the personal data we hold about you and how we use it.',
  },
  {
    value: 'rectification',
    label: 'Rectification (Art. 16)',
    description: 'Have personal data about you that is wrong or incomplete corrected.',
  },
  { value: 'erasure', label: 'Erasure (Art. 17)', description: 'Have the personal data we hold about you deleted.' },
  {
    value: 'restriction',
    label: 'Restriction (Art. 18)',
    description: 'Have us keep your data but stop using it while a question about it is settled.',
  },
  {
    value: 'portability',
    label: 'Portability (Art. 20)',
    description: 'Receive the data you gave us in a machine-readable format to take elsewhere.',
  },
  {
    value: 'objection',
    label: 'Objection (Art. 21)',
    description: 'Object to our using your data for direct marketing or on the basis of our legitimate interests.',
  },
] as const;

export type RequestTypeValue = (typeof REQUEST_TYPES)[number]['value'];
const TYPE_VALUES = REQUEST_TYPES.map((t) => t.value) as [RequestTypeValue, ...RequestTypeValue[]];

export function requestTypeLabel(type: string): string {
  return REQUEST_TYPES.find((t) => t.value === type)?.label ?? type;
}

/** Control characters other than tab and line breaks; also the Unicode replacement character. */
// eslint-disable-next-line no-control-regex
const CONTROL_MULTILINE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFD]/;
// eslint-disable-next-line no-control-regex
const CONTROL_SINGLE_LINE = /[\u0000-\u001F\u007F-\u009F\uFFFD]/;

export function hasControlCharacters(value: string, multiline = false): boolean {
  return (multiline ? CONTROL_MULTILINE : CONTROL_SINGLE_LINE).test(value);
}

const singleLine = (label: string, max: number) =>
  z
    .string({ error: `Enter ${label}` })
    .refine((v) => !hasControlCharacters(v), `${capitalise(label)} must not contain control characters`)
    .refine((v) => v.length <= max, `${capitalise(label)} must be at most ${max} characters`);

function capitalise(text: string) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export const DETAILS_MAX = 5000;

export const intakeSchema = z
  .object({
    type: z.enum(TYPE_VALUES, { error: 'Choose what you are asking for' }),
    email: singleLine('your email address', 254)
      .transform((v) => v.trim())
      .pipe(z.email({ error: 'Enter an email address in the form name@example.com' })),
    name: singleLine('your name', 200).refine((v) => v.trim().length > 0, 'Enter your name'),
    accountIdentifier: singleLine('an account identifier', 200).optional().default(''),
    details: z
      .string()
      .optional()
      .default('')
      .refine((v) => !hasControlCharacters(v, true), 'Details must not contain control characters')
      .refine((v) => v.length <= DETAILS_MAX, `Details must be at most ${DETAILS_MAX} characters`),
    requesterRole: z.enum(['self', 'representative'], { error: 'Say whether you are asking for yourself or for someone else' }),
    confirm: z.literal('yes', { error: 'Confirm that you are the data subject or authorised to act for them' }),
    submissionId: z.uuid({ error: 'The form has expired; please reload the page and send it again' }),
  });

export type IntakeInput = z.infer<typeof intakeSchema>;

/** Details are required for rectification and objection; null when the rule is met. */
function detailsRequirement(type: unknown, details: unknown): string | null {
  const empty = typeof details !== 'string' || details.trim().length === 0;
  if (!empty) return null;
  if (type === 'rectification') return 'Say which data is wrong and what it should be';
  if (type === 'objection') return 'Say which processing you object to and why';
  return null;
}

/**
 * The intake form's schema: the fields, plus the details rule. The rule runs even when other
 * fields failed (`when`), so its message appears together with every other field's.
 */
export const intakeFormSchema = intakeSchema.superRefine(
  (value, ctx) => {
    const detailsError = detailsRequirement(value.type, value.details);
    if (detailsError) ctx.addIssue({ code: 'custom', path: ['details'], message: detailsError });
  },
  { when: () => true },
);

/** Validates an intake submission: the data, or the first error per field. */
export function validateIntake(
  fields: Record<string, unknown>,
): { success: true; data: IntakeInput } | { success: false; errors: FieldErrors } {
  const parsed = intakeFormSchema.safeParse(fields);
  return parsed.success ? { success: true, data: parsed.data } : { success: false, errors: fieldErrors(parsed.error) };
}

/** Free text of a reply to the privacy team. */
export const replySchema = z.object({
  message: z
    .string({ error: 'Write a reply' })
    .refine((v) => v.trim().length > 0, 'Write a reply')
    .refine((v) => !hasControlCharacters(v, true), 'The reply must not contain control characters')
    .refine((v) => v.length <= DETAILS_MAX, `The reply must be at most ${DETAILS_MAX} characters`),
});

export type { FieldErrors };

/** The first message per field, keyed by the field's name, for rendering next to it. */
