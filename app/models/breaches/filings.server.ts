import type { DB } from '../../../db/client';
import type { BreachFiling, BreachFilingPhase, BreachRow } from '../../../db/schema';
import { recordAudit, type Actor } from '~/models/audit.server';
import { BreachRuleError } from '~/models/breaches/errors';
import { withLockedBreach } from '~/models/breaches/register.server';
import { PHASE_LABELS } from '~/models/breaches/labels';
import { art33Gaps, breachDeadline, duration, formatInstant, isLate, nextPhases } from '~/models/breaches/rules';

/**
 * What the controller told the supervisory authority, phase by phase (Art. 33(4)): an initial
 * notification, follow-ups and a final report, each dated and kept as filed (the database
 * refuses changes). The initial filing fixes the clock: its deadline and whether it was late
 * are stored on it and never recomputed; a late one carries the reasons for the delay
 * (Art. 33(1)). A controller that does not notify records why; a processor records when it
 * told the controller (Art. 33(2)).
 */
export type FilingSettings = { authorityName: string; timeZone: string; now?: Date };

const SLACK_MS = 60_000;

export type FilingInput = {
  breachId: string;
  phase: BreachFilingPhase;
  filedAt: Date;
  authorityReference: string | null;
  summary: string;
  lateReasons: string | null;
};

/** What the register said of the breach when a phase was filed, kept with the filing. */
function snapshot(b: BreachRow) {
  return {
    title: b.title,
    detectedAt: b.detected_at.toISOString(),
    awareAt: b.aware_at.toISOString(),
    awarenessReason: b.awareness_reason,
    kinds: { confidentiality: b.confidentiality, integrity: b.integrity, availability: b.availability },
    nature: b.nature,
    subjectCategories: b.subject_categories,
    subjectsApprox: b.subjects_approx,
    recordCategories: b.record_categories,
    recordsApprox: b.records_approx,
    dpoContact: b.dpo_contact,
    consequences: b.consequences,
    measures: b.measures,
    causes: b.causes,
    risk: b.risk,
    riskReasoning: b.risk_reasoning,
  };
}

/** Files one phase with the authority. Undefined when there is no such breach. */
export async function fileWithAuthority(db: DB, input: FilingInput, actor: Actor, settings: FilingSettings): Promise<BreachFiling | undefined> {
  const now = settings.now ?? new Date();
  return withLockedBreach(db, input.breachId, async (trx, breach) => {
    if (breach.role !== 'controller') {
      throw new BreachRuleError({}, 'We hold this data as a processor: the controller notifies the authority. Record when you told the controller instead.');
    }
    const filings = await trx.selectFrom('breach_filings').selectAll().where('breach_id', '=', breach.id).orderBy('filed_at').orderBy('id').execute();
    const allowed = nextPhases(filings.map((f) => f.phase));
    if (!allowed.includes(input.phase)) {
      const why =
        allowed.length === 0
          ? 'The final report was filed: the record of filings for this breach is complete.'
          : input.phase === 'initial'
            ? 'The initial notification was already filed; add a follow-up or the final report.'
            : 'File the initial notification first.';
      throw new BreachRuleError({ phase: why });
    }
    if (input.filedAt.getTime() > now.getTime() + SLACK_MS) throw new BreachRuleError({ filedAt: 'A filing cannot be dated in the future.' });
    if (input.filedAt.getTime() < breach.aware_at.getTime()) {
      throw new BreachRuleError({ filedAt: `A filing cannot come before awareness (${formatInstant(breach.aware_at, settings.timeZone)}).` });
    }
    const last = filings[filings.length - 1];
    if (last && input.filedAt.getTime() < last.filed_at.getTime()) {
      throw new BreachRuleError({ filedAt: `Phases are filed in order: the last one is dated ${formatInstant(last.filed_at, settings.timeZone)}.` });
    }
    if (input.phase === 'final') {
      const gaps = art33Gaps(breach);
      if (gaps.length) throw new BreachRuleError({ phase: `The final report needs every Art. 33(3) item; still missing: ${gaps.join('; ')}.` });
    }
    const initial = filings.find((f) => f.phase === 'initial');
    // The initial filing fixes the deadline and the lateness; later phases carry them unchanged.
    const deadline = initial ? initial.deadline_at : breachDeadline(breach.aware_at);
    const late = initial ? initial.late : isLate(input.filedAt, deadline);
    if (!initial && late && !input.lateReasons) {
      throw new BreachRuleError({
        lateReasons: `This notification is ${duration(input.filedAt.getTime() - deadline.getTime())} after the deadline (${formatInstant(deadline, settings.timeZone)}): Art. 33(1) asks for the reasons for the delay.`,
      });
    }
    const filing = await trx
      .insertInto('breach_filings')
      .values({
        breach_id: breach.id,
        phase: input.phase,
        filed_at: input.filedAt,
        authority_name: settings.authorityName,
        authority_reference: input.authorityReference,
        summary: input.summary,
        deadline_at: deadline,
        late,
        late_reasons: initial ? input.lateReasons : late ? input.lateReasons : null,
        content: JSON.stringify(snapshot(breach)),
        recorded_by: actor.id,
        recorded_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'breach.filed',
      targetType: 'breach',
      targetId: breach.id,
      ip: actor.ip ?? null,
      details: {
        reference: breach.reference,
        phase: input.phase,
        label: PHASE_LABELS[input.phase],
        filedAt: input.filedAt.toISOString(),
        authority: settings.authorityName,
        deadline: deadline.toISOString(),
        late,
      },
    });
    return filing;
  });
}

