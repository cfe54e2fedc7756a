import countries from 'i18n-iso-countries';
import { z } from 'zod';
import { REGISTRY_CATEGORIES } from '~/models/subprocessors/categories';
import { TRANSFER_MECHANISMS, type TransferMechanism } from '~/models/subprocessors/rules';
import { hasControlCharacters, STAFF_CONTROL_ERROR } from '~/utils/text';

/** Form input for a subprocessor's details; the same schema guards every write. */

/** One line of text, at most `max` characters, with no control characters (PostgreSQL cannot store a NUL). */
const oneLine = (max: number) =>
  z
    .string()
    .max(max)
    .refine((v) => !hasControlCharacters(v, { oneLine: true }), STAFF_CONTROL_ERROR);

const list = (what: string) =>
  z
    .string()
    .transform((value) =>
      value
        .split(/[\n,;]+/)
        .map((item) => item.trim())
        .filter(Boolean),
    )
    .pipe(z.array(oneLine(120)).min(1, `Enter at least one ${what}`).max(30));

export const countryCodes = z
  .string()
  .transform((value) =>
    value
      .split(/[\s,;]+/)
      .map((code) => code.trim().toUpperCase())
      .filter(Boolean),
  )
  .pipe(
    z
      .array(z.string())
      .min(1, 'Enter at least one country code')
      .superRefine((codes, ctx) => {
        const bad = codes.filter((code) => !/^[A-Z]{2}$/.test(code) || !countries.isValid(code));
        if (bad.length > 0) ctx.addIssue({ code: 'custom', message: `Not ISO 3166-1 alpha-2 country codes: ${bad.join(', ')}` });
      })
      .transform((codes) => [...new Set(codes)]),
  );

export const detailsSchema = z.object({
  name: z.string().trim().min(1, 'Enter the name').pipe(oneLine(120)),
  legalEntity: z.string().trim().min(1, 'Enter the legal entity').pipe(oneLine(200)),
  purpose: z.string().trim().min(1, 'Enter the purpose').pipe(oneLine(500)),
  dataCategories: list('data category'),
  locations: countryCodes,
  transferMechanism: z.enum(Object.keys(TRANSFER_MECHANISMS) as [TransferMechanism, ...TransferMechanism[]], {
    error: 'Choose a transfer mechanism',
  }),
  website: z.url({ protocol: /^https?$/, error: 'Enter a web address starting with https://' }).max(300),
});

export type DetailsInput = z.input<typeof detailsSchema>;

/** A form's field errors (first message per field) and what was typed, for a 400 answer. */
const effectiveOn = z.iso.date({ error: 'Enter a date as YYYY-MM-DD' });
const summary = z.string().trim().min(5, 'Say in a sentence what changes (it appears in the public history)').pipe(oneLine(500));

/** The registry group the subprocessor is listed under (not part of the dated details). */
const category = z.enum(REGISTRY_CATEGORIES, { error: 'Choose a category' }).optional().default('other');

export const additionSchema = detailsSchema.extend({ effectiveOn, category });
export const updateSchema = detailsSchema.extend({
  effectiveOn,
  category,
  summary,
  correction: z
    .string()
    .optional()
    .transform((value) => value === 'on'),
});
export const removalSchema = z.object({ effectiveOn, summary });

/** The fields a details form echoes back on error (all of them: none is secret). */
export const DETAIL_FIELDS = [
  'name',
  'category',
  'legalEntity',
  'purpose',
  'dataCategories',
  'locations',
  'transferMechanism',
  'website',
  'effectiveOn',
  'summary',
  'correction',
] as const;
