import type { Art34Exemption, BreachFilingPhase, BreachRisk, BreachRole } from '../../../db/schema';

/**
 * The words staff read for the register's choices (staff pages are in English). Kept apart from
 * ./rules.ts so the pages' browser bundle carries the labels without the date library.
 */

/** The languages an Art. 34 text is written in: the portal's catalogs. */
export const NOTICE_LANGUAGES = ['en', 'de', 'fr'] as const;

export const PHASE_LABELS: Record<BreachFilingPhase, string> = {
  initial: 'Initial notification',
  follow_up: 'Follow-up (further information, Art. 33(4))',
  final: 'Final report',
};

export const RISK_LABELS: Record<BreachRisk, string> = {
  unassessed: 'Not yet assessed (treated as reportable until assessed)',
  unlikely: 'Unlikely to result in a risk to people',
  risk: 'A risk to people (notify the authority)',
  high: 'A high risk to people (notify the authority and tell the people affected)',
};

export const ROLE_LABELS: Record<BreachRole, string> = {
  controller: 'Controller (we notify the supervisory authority)',
  processor: 'Processor (we tell the controller without undue delay, Art. 33(2))',
};

export const EXEMPTION_LABELS: Record<Art34Exemption, string> = {
  protected: 'Art. 34(3)(a): the data was unintelligible to anyone not authorised (e.g. encrypted)',
  mitigated: 'Art. 34(3)(b): measures taken since mean the high risk is no longer likely to materialise',
  disproportionate: 'Art. 34(3)(c): telling each person would take disproportionate effort; a public communication instead',
};

export const KIND_LABELS = {
  confidentiality: 'Confidentiality (disclosed to or accessed by someone not entitled)',
  integrity: 'Integrity (altered without authorisation)',
  availability: 'Availability (lost, destroyed or unreachable)',
} as const;
export type BreachKind = keyof typeof KIND_LABELS;
