import { CheckboxField, RadioGroupField } from '~/components/choice-fields';
import { Field, SelectField, TextAreaField } from '~/components/field';
import {
  ART9_CONDITIONS,
  CHECKBOX_PREFIX,
  LEGAL_BASES,
  SAFEGUARDS,
  TRANSFER_ROWS,
  TRANSLATABLE,
  type Translatable,
} from '~/models/datamap/declarations';
import { processingEn } from '~/locales/datamap/en';

type Term = { key: string; name: string; parent: string | null };
type Values = Record<string, string | undefined>;
type Errors = Record<string, string | undefined>;

const TRANSLATABLE_LABELS: Record<Translatable, string> = {
  name: 'Name',
  purpose: 'Purpose',
  legitimateInterest: 'Legitimate interest',
  consentWithdrawal: 'How to withdraw consent',
  retentionTrigger: 'Retention: from when the period runs',
  retentionRule: 'Retention rule',
  sourceOther: 'Other sources',
  automatedLogic: 'Logic of automated decisions',
};

function byTop(terms: Term[]): Array<[string, Term[]]> {
  const groups = new Map<string, Term[]>();
  for (const term of terms) {
    const top = term.key.split('.')[0]!;
    groups.set(top, [...(groups.get(top) ?? []), term]);
  }
  return [...groups.entries()];
}

