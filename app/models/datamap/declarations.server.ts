import countries from 'i18n-iso-countries';
import { z } from 'zod';
import { ART9_CONDITIONS, EEA_COUNTRIES, LEGAL_BASES, RETENTION_KINDS, RETENTION_UNITS, ROLES, SAFEGUARDS, TRANSLATABLE, TRANSLATION_LANGUAGES } from '~/models/datamap/declarations';
import { hasControlCharacters, STAFF_CONTROL_ERROR } from '~/utils/text';

/** The schema of one declaration (./declarations.ts describes it): every write and read passes it. */

const text = (max: number, oneLine = false) =>
  z
    .string()
    .trim()
    .max(max, `At most ${max} characters`)
    .refine((v) => !hasControlCharacters(v, { oneLine }), STAFF_CONTROL_ERROR);
const key = z.string().trim().regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*$/, 'A vocabulary key is lower-case words joined by dots, such as user.contact.email');

export const declarationSchema = z
  .object({
    name: text(200, true).min(1, 'Name the activity'),
    purpose: text(2000).min(1, 'Say what the processing is for'),
    role: z.enum(ROLES).default('controller'),
    /** Art. 30(2)(a): for an activity carried out as a processor, the controller it is done for. */
    controllerName: text(300, true).default(''),
    dataUse: key,
    dataCategories: z.array(key).min(1, 'Choose at least one data category').max(100),
    dataSubjects: z.array(key).min(1, 'Choose at least one category of data subjects').max(30),
    legalBasis: z.enum(LEGAL_BASES).nullable().default(null),
    art9Condition: z.enum(ART9_CONDITIONS).nullable().default(null),
    legitimateInterest: text(2000).default(''),
    consentWithdrawal: text(1000).default(''),
    retention: z.object({
      kind: z.enum(RETENTION_KINDS),
      period: z.number().int().min(1).max(1200).nullable().default(null),
      unit: z.enum(RETENTION_UNITS).nullable().default(null),
      trigger: text(300, true).default(''),
      rule: text(1000).default(''),
    }),
    source: z.object({ fromSubject: z.boolean(), other: text(1000).default('') }),
    recipients: z
      .array(z.object({ kind: z.enum(['system', 'subprocessor', 'other']), key: text(200, true), name: text(200, true).default('') }))
      .max(50)
      .default([]),
    transfers: z
      .array(
        z.object({
          country: z
            .string()
            .trim()
            .toUpperCase()
            .refine((c) => /^[A-Z]{2}$/.test(c) && countries.isValid(c), 'Enter an ISO 3166-1 country code such as US'),
          safeguard: z.union([z.enum(SAFEGUARDS), z.literal('')]).default(''),
        }),
      )
      .max(20)
      .default([]),
    automated: z.object({ made: z.boolean(), logic: text(2000).default('') }).default({ made: false, logic: '' }),
    translations: z
      .partialRecord(z.enum(TRANSLATION_LANGUAGES), z.partialRecord(z.enum(TRANSLATABLE), text(2000)))
      .default({}),
    /**
     * For the portal's own activities: which people it concerns, so an access summary lists it
     * only for them (everyone; account holders; alert subscribers; objectors).
     */
    portalScope: z.enum(['everyone', 'account', 'alerts', 'objections']).optional(),
    /** The fideslang keys of an imported declaration that the map does not use, given back on export. */
    fideslang: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((d, ctx) => {
    if (d.role === 'processor' && !d.controllerName) ctx.addIssue({ code: 'custom', path: ['controllerName'], message: 'Name the controller this is done for (Art. 30(2)(a))' });
    d.transfers.forEach((t, i) => {
      if (EEA_COUNTRIES.has(t.country)) {
        ctx.addIssue({ code: 'custom', path: ['transfers', i, 'country'], message: `${t.country} is in the EEA: list only countries outside it` });
      }
    });
  });

/**
 * What the staff form adds to the structure: a declaration typed in must be complete. An
 * imported one may have gaps (no legal basis, no retention): they are findings, not refusals.
 */
export const formDeclarationSchema = declarationSchema.superRefine((d, ctx) => {
    if (d.role === 'controller' && !d.legalBasis) ctx.addIssue({ code: 'custom', path: ['legalBasis'], message: 'Choose the legal basis (Art. 6(1))' });
    if (d.legalBasis === 'f' && !d.legitimateInterest) {
      ctx.addIssue({ code: 'custom', path: ['legitimateInterest'], message: 'Say which legitimate interest is pursued (Art. 13(1)(d))' });
    }
    if (d.retention.kind === 'period' && (!d.retention.period || !d.retention.unit)) {
      ctx.addIssue({ code: 'custom', path: ['retention', 'period'], message: 'Enter the period as a number of days, months or years' });
    }
    if (d.retention.kind === 'period' && !d.retention.trigger) {
      ctx.addIssue({ code: 'custom', path: ['retention', 'trigger'], message: 'Say from when the period runs, such as "after the contract ends"' });
    }
    if (d.retention.kind === 'rule' && !d.retention.rule) ctx.addIssue({ code: 'custom', path: ['retention', 'rule'], message: 'Describe the retention rule' });
    if (!d.source.fromSubject && !d.source.other) ctx.addIssue({ code: 'custom', path: ['source', 'other'], message: 'Say where the data comes from' });
    if (d.automated.made && !d.automated.logic) {
      ctx.addIssue({ code: 'custom', path: ['automated', 'logic'], message: 'Describe the logic involved (Art. 15(1)(h))' });
    }
    if (d.retention.kind === 'unstated') ctx.addIssue({ code: 'custom', path: ['retention', 'kind'], message: 'Say how long the data is kept' });
  });

export type Declaration = z.output<typeof declarationSchema>;
export type DeclarationInput = z.input<typeof declarationSchema>;

