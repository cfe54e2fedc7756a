import countries from 'i18n-iso-countries';
import { z } from 'zod';

import {
  AGENT_RELATIONSHIPS,
  PREFERRED_FORMATS,
  REQUEST_TYPE_VALUES,
  type RequestTypeValue,
} from '~/models/requests/request-types';
import { regionNames } from '~/utils/intl';

/**
 * The rules of the intake form, on the server only (zod stays out of the browser bundle).
 * Error messages are catalog keys (`errors.*`, with `:N` for a limit), translated where shown.
 */
export { REQUEST_TYPE_VALUES, type RequestTypeValue };
const TYPE_VALUES = REQUEST_TYPE_VALUES as unknown as [RequestTypeValue, ...RequestTypeValue[]];

/** Control characters other than tab and line breaks; also the Unicode replacement character. */
// eslint-disable-next-line no-control-regex
const CONTROL_MULTILINE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFD]/;
// eslint-disable-next-line no-control-regex
const CONTROL_SINGLE_LINE = /[\u0000-\u001F\u007F-\u009F\uFFFD]/;

export function hasControlCharacters(value: string, multiline = false): boolean {
  return (multiline ? CONTROL_MULTILINE : CONTROL_SINGLE_LINE).test(value);
}

const singleLine = (missing: string, max: number) =>
  z
    .string({ error: missing })
    .refine((v) => !hasControlCharacters(v), 'errors.control')
    .refine((v) => v.length <= max, `errors.tooLong:${max}`);

const multiLine = (max: number) =>
  z
    .string()
    .optional()
    .default('')
    .refine((v) => !hasControlCharacters(v, true), 'errors.control')
    .refine((v) => v.length <= max, `errors.tooLong:${max}`);

