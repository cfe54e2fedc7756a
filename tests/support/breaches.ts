import type { DB } from '../../db/client';
import type { BreachInput } from '../../app/models/breaches/forms.server';
import { recordBreach } from '../../app/models/breaches/register.server';

/** A breach's form input as a DPO would type it; override what a test is about. */
export function breachInput(overrides: Partial<BreachInput> = {}): BreachInput {
  const now = Date.now();
  return {
    title: 'Mailing list exported by a former contractor',
    detectedAt: new Date(now - 2 * 3_600_000),
    awareAt: new Date(now - 2 * 3_600_000),
    awarenessReason: null,
    confidentiality: true,
    integrity: false,
    availability: false,
    nature: 'A former contractor exported the newsletter list.',
    subjectCategories: 'Newsletter subscribers',
    subjectsApprox: 300,
    recordCategories: 'Email addresses, names',
    recordsApprox: 300,
    dpoContact: 'Alex Example, dpo@example.com',
    consequences: 'Unwanted mail, phishing.',
    measures: 'Access revoked; contractor asked to delete the copy.',
    causes: 'Access not removed at the end of the contract.',
    role: 'controller',
    controllerName: null,
    risk: 'high',
    riskReasoning: 'Names with addresses make convincing phishing.',
    incidentRef: null,
    ...overrides,
  };
}

/** Records a breach through the model, as `actorId`. */
export function recordBreachFixture(db: DB, actorId: string, overrides: Partial<BreachInput> = {}) {
  return recordBreach(db, breachInput(overrides), { id: actorId }, { timeZone: 'Europe/London' });
}
