import { z } from 'zod';
import type { Art34Exemption, BreachFilingPhase, BreachRisk, BreachRole } from '../../../db/schema';
import { NOTICE_LANGUAGES } from '~/models/breaches/labels';
import { clockErrors, parseLocalDateTime } from '~/models/breaches/rules';
import { isIsoDate } from '~/utils/calendar';

/**
 * The breach register's forms, checked on the server (the answer is the truth whatever the
 * browser did). Times are typed as wall-clock time in PORTAL_TIMEZONE (`datetime-local`), so
 * the schemas that read them are made per zone and per moment (`now` is injected, for tests
 * that move the clock). Cross-field rules come from ./rules.ts, the same functions the model
 * applies again before it writes.
 */

// C0/C1 controls other than tab and line breaks: PostgreSQL cannot store U+0000, and none belong in a record.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
// eslint-disable-next-line no-control-regex
const CONTROL_SINGLE = /[\u0000-\u001F\u007F-\u009F]/;

const text = (max: number) =>
  z
    .string()
    .optional()
    .transform((v) => (v ?? '').trim())
    .pipe(
      z
        .string()
        .max(max, `Keep this under ${max} characters.`)
        .refine((v) => !CONTROL.test(v), 'Remove the control characters from this text.'),
    );
const required = (max: number, missing: string) => text(max).pipe(z.string().min(1, missing));
const line = (max: number, missing: string) =>
  required(max, missing).refine((v) => !CONTROL_SINGLE.test(v), 'Keep this to one line without control characters.');
const optionalText = (max: number) => text(max).transform((v) => (v === '' ? null : v));

