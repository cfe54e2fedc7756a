import { stringify } from 'csv-stringify/sync';
import { DateTime } from 'luxon';
import type { DB } from '../../../db/client';
import { recordAudit, type Actor } from '~/models/audit.server';
import { registerEntries, type RegisterEntry } from '~/models/breaches/register.server';
import { breachDeadline } from '~/models/breaches/rules';

/**
 * The register as a file for the authority, an auditor or a spreadsheet: every breach with its
 * clock, Art. 33(3) content, risk, causes, the decision on notification and each filing, and
 * the Art. 34 counts (never the addresses of the people told). JSON carries instants in UTC;
 * the CSV writes them in PORTAL_TIMEZONE with their offset. Each export is audited.
 */
export type ExportFormat = 'csv' | 'json';

function notification(e: RegisterEntry): string {
  switch (e.state.kind) {
    case 'notified':
      return e.state.late ? 'notified late' : 'notified on time';
    case 'not_notified':
      return 'not notified';
    case 'pending':
      return e.state.overdue ? 'not yet notified: overdue' : 'not yet notified';
    case 'controller_told':
      return 'controller told (processor)';
    case 'controller_pending':
      return 'controller not yet told (processor)';
  }
}

function art34(e: RegisterEntry): string {
  const b = e.breach;
  if (b.art34_exemption) return `exempt (${b.art34_exemption})`;
  if (b.role !== 'controller' || b.risk !== 'high') return 'not required';
  const told = e.subjects.queued + e.subjects.sent + e.subjects.failed;
  return told > 0 ? 'people told' : 'required: not yet told';
}

function jsonEntry(e: RegisterEntry) {
  const b = e.breach;
  const initial = e.filings.find((f) => f.phase === 'initial');
  return {
    reference: b.reference,
    title: b.title,
    detectedAt: b.detected_at.toISOString(),
    awareAt: b.aware_at.toISOString(),
    awarenessReason: b.awareness_reason,
    deadline: breachDeadline(b.aware_at).toISOString(),
    kinds: { confidentiality: b.confidentiality, integrity: b.integrity, availability: b.availability },
    nature: b.nature,
    subjectCategories: b.subject_categories,
    subjectsApprox: b.subjects_approx,
    recordCategories: b.record_categories,
    recordsApprox: b.records_approx,
    dpoContact: b.dpo_contact,
    likelyConsequences: b.consequences,
    measures: b.measures,
    causes: b.causes,
    role: b.role,
    controller: b.role === 'processor' ? { name: b.controller_name, notifiedAt: b.controller_notified_at?.toISOString() ?? null } : null,
    risk: b.risk,
    riskReasoning: b.risk_reasoning,
    notification: notification(e),
    late: initial ? initial.late : null,
    lateReasons: initial?.late_reasons ?? null,
    notNotifiedReason: b.not_notified_reason,
    filings: e.filings.map((f) => ({
      phase: f.phase,
      filedAt: f.filed_at.toISOString(),
      authority: f.authority_name,
      authorityReference: f.authority_reference,
      summary: f.summary,
      late: f.late,
      lateReasons: f.late_reasons,
      recordedAt: f.recorded_at.toISOString(),
    })),
    art34: {
      status: art34(e),
      exemption: b.art34_exemption,
      exemptionGround: b.art34_exemption_ground,
      people: { toTell: e.subjects.selected, queued: e.subjects.queued, sent: e.subjects.sent, failed: e.subjects.failed, excluded: e.subjects.excluded },
    },
    incidentRef: b.incident_ref,
    recordedAt: b.created_at.toISOString(),
  };
}

const CSV_COLUMNS = [
  'reference', 'title', 'detected_at', 'aware_at', 'awareness_reason', 'deadline', 'confidentiality', 'integrity', 'availability',
  'nature', 'subject_categories', 'subjects_approx', 'record_categories', 'records_approx', 'dpo_contact', 'likely_consequences',
  'measures', 'causes', 'role', 'controller', 'controller_notified_at', 'risk', 'risk_reasoning', 'notification', 'first_filed_at', 'late',
  'late_reasons', 'filings', 'not_notified_reason', 'art34', 'art34_exemption_ground', 'people_told', 'people_failed', 'incident_ref',
];

export async function exportBreachRegister(
  db: DB,
  actor: Actor,
  format: ExportFormat,
  settings: { timeZone: string; now?: Date },
): Promise<{ body: string; count: number }> {
  const now = settings.now ?? new Date();
  const entries = await registerEntries(db, now);
  await recordAudit(db, { actorId: actor.id, action: 'breach.register_exported', ip: actor.ip ?? null, details: { format, count: entries.length } });
  if (format === 'json') {
    const body = JSON.stringify({ exportedAt: now.toISOString(), timeZone: settings.timeZone, breaches: entries.map(jsonEntry) }, null, 2);
    return { body: `${body}\n`, count: entries.length };
  }
  const local = (d: Date | null | undefined) => (d ? DateTime.fromJSDate(d, { zone: settings.timeZone }).toISO({ suppressMilliseconds: true })! : '');
  const rows = entries.map((e) => {
    const b = e.breach;
    const initial = e.filings.find((f) => f.phase === 'initial');
    return [
      b.reference, b.title, local(b.detected_at), local(b.aware_at), b.awareness_reason ?? '', local(breachDeadline(b.aware_at)),
      b.confidentiality, b.integrity, b.availability, b.nature, b.subject_categories, b.subjects_approx ?? '', b.record_categories,
      b.records_approx ?? '', b.dpo_contact, b.consequences, b.measures, b.causes, b.role, b.controller_name ?? '', local(b.controller_notified_at),
      b.risk, b.risk_reasoning ?? '', notification(e), local(initial?.filed_at), initial ? initial.late : '', initial?.late_reasons ?? '',
      e.filings.map((f) => `${f.phase} ${local(f.filed_at)}`).join('; '), b.not_notified_reason ?? '', art34(e), b.art34_exemption_ground ?? '',
      e.subjects.sent + e.subjects.queued, e.subjects.failed, b.incident_ref ?? '',
    ];
  });
  // escape_formulas: a cell a spreadsheet would run (=, +, -, @ first) is written as text.
  const body = stringify([CSV_COLUMNS, ...rows], { escape_formulas: true, record_delimiter: 'windows', cast: { boolean: (v) => (v ? 'yes' : 'no') } });
  return { body, count: entries.length };
}