const optionalDate = z
  .string()
  .optional()
  .default('')
  .refine((v) => v === '' || (/^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`))), 'errors.date');

const email = (missing: string) =>
  singleLine(missing, 254)
    .transform((v) => v.trim())
    .pipe(z.email({ error: missing }));

export const DETAILS_MAX = 5000;

export const intakeSchema = z.object({
  type: z.enum(TYPE_VALUES, { error: 'errors.type' }),
  email: email('errors.email'),
  name: singleLine('errors.name', 200).refine((v) => v.trim().length > 0, 'errors.name'),
  accountIdentifier: singleLine('errors.tooLong', 200).optional().default(''),
  details: multiLine(DETAILS_MAX),
  requesterRole: z.enum(['self', 'representative'], { error: 'errors.requesterRole' }),
  confirm: z.literal('yes', { error: 'errors.confirm' }),
  submissionId: z.uuid({ error: 'errors.submissionId' }),
  scope: multiLine(1000),
  aliases: multiLine(1000),
  periodFrom: optionalDate,
  periodTo: optionalDate,
  preferredFormat: z.union([z.enum(PREFERRED_FORMATS), z.literal('')], { error: 'errors.format' }).optional().default(''),
  country: z
    .string()
    .optional()
    .default('')
    .refine((v) => v === '' || isCountryCode(v), 'errors.country'),
  subjectName: singleLine('errors.subjectName', 200).optional().default(''),
  subjectEmail: z.string().optional().default(''),
  agentRelationship: z.union([z.enum(AGENT_RELATIONSHIPS), z.literal('')], { error: 'errors.relationship' }).optional().default(''),
});

type ParsedIntake = z.infer<typeof intakeSchema>;
type ScopeKeys = 'scope' | 'aliases' | 'periodFrom' | 'periodTo' | 'preferredFormat' | 'country' | 'subjectName' | 'subjectEmail' | 'agentRelationship';
/** What the intake takes: the form's answers; scope and agent answers may be left out by callers (scripts, tests). */
export type IntakeInput = Omit<ParsedIntake, ScopeKeys> & Partial<Pick<ParsedIntake, ScopeKeys>>;

/** Details are required for rectification and objection; null when the rule is met. */
function detailsRequirement(type: unknown, details: unknown): string | null {
  const empty = typeof details !== 'string' || details.trim().length === 0;
  if (!empty) return null;
  if (type === 'rectification') return 'errors.detailsRectification';
  if (type === 'objection') return 'errors.detailsObjection';
  return null;
}

/** Rules across fields: an agent names the person they act for; a period runs forwards. */
function crossFieldErrors(fields: Record<string, unknown>): FieldErrors {
  const text = (name: string) => (typeof fields[name] === 'string' ? (fields[name] as string) : '');
  const errors: FieldErrors = {};
  if (fields.requesterRole === 'representative') {
    if (text('subjectName').trim() === '') errors.subjectName = 'errors.subjectName';
    const subjectEmail = z.email().safeParse(text('subjectEmail').trim());
    if (!subjectEmail.success || text('subjectEmail').length > 254) errors.subjectEmail = 'errors.subjectEmail';
    if (text('agentRelationship') === '') errors.agentRelationship = 'errors.relationship';
  }
  const from = text('periodFrom');
  const to = text('periodTo');
  if (from && to && to < from) errors.periodTo = 'errors.dateOrder';
  return errors;
}

const COUNTRY_CODES = new Set(getAlpha2Codes());
function isCountryCode(code: string): boolean {
  return COUNTRY_CODES.has(code);
}
function getAlpha2Codes(): string[] {
  return Object.keys(countries.getAlpha2Codes());
}

/** Every country as {code, name} in the visitor's language, sorted for that language. */
const countryLists = new Map<string, ReadonlyArray<{ code: string; name: string }>>();

/** Countries by name in `lang`, sorted for it; built once per language (the form shows it on every render). */
export function countryOptions(lang: string): ReadonlyArray<{ code: string; name: string }> {
  let list = countryLists.get(lang);
  if (!list) {
    const names = regionNames(lang);
    const collator = new Intl.Collator(lang);
    list = Object.freeze(
      [...COUNTRY_CODES].map((code) => ({ code, name: names.of(code) ?? code })).sort((a, b) => collator.compare(a.name, b.name)),
    );
    countryLists.set(lang, list);
  }
  return list;
}

const countryTexts = new Map<string, string>();

/**
 * The same list as one string, `code<TAB>name` per line: what the form's loader sends. A page's
 * data is serialized twice and parsed once per request; one string costs a fraction of 250 objects.
 */
export function countryOptionsText(lang: string): string {
  let text = countryTexts.get(lang);
  if (text === undefined) {
    text = countryOptions(lang)
      .map((c) => `${c.code}\t${c.name}`)
      .join('\n');
    countryTexts.set(lang, text);
  }
  return text;
}

/**
 * Validates an intake submission. The details rule is checked beside the schema rather than
 * in a refinement, so its message appears together with every other field's.
 */
export function validateIntake(
  fields: Record<string, unknown>,
): { success: true; data: ParsedIntake } | { success: false; errors: FieldErrors } {
  const parsed = intakeSchema.safeParse(fields);
  const detailsError = detailsRequirement(fields.type, fields.details);
  const crossErrors = crossFieldErrors(fields);
  if (parsed.success && !detailsError && Object.keys(crossErrors).length === 0) {
    const data = parsed.data;
    // An agent's answers about the subject are kept only for an agent's request.
    if (data.requesterRole === 'self') Object.assign(data, { subjectName: '', subjectEmail: '', agentRelationship: '' });
    else data.subjectEmail = data.subjectEmail.trim();
    return { success: true, data };
  }
  const errors = { ...crossErrors, ...(parsed.success ? {} : fieldErrors(parsed.error)) };
  if (detailsError) errors.details ??= detailsError;
  return { success: false, errors };
}

/** Free text of a reply to the privacy team. */
export const replySchema = z.object({
  message: z
    .string({ error: 'replyErrors.empty' })
    .refine((v) => v.trim().length > 0, 'replyErrors.empty')
    .refine((v) => !hasControlCharacters(v, true), 'replyErrors.control')
    .refine((v) => v.length <= DETAILS_MAX, `replyErrors.tooLong:${DETAILS_MAX}`),
});

export type FieldErrors = Record<string, string>;

/** The first message per field, keyed by the field's name, for rendering next to it. */
export function fieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? 'form');
    out[key] ??= issue.message;
  }
  return out;
}