const count = z
  .string()
  .optional()
  .transform((v) => (v ?? '').trim().replace(/[\s,._']/g, ''))
  .pipe(z.union([z.literal(''), z.string().regex(/^\d{1,9}$/, 'Enter a whole number (an estimate is fine), or leave it empty if not yet known.')]))
  .transform((v) => (v === '' ? null : Number(v)));

const checkbox = z
  .string()
  .optional()
  .transform((v) => v === 'yes');

const ROLES = ['controller', 'processor'] as const satisfies readonly BreachRole[];
const RISKS = ['unassessed', 'unlikely', 'risk', 'high'] as const satisfies readonly BreachRisk[];
const PHASES = ['initial', 'follow_up', 'final'] as const satisfies readonly BreachFilingPhase[];
const EXEMPTIONS = ['protected', 'mitigated', 'disproportionate'] as const satisfies readonly Art34Exemption[];

/** A `datetime-local` value in `timeZone`, as an instant; clear messages for each way it can be wrong. */
function localTime(timeZone: string, missing: string) {
  return z
    .string({ error: missing })
    .trim()
    .min(1, missing)
    .transform((value, ctx) => {
      const parsed = parseLocalDateTime(value, timeZone);
      if (parsed === 'invalid') {
        ctx.addIssue({ code: 'custom', message: 'Enter a date and time, such as 2026-03-05 14:30.' });
        return z.NEVER;
      }
      if (parsed === 'nonexistent') {
        ctx.addIssue({ code: 'custom', message: `That time does not exist in ${timeZone} (the clocks went forward). Enter the time as the clock showed it.` });
        return z.NEVER;
      }
      return parsed;
    });
}

const incidentRef = z
  .string()
  .optional()
  .transform((v) => (v ?? '').trim())
  .pipe(z.union([z.literal(''), z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, 'An incident reference is letters, digits, dots, colons, dashes or underscores (at most 100).')]))
  .transform((v) => (v === '' ? null : v));

/** The record of a breach (new or edited): Art. 33(3) content, the clock, role, risk and causes. */
export function breachSchema(options: { timeZone: string; now: Date }) {
  return z
    .object({
      title: line(200, 'Give the breach a short title (for the register and reminders).'),
      detectedAt: localTime(options.timeZone, 'Enter when something was first detected.'),
      awareAt: localTime(options.timeZone, 'Enter when you became aware that personal data was affected.'),
      awarenessReason: optionalText(4000),
      confidentiality: checkbox,
      integrity: checkbox,
      availability: checkbox,
      nature: required(10_000, 'Describe what happened (Art. 33(3)(a)).'),
      subjectCategories: text(2000),
      subjectsApprox: count,
      recordCategories: text(2000),
      recordsApprox: count,
      dpoContact: line(500, 'Name the DPO or other contact point the authority can ask (Art. 33(3)(b)).'),
      consequences: text(10_000),
      measures: text(10_000),
      causes: text(10_000),
      role: z.enum(ROLES, { error: 'Choose whether you are the controller or a processor for this data.' }),
      controllerName: optionalText(500),
      risk: z.enum(RISKS, { error: 'Choose the risk, or "not yet assessed".' }),
      riskReasoning: optionalText(10_000),
      incidentRef,
      version: z.string().max(40).optional(),
    })
    .superRefine((v, ctx) => {
      for (const [path, message] of Object.entries(breachInputErrors(v, options.now))) ctx.addIssue({ code: 'custom', path: [path], message });
    });
}
export type BreachInput = Omit<z.output<ReturnType<typeof breachSchema>>, 'version'>;

/** The rules across fields, for the form and again for the model: by field name. */
export function breachInputErrors(
  v: Pick<BreachInput, 'detectedAt' | 'awareAt' | 'awarenessReason' | 'confidentiality' | 'integrity' | 'availability' | 'risk' | 'riskReasoning'>,
  now: Date,
): Record<string, string> {
  const errors = clockErrors(v, now);
  if (!v.confidentiality && !v.integrity && !v.availability) {
    errors.kind = 'Tick at least one: a breach of confidentiality, integrity or availability.';
  }
  if (v.risk !== 'unassessed' && !v.riskReasoning?.trim()) {
    errors.riskReasoning = 'Give the reasoning behind the risk assessment (likelihood and severity for the people affected).';
  }
  return errors;
}

export function filingSchema(options: { timeZone: string }) {
  return z.object({
    phase: z.enum(PHASES, { error: 'Choose the phase of this filing.' }),
    filedAt: localTime(options.timeZone, 'Enter when it was sent to the authority.'),
    authorityReference: optionalText(200),
    summary: required(10_000, 'Say what was sent in this phase.'),
    lateReasons: optionalText(10_000),
  });
}

export const notNotifiedSchema = z.object({
  reason: required(10_000, 'Give the reason the authority is not notified (why the breach is unlikely to result in a risk).'),
});

export function controllerToldSchema(options: { timeZone: string }) {
  return z.object({
    controllerName: line(500, 'Name the controller you told.'),
    notifiedAt: localTime(options.timeZone, 'Enter when you told the controller.'),
  });
}

export const exemptionSchema = z.object({
  exemption: z.enum(EXEMPTIONS, { error: 'Choose the Art. 34(3) ground.' }),
  ground: required(10_000, 'Write down why the ground applies to this breach.'),
});

const optionalDay = z
  .string()
  .optional()
  .transform((v) => (v ?? '').trim())
  .pipe(z.union([z.literal(''), z.string().refine(isIsoDate, 'Enter a date as YYYY-MM-DD.')]))
  .transform((v) => (v === '' ? null : v));

export const addSubjectsSchema = z
  .object({
    source: z.enum(['entered', 'account', 'request'], { error: 'Choose where the people come from.' }),
    addresses: text(400_000),
    defaultLang: z.enum(NOTICE_LANGUAGES, { error: 'Choose a language.' }).default('en'),
    from: optionalDay,
    to: optionalDay,
  })
  .superRefine((v, ctx) => {
    if (v.source === 'entered' && !v.addresses) ctx.addIssue({ code: 'custom', path: ['addresses'], message: 'Enter at least one email address.' });
    if (v.from && v.to && v.from > v.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'The end date is before the start date.' });
  });

export const draftSchema = z.object({
  lang: z.enum(NOTICE_LANGUAGES, { error: 'Choose a language.' }),
  nature: required(5000, 'Say in plain words what happened.'),
  consequences: required(5000, 'Say in plain words what this may mean for the person.'),
  measures: required(5000, 'Say what you have done, and what the person can do to protect themselves.'),
});

export const excludeSchema = z.object({ subjectId: z.string().regex(/^\d{1,18}$/, 'Choose a person.') });

export const sendSchema = z.object({
  confirm: z.literal('yes', { error: 'Tick the box to confirm the people and the text.' }),
});

export const dpoSchema = z.object({
  email: z.string().trim().min(1, 'Enter the email of a staff account.').max(254).pipe(z.email('Enter an email address.')),
  intent: z.enum(['designate', 'revoke'], { error: 'Choose whether to designate or revoke.' }),
});
