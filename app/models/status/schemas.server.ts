/**
 * What the status page accepts, from staff forms and from the monitor API: one zod schema per
 * input. Text with control characters is refused (PostgreSQL cannot store U+0000), times typed
 * in the portal's time zone are read as such (DST-aware, a time that does not exist refused).
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import { COMPONENT_STATUSES, INCIDENT_IMPACTS, INCIDENT_STATUSES } from '~/models/status/rules';
import { LANGUAGES } from '~/utils/i18n';
import { TOKEN_SCOPES } from '~/models/status/tokens.server';

const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

export const text = (label: string, max: number) =>
  z
    .string({ error: `Enter ${label}` })
    .trim()
    .min(1, `Enter ${label}`)
    .max(max, `Keep ${label} to ${max} characters`)
    .refine((v) => !CONTROL.test(v), 'Remove control characters');

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `Keep it to ${max} characters`)
    .refine((v) => !CONTROL.test(v), 'Remove control characters')
    .optional()
    .transform((v) => (v ? v : null));

export const idString = z.string().regex(/^\d{1,18}$/, 'Not an id');

/** `YYYY-MM-DDTHH:mm` (a datetime-local field) in `timeZone`, to an instant. */
export function localDateTime(timeZone: string, label: string) {
  return z.string({ error: `Enter ${label}` }).transform((value, ctx) => {
    const local = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) ? DateTime.fromISO(value, { zone: timeZone }) : undefined;
    // A wall time skipped by a DST change comes back shifted: refuse it rather than guess.
    if (!local?.isValid || local.toFormat("yyyy-MM-dd'T'HH:mm") !== value) {
      ctx.addIssue({ code: 'custom', message: `Enter ${label} as a date and time that exists in ${timeZone}` });
      return z.NEVER;
    }
    return local.toJSDate();
  });
}

export const componentFormSchema = z.object({
  name: text('a name', 120),
  description: optionalText(500),
  kind: z.enum(['component', 'group'], { error: 'Choose component or group' }),
  groupId: z
    .string()
    .optional()
    .transform((v) => (v ? v : null))
    .pipe(idString.nullable()),
  position: z.coerce.number({ error: 'Enter a whole number' }).int('Enter a whole number').min(0).max(10_000).default(0),
  startDate: z
    .string()
    .optional()
    .transform((v) => (v ? v : null))
    .pipe(z.iso.date({ error: 'Enter a date as YYYY-MM-DD' }).nullable()),
  onlyShowIfDegraded: z.literal('yes').optional(),
  heartbeatMinutes: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (!v) return null;
      const n = /^\d{1,5}$/.test(v.trim()) ? Number(v.trim()) : NaN;
      if (!(n >= 1 && n <= 10_080)) {
        ctx.addIssue({ code: 'custom', message: 'Enter whole minutes, from 1 to 10080 (7 days)' });
        return z.NEVER;
      }
      return n;
    }),
});

/** The statuses an incident form sets: a select per component named `component-<id>`, empty = unaffected. */
export function componentStatusesFrom(fields: Record<string, string>): { ok: true; statuses: Record<string, (typeof COMPONENT_STATUSES)[number]> } | { ok: false } {
  const statuses: Record<string, (typeof COMPONENT_STATUSES)[number]> = {};
  for (const [name, value] of Object.entries(fields)) {
    const m = /^component-(\d{1,18})$/.exec(name);
    if (!m || value === '') continue;
    if (!(COMPONENT_STATUSES as readonly string[]).includes(value)) return { ok: false };
    statuses[m[1]!] = value as (typeof COMPONENT_STATUSES)[number];
  }
  return { ok: true, statuses };
}

export const incidentFormSchema = z.object({
  name: text('a title', 200),
  status: z.enum(INCIDENT_STATUSES, { error: 'Choose a status' }),
  impact: z.enum(INCIDENT_IMPACTS, { error: 'Choose an impact' }),
  body: text('a message', 10_000),
  notify: z.literal('yes').optional(),
});

export const updateFormSchema = z.object({
  status: z.string({ error: 'Choose a status' }).min(1, 'Choose a status'),
  body: text('a message', 10_000),
  notify: z.literal('yes').optional(),
  impact: z.enum(INCIDENT_IMPACTS).optional().or(z.literal('').transform(() => undefined)),
});

export const postmortemFormSchema = z.object({ postmortem: text('the postmortem', 50_000), notify: z.literal('yes').optional() });

export function maintenanceFormSchema(timeZone: string) {
  return z.object({
    name: text('a title', 200),
    body: text('a message', 10_000),
    scheduledFor: localDateTime(timeZone, 'the start'),
    scheduledUntil: localDateTime(timeZone, 'the end'),
    autoTransition: z.literal('yes').optional(),
    remindMinutes: z.enum(['', '60', '1440', '4320'], { error: 'Choose when to remind' }).default(''),
    notify: z.literal('yes').optional(),
  });
}

export function tokenFormSchema(timeZone: string) {
  return z.object({
    name: text('a name', 120),
    expiresOn: z.iso.date({ error: 'Enter a date as YYYY-MM-DD' }).transform((d) => DateTime.fromISO(d, { zone: timeZone }).endOf('day').toJSDate()),
  });
}

export const SCOPES = TOKEN_SCOPES;

/** Statuspage's `PATCH /v1/pages/{page_id}/components/{component_id}` body. */
export const componentPatchSchema = z.object({
  component: z.object({ status: z.enum(COMPONENT_STATUSES, { error: `component.status must be one of ${COMPONENT_STATUSES.join(', ')}` }) }),
});

const apiText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((v) => !CONTROL.test(v), 'must not contain control characters');

/** Statuspage's incident bodies (`POST /v1/pages/{page_id}/incidents`, `PATCH …/incidents/{id}`). */
export const incidentCreateSchema = z.object({
  incident: z.object({
    name: apiText(200).refine((v) => v.trim().length > 0, 'must not be empty'),
    status: z.enum(INCIDENT_STATUSES).default('investigating'),
    impact_override: z.enum(INCIDENT_IMPACTS).optional(),
    body: apiText(10_000).optional(),
    component_ids: z.array(idString).max(200).optional(),
    components: z.record(idString, z.enum(COMPONENT_STATUSES)).optional(),
    deliver_notifications: z.boolean().default(true),
  }),
});

export const incidentPatchSchema = z.object({
  incident: z.object({
    name: apiText(200).refine((v) => v.trim().length > 0, 'must not be empty').optional(),
    status: z.enum(INCIDENT_STATUSES).optional(),
    impact_override: z.enum(INCIDENT_IMPACTS).optional(),
    body: apiText(10_000).optional(),
    components: z.record(idString, z.enum(COMPONENT_STATUSES)).optional(),
    deliver_notifications: z.boolean().default(true),
  }),
});

/** The first problem with an API body, as one sentence naming the field. */
export function apiIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `${issue.path.join('.') || 'body'}: ${issue.message}`;
}

/** The console's "set status" form beside each component. */
export const setStatusFormSchema = z.object({
  componentId: idString,
  status: z.enum(COMPONENT_STATUSES, { error: 'Choose a status' }),
});

/** The preferences page (both topics); component boxes are read beside it. */
export const preferencesFormSchema = z
  .object({
    registry: z.literal('yes').optional(),
    status: z.literal('yes').optional(),
    scope: z.enum(['all', 'chosen']).default('all'),
    lang: z.enum(LANGUAGES, { error: 'Choose a language.' }),
  })
  .catchall(z.string());