function Checkboxes({ legend, prefix, terms, values, error, hint }: { legend: string; prefix: string; terms: Term[]; values: Values; error?: string; hint?: string }) {
  const id = `field-${prefix.replace(':', '')}`;
  return (
    <fieldset className="field checkbox-group" aria-describedby={error ? `${id}-error` : undefined} aria-invalid={error ? true : undefined}>
      <legend>{legend}</legend>
      {hint ? <p className="hint">{hint}</p> : null}
      {error ? (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
      <div className="checkbox-columns">
        {terms.map((t) => (
          <CheckboxField key={t.key} name={`${prefix}${t.key}`} value="on" defaultChecked={values[`${prefix}${t.key}`] === 'on'} label={<>{t.name} <code>{t.key}</code></>} />
        ))}
      </div>
    </fieldset>
  );
}

/** Every field of a declaration (app/models/datamap/declarations.ts), in the order a DPO answers them. */
export function ActivityForm({
  values,
  errors,
  vocabulary,
  recipients,
}: {
  values: Values;
  errors: Errors;
  vocabulary: Record<string, Term[]>;
  recipients: Array<{ ref: string; name: string; kind: string }>;
}) {
  const translationError = Object.keys(errors).some((k) => k.startsWith('t_'));
  return (
    <>
      <Field label="Name of the activity" name="name" required maxLength={200} defaultValue={values.name} error={errors.name} />
      <TextAreaField label="Purpose" name="purpose" required maxLength={2000} hint="What the processing is for, in words a data subject understands." defaultValue={values.purpose} error={errors.purpose} />
      <RadioGroupField
        legend="Our role"
        name="role"
        defaultValue={values.role ?? 'controller'}
        error={errors.role}
        options={[
          { value: 'controller', label: 'Controller: we decide why and how (Art. 30(1))' },
          { value: 'processor', label: 'Processor: we do it on behalf of another controller (Art. 30(2))' },
        ]}
      />
      <Field label="Controller it is done for (processor role only)" name="controllerName" maxLength={300} defaultValue={values.controllerName} error={errors.controllerName} />
      <SelectField
        label="Data use (fideslang)"
        name="dataUse"
        required
        options={Object.fromEntries((vocabulary.data_use ?? []).map((t) => [t.key, `${t.name} (${t.key})`]))}
        defaultValue={values.dataUse ?? ''}
        error={errors.dataUse}
      />
      <fieldset className="field">
        <legend>Data categories</legend>
        {errors.dataCategories ? <p className="field-error">{errors.dataCategories}</p> : null}
        {byTop(vocabulary.data_category ?? []).map(([top, terms]) => (
          <details key={top} open={terms.some((t) => values[`${CHECKBOX_PREFIX.dataCategories}${t.key}`] === 'on') || top === 'user'}>
            <summary>{terms.find((t) => t.key === top)?.name ?? top}</summary>
            <Checkboxes legend={`Data categories under ${top}`} prefix={CHECKBOX_PREFIX.dataCategories} terms={terms} values={values} />
          </details>
        ))}
      </fieldset>
      <Checkboxes legend="Categories of data subjects" prefix={CHECKBOX_PREFIX.dataSubjects} terms={vocabulary.data_subject ?? []} values={values} error={errors.dataSubjects} />
      <RadioGroupField
        legend="Legal basis (Art. 6(1))"
        name="legalBasis"
        defaultValue={values.legalBasis ?? ''}
        error={errors.legalBasis}
        hint="Required when we are the controller."
        options={LEGAL_BASES.map((b) => ({ value: b, label: processingEn.legalBases[b] }))}
      />
      <SelectField
        label="Condition for special categories (Art. 9(2))"
        name="art9Condition"
        placeholder="None: no special categories"
        hint="Needed when the data categories include health, biometric, genetic data, racial or ethnic origin, political opinions, religious beliefs, sexual orientation or criminal records."
        options={Object.fromEntries(ART9_CONDITIONS.map((c) => [c, processingEn.art9[c]]))}
        defaultValue={values.art9Condition ?? ''}
        error={errors.art9Condition}
      />
      <TextAreaField label="The legitimate interest (when that is the basis)" name="legitimateInterest" maxLength={2000} defaultValue={values.legitimateInterest} error={errors.legitimateInterest} />
      <TextAreaField label="How to withdraw consent (when consent is the basis)" name="consentWithdrawal" maxLength={1000} defaultValue={values.consentWithdrawal} error={errors.consentWithdrawal} />
      <RadioGroupField
        legend="How long the data is kept"
        name="retentionKind"
        defaultValue={values.retentionKind ?? 'period'}
        error={errors.retentionKind}
        options={[
          { value: 'period', label: 'For a period, from an event' },
          { value: 'rule', label: 'By a rule in words' },
          { value: 'forever', label: 'Forever (the DPO is told to fix this)' },
        ]}
      />
      <div className="field-row">
        <Field label="Period" name="retentionPeriod" inputMode="numeric" maxLength={4} defaultValue={values.retentionPeriod} error={errors.retentionPeriod} />
        <SelectField label="Unit" name="retentionUnit" options={{ days: 'days', months: 'months', years: 'years' }} defaultValue={values.retentionUnit ?? ''} error={errors.retentionUnit} />
      </div>
      <Field label="From when the period runs" name="retentionTrigger" maxLength={300} hint="Such as “after the contract ends”." defaultValue={values.retentionTrigger} error={errors.retentionTrigger} />
      <TextAreaField label="Retention rule in words" name="retentionRule" maxLength={1000} defaultValue={values.retentionRule} error={errors.retentionRule} />
      <fieldset className="field">
        <legend>Where the data comes from</legend>
        <CheckboxField name="sourceFromSubject" value="on" label="From the data subject" defaultChecked={values.sourceFromSubject === 'on'} />
        <TextAreaField label="Other sources (Art. 14(2)(f))" name="sourceOther" maxLength={1000} defaultValue={values.sourceOther} error={errors.sourceOther} />
      </fieldset>
      <fieldset className="field">
        <legend>Recipients</legend>
        {recipients.length ? (
          <div className="checkbox-columns">
            {recipients.map((r) => (
              <CheckboxField
                key={r.ref}
                name={`${CHECKBOX_PREFIX.recipientRefs}${r.ref}`}
                value="on"
                defaultChecked={values[`${CHECKBOX_PREFIX.recipientRefs}${r.ref}`] === 'on'}
                label={`${r.name} (${r.kind.toLowerCase()})`}
              />
            ))}
          </div>
        ) : null}
        <TextAreaField
          label="Other recipients, one per line"
          name="otherRecipients"
          maxLength={5000}
          hint="A recipient that is not a system or a subprocessor is listed as a gap: add it as a system if it holds the data."
          defaultValue={values.otherRecipients}
          error={errors.otherRecipients}
        />
      </fieldset>
      <fieldset className="field">
        <legend>Transfers outside the EEA</legend>
        <p className="hint">One row per country, with its safeguard (Chapter V GDPR). Leave empty when there is none.</p>
        {Array.from({ length: TRANSFER_ROWS }, (_, i) => (
          <div className="field-row" key={i}>
            <Field label={`Country ${i + 1} (ISO code)`} name={`transfer${i}Country`} maxLength={2} autoComplete="off" defaultValue={values[`transfer${i}Country`]} error={errors[`transfer${i}Country`]} />
            <SelectField
              label={`Safeguard ${i + 1}`}
              name={`transfer${i}Safeguard`}
              placeholder="None"
              options={Object.fromEntries(SAFEGUARDS.map((s) => [s, processingEn.safeguards[s]]))}
              defaultValue={values[`transfer${i}Safeguard`] ?? ''}
              error={errors[`transfer${i}Safeguard`]}
            />
          </div>
        ))}
      </fieldset>
      <RadioGroupField
        legend="Automated decisions with legal or similarly significant effect (Art. 22)"
        name="automatedMade"
        defaultValue={values.automatedMade ?? 'no'}
        options={[
          { value: 'no', label: 'None' },
          { value: 'yes', label: 'Yes' },
        ]}
      />
      <TextAreaField label="The logic involved (when there are such decisions)" name="automatedLogic" maxLength={2000} defaultValue={values.automatedLogic} error={errors.automatedLogic} />
      <details className="translations" open={translationError}>
        <summary>Translations (German and French)</summary>
        <p className="hint">The access summary and the public notice use these for people who read German or French. A text left empty is shown as written above, and the page says so.</p>
        {(['de', 'fr'] as const).map((lang) => (
          <fieldset className="field" key={lang} lang={lang}>
            <legend>{lang === 'de' ? 'Deutsch' : 'Français'}</legend>
            {TRANSLATABLE.map((f) => (
              <TextAreaField key={f} label={`${TRANSLATABLE_LABELS[f]} (${lang === 'de' ? 'German' : 'French'})`} name={`t_${lang}_${f}`} maxLength={2000} defaultValue={values[`t_${lang}_${f}`]} error={errors[`t_${lang}_${f}`]} />
            ))}
          </fieldset>
        ))}
      </details>
    </>
  );
}
