import { Form } from '@remix-run/react';
import { RadioGroupField } from '~/components/choice-fields';
import { ErrorSummary } from '~/components/error-summary';
import { Field, FormError, TextAreaField } from '~/components/field';
import { KIND_LABELS, RISK_LABELS, ROLE_LABELS, type BreachKind } from '~/models/breaches/labels';

type Values = Record<string, string | undefined>;

const FIELD_LABELS: Record<string, string> = {
  title: 'Title',
  detectedAt: 'Detected',
  awareAt: 'Aware',
  awarenessReason: 'Why awareness came later',
  kind: 'What the breach affected',
  nature: 'What happened',
  subjectsApprox: 'Approximate number of people',
  recordsApprox: 'Approximate number of records',
  dpoContact: 'DPO or contact point',
  role: 'Our role',
  risk: 'Risk',
  riskReasoning: 'Reasoning',
  incidentRef: 'Status incident',
};

/**
 * The record of a breach: the clock (detection, awareness and why they differ), what it
 * affected, the Art. 33(3)(a)–(d) content, our role, the risk with its reasoning, and causes.
 * Items not yet known may stay empty and follow in phases. Posts natively.
 */
export function BreachForm(props: {
  values: Values;
  errors: Record<string, string | undefined>;
  timeZone: string;
  submitLabel: string;
  version?: string;
}) {
  const { values: v, errors: e, timeZone } = props;
  const summary = Object.entries(e)
    .filter(([key, text]) => key !== 'form' && text)
    .map(([key, text]) => ({ href: `#field-${key === 'kind' ? 'confidentiality' : key}`, text: `${FIELD_LABELS[key] ?? key}: ${text}` }));
  return (
    <Form method="post" noValidate className="narrow-wide">
      <ErrorSummary title="The breach was not saved" items={summary} />
      <FormError message={e.form} />
      {props.version ? <input type="hidden" name="version" value={props.version} /> : null}
      {v.incidentRef ? <input type="hidden" name="incidentRef" value={v.incidentRef} /> : null}
      <Field label="Title" name="title" autoComplete="off" required maxLength={200} defaultValue={v.title} error={e.title} hint="A short name for the register and the reminders." />

      <fieldset className="field-group">
        <legend>The clock</legend>
        <p className="hint">
          Times in {timeZone}. The 72 hours to notify the authority run from awareness: when you were reasonably certain that
          personal data was affected, which may be after something was first detected.
        </p>
        <Field label="Detected" name="detectedAt" type="datetime-local" required defaultValue={v.detectedAt} error={e.detectedAt} hint="When something was first noticed." />
        <Field label="Aware" name="awareAt" type="datetime-local" required defaultValue={v.awareAt} error={e.awareAt} hint="Never before detection." />
        <TextAreaField
          label="Why awareness came later"
          name="awarenessReason"
          defaultValue={v.awarenessReason}
          error={e.awarenessReason}
          hint="Needed when awareness is later than detection: what had to be established first."
        />
      </fieldset>

      <fieldset className="field-group" aria-describedby={e.kind ? 'field-kind-error' : undefined}>
        <legend>What the breach affected</legend>
        {e.kind ? (
          <p className="field-error" id="field-kind-error">
            {e.kind}
          </p>
        ) : null}
        {(Object.keys(KIND_LABELS) as BreachKind[]).map((kind) => (
          <div className="field checkbox" key={kind}>
            <div>
              <input
                type="checkbox"
                id={`field-${kind}`}
                name={kind}
                value="yes"
                defaultChecked={v[kind] === 'yes'}
                aria-invalid={e.kind ? true : undefined}
                aria-describedby={e.kind ? 'field-kind-error' : undefined}
              />
              <label htmlFor={`field-${kind}`}>{KIND_LABELS[kind]}</label>
            </div>
          </div>
        ))}
      </fieldset>

      <fieldset className="field-group">
        <legend>Art. 33(3): what the authority is told</legend>
        <p className="hint">Leave empty what is not yet known: details may follow in phases (Art. 33(4)); the final report needs them all.</p>
        <TextAreaField label="What happened" name="nature" rows={5} required defaultValue={v.nature} error={e.nature} hint="(a) The nature of the breach." />
        <TextAreaField label="Categories of people affected" name="subjectCategories" defaultValue={v.subjectCategories} error={e.subjectCategories} hint="(a) For example customers, employees, children." />
        <Field label="Approximate number of people" name="subjectsApprox" inputMode="numeric" autoComplete="off" defaultValue={v.subjectsApprox} error={e.subjectsApprox} />
        <TextAreaField label="Categories of records" name="recordCategories" defaultValue={v.recordCategories} error={e.recordCategories} hint="(a) For example contact details, payment data, health data." />
        <Field label="Approximate number of records" name="recordsApprox" inputMode="numeric" autoComplete="off" defaultValue={v.recordsApprox} error={e.recordsApprox} />
        <Field label="DPO or contact point" name="dpoContact" autoComplete="off" required defaultValue={v.dpoContact} error={e.dpoContact} hint="(b) Name and contact details the authority can ask." />
        <TextAreaField label="Likely consequences" name="consequences" rows={4} defaultValue={v.consequences} error={e.consequences} hint="(c) What may happen to the people affected." />
        <TextAreaField label="Measures taken or proposed" name="measures" rows={4} defaultValue={v.measures} error={e.measures} hint="(d) To address the breach and to mitigate its possible adverse effects." />
      </fieldset>

      <RadioGroupField legend="Our role" name="role" required defaultValue={v.role ?? 'controller'} error={e.role} options={Object.entries(ROLE_LABELS).map(([value, label]) => ({ value, label }))} />
      <Field label="Controller (when we are processor)" name="controllerName" autoComplete="organization" defaultValue={v.controllerName} error={e.controllerName} />

      <RadioGroupField
        legend="Risk to people's rights and freedoms"
        name="risk"
        required
        defaultValue={v.risk ?? 'unassessed'}
        error={e.risk}
        hint="Not yet assessed is not the same as no risk: the deadline keeps running."
        options={Object.entries(RISK_LABELS).map(([value, label]) => ({ value, label }))}
      />
      <TextAreaField label="Reasoning" name="riskReasoning" rows={4} defaultValue={v.riskReasoning} error={e.riskReasoning} hint="Likelihood and severity for the people affected; needed once the risk is assessed." />
      <TextAreaField label="Causes" name="causes" rows={3} defaultValue={v.causes} error={e.causes} hint="What led to it (the breach log's cause): a person, a process, a system." />
      <button type="submit">{props.submitLabel}</button>
    </Form>
  );
}