/**
 * The controller decides not to notify the authority: only for a breach assessed as unlikely to
 * result in a risk (unassessed is not "no risk"), never after a filing, with the reason.
 */
export async function recordNotNotified(
  db: DB,
  input: { breachId: string; reason: string },
  actor: Actor,
  settings: { now?: Date } = {},
): Promise<BreachRow | undefined> {
  const now = settings.now ?? new Date();
  return withLockedBreach(db, input.breachId, async (trx, breach) => {
    if (breach.role !== 'controller') throw new BreachRuleError({}, 'As processor we do not notify the authority; the controller decides.');
    const filed = await trx.selectFrom('breach_filings').select('id').where('breach_id', '=', breach.id).executeTakeFirst();
    if (filed) throw new BreachRuleError({}, 'The authority was already notified of this breach.');
    if (breach.not_notified_at && breach.risk === 'unlikely') throw new BreachRuleError({}, 'The decision not to notify is already recorded.');
    if (breach.risk !== 'unlikely') {
      throw new BreachRuleError({
        reason:
          breach.risk === 'unassessed'
            ? 'The risk is not yet assessed, and unassessed is not "no risk": assess it as unlikely to result in a risk (with the reasoning) before deciding not to notify.'
            : 'The risk is assessed as a risk to people: the authority must be notified. Change the assessment first if it is wrong.',
      });
    }
    const updated = await trx
      .updateTable('breaches')
      .set({ not_notified_reason: input.reason, not_notified_at: now, updated_at: now })
      .where('id', '=', breach.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'breach.not_notified',
      targetType: 'breach',
      targetId: breach.id,
      ip: actor.ip ?? null,
      details: { reference: breach.reference, risk: breach.risk },
    });
    return updated;
  });
}

/** As processor: when we told the controller (Art. 33(2), "without undue delay"); recorded once. */
export async function recordControllerTold(
  db: DB,
  input: { breachId: string; controllerName: string; notifiedAt: Date },
  actor: Actor,
  settings: { timeZone: string; now?: Date },
): Promise<BreachRow | undefined> {
  const now = settings.now ?? new Date();
  return withLockedBreach(db, input.breachId, async (trx, breach) => {
    if (breach.role !== 'processor') throw new BreachRuleError({}, 'We are the controller for this breach: notify the authority instead.');
    if (breach.controller_notified_at) throw new BreachRuleError({}, 'When the controller was told is already recorded.');
    if (input.notifiedAt.getTime() > now.getTime() + SLACK_MS) throw new BreachRuleError({ notifiedAt: 'This cannot be in the future.' });
    if (input.notifiedAt.getTime() < breach.detected_at.getTime()) {
      throw new BreachRuleError({ notifiedAt: `This cannot come before detection (${formatInstant(breach.detected_at, settings.timeZone)}).` });
    }
    const updated = await trx
      .updateTable('breaches')
      .set({ controller_name: input.controllerName, controller_notified_at: input.notifiedAt, updated_at: now })
      .where('id', '=', breach.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'breach.controller_told',
      targetType: 'breach',
      targetId: breach.id,
      ip: actor.ip ?? null,
      details: {
        reference: breach.reference,
        notifiedAt: input.notifiedAt.toISOString(),
        hoursAfterAwareness: Math.round((input.notifiedAt.getTime() - breach.aware_at.getTime()) / 360_000) / 10,
      },
    });
    return updated;
  });
}
