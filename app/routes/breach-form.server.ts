import type { BreachRow } from '../../db/schema';
import { toLocalInput } from '~/models/breaches/rules';

/** Every field of the breach form: echoed back as typed when the form is refused. */
export const BREACH_FIELDS = [
  'title', 'detectedAt', 'awareAt', 'awarenessReason', 'confidentiality', 'integrity', 'availability', 'nature', 'subjectCategories',
  'subjectsApprox', 'recordCategories', 'recordsApprox', 'dpoContact', 'consequences', 'measures', 'causes', 'role', 'controllerName',
  'risk', 'riskReasoning', 'incidentRef',
] as const;

/** A stored breach as the form's fields (times as wall-clock time in `timeZone`). */
export function breachFormValues(b: BreachRow, timeZone: string): Record<string, string | undefined> {
  const yes = (v: boolean) => (v ? 'yes' : undefined);
  return {
    title: b.title,
    detectedAt: toLocalInput(b.detected_at, timeZone),
    awareAt: toLocalInput(b.aware_at, timeZone),
    awarenessReason: b.awareness_reason ?? '',
    confidentiality: yes(b.confidentiality),
    integrity: yes(b.integrity),
    availability: yes(b.availability),
    nature: b.nature,
    subjectCategories: b.subject_categories,
    subjectsApprox: b.subjects_approx === null ? '' : String(b.subjects_approx),
    recordCategories: b.record_categories,
    recordsApprox: b.records_approx === null ? '' : String(b.records_approx),
    dpoContact: b.dpo_contact,
    consequences: b.consequences,
    measures: b.measures,
    causes: b.causes,
    role: b.role,
    controllerName: b.controller_name ?? '',
    risk: b.risk,
    riskReasoning: b.risk_reasoning ?? '',
    incidentRef: b.incident_ref ?? undefined,
  };
}
