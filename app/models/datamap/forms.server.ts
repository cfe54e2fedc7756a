import { z } from 'zod';
import { formDeclarationSchema } from '~/models/datamap/declarations.server';
import { declarationFromForm } from '~/models/datamap/declarations';
import { TERM_KINDS } from '~/models/datamap/vocabulary';
import { REQUEST_TYPE_VALUES } from '~/models/requests/request-types';
import { hasControlCharacters, STAFF_CONTROL_ERROR } from '~/utils/text';
import type { FormFields } from '~/utils/form-state';

const text = (max: number, oneLine = false) =>
  z
    .string()
    .trim()
    .max(max, `At most ${max} characters`)
    .refine((v) => !hasControlCharacters(v, { oneLine }), STAFF_CONTROL_ERROR);

/** The registry fields of a system (issue 19's registry; the data map's declarations hang below it). */
export const systemSchema = z.object({
  name: text(120, true).min(1, 'Enter the system’s name'),
  description: text(1000).default(''),
  ownerName: text(200, true).default(''),
  ownerEmail: z
    .string()
    .trim()
    .max(254)
    .refine((v) => v === '' || z.email().safeParse(v).success, 'Enter an email address such as owner@example.com')
    .transform((v) => (v === '' ? null : v.toLowerCase())),
  securityMeasures: text(2000).default(''),
  subprocessorId: z
    .string()
    .trim()
    .refine((v) => v === '' || /^\d{1,18}$/.test(v), 'Choose a subprocessor from the list')
    .transform((v) => (v === '' ? null : v)),
});
export const SYSTEM_FIELDS = ['name', 'description', 'ownerName', 'ownerEmail', 'securityMeasures', 'subprocessorId', ...REQUEST_TYPE_VALUES.map((t) => `rt:${t}`)];

export function requestTypesFrom(fields: FormFields): string[] {
  return REQUEST_TYPE_VALUES.filter((t) => fields[`rt:${t}`] === 'on');
}

export const termSchema = z.object({
  kind: z.enum(TERM_KINDS, { error: 'Choose what kind of key this is' }),
  parentKey: z.string().trim().min(1, 'Choose the key it goes below').max(200),
  key: z
    .string()
    .trim()
    .max(200)
    .regex(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/, 'A key is lower-case words joined by dots, below its parent, such as user.health_and_medical.allergies'),
  name: text(120, true).min(1, 'Name the key'),
  description: text(500).default(''),
});

/** The declaration form: flat fields → a complete declaration, or the first error per field. */
export function parseDeclarationForm(fields: FormFields) {
  const result = formDeclarationSchema.safeParse(declarationFromForm(fields));
  if (result.success) return { ok: true as const, declaration: result.data };
  const errors: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const name = fieldNameOf(issue.path);
    errors[name] ??= issue.message;
  }
  return { ok: false as const, errors };
}

/** A schema path → the form field that shows its error. */
function fieldNameOf(path: PropertyKey[]): string {
  const [head, second, third] = path.map(String);
  if (head === 'retention') return second === 'kind' ? 'retentionKind' : second === 'period' || second === 'unit' ? 'retentionPeriod' : second === 'trigger' ? 'retentionTrigger' : 'retentionRule';
  if (head === 'source') return 'sourceOther';
  if (head === 'automated') return 'automatedLogic';
  if (head === 'transfers') return `transfer${second}${third === 'safeguard' ? 'Safeguard' : 'Country'}`;
  if (head === 'recipients') return 'otherRecipients';
  if (head === 'translations') return `t_${second}_${third}`;
  return head ?? 'name';
}
