import { randomUUID } from 'node:crypto';
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/i18n-react';
import { CheckboxField, RadioGroupField } from '~/components/choice-fields';
import { ErrorSummary } from '~/components/error-summary';
import { useOrganisation } from '~/components/site-chrome';
import { Field, FormError, SelectField, TextAreaField } from '~/components/field';
import { countryOptionsText, validateIntake, type FieldErrors } from '~/models/requests/intake-rules.server';
import { submitIntake } from '~/models/requests/intake.server';
import { isUnverified } from '~/models/requests/lifecycle';
import { AGENT_RELATIONSHIPS, PREFERRED_FORMATS, REQUEST_TYPE_VALUES } from '~/models/requests/request-types';
import { getOptionalUser } from '~/utils/auth.server';
import { markFormFailed } from '~/utils/form-outcome.server';
import { translateError } from '~/utils/i18n';
import { readIntakeForm } from '~/utils/intake-form.server';
import { languageOf } from '~/utils/language.server';
import { pageMeta } from '~/utils/meta';

export const meta: MetaFunction = ({ matches }) =>
  pageMeta(matches, { title: 'form.title', errorTitle: 'form.errorTitle', description: 'form.metaDescription' });

type ActionData = { formError?: string; retryMinutes?: number; fieldErrors?: FieldErrors; values?: Record<string, string> };

const ECHO = [
  'type', 'email', 'name', 'accountIdentifier', 'details', 'requesterRole', 'confirm', 'submissionId',
  'scope', 'aliases', 'periodFrom', 'periodTo', 'preferredFormat', 'country', 'subjectName', 'subjectEmail', 'agentRelationship',
];
/** A field people never see; bots that fill every input fill it too. */
const HONEYPOT = 'website';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await getOptionalUser(request, context);
  // A fresh key per rendering of the form: a retried post of this form is recognised as the same submission.
  return json(
    { submissionId: randomUUID(), accountEmail: user?.email ?? null, countries: countryOptionsText(languageOf(request)) },
    { headers: { 'Cache-Control': 'no-store' } },
  );
}

export async function action({ request, context }: ActionFunctionArgs) {
  const lang = languageOf(request);
  const form = await readIntakeForm(request);
  if (!form.ok) {
    markFormFailed(context);
    const fieldErrors = form.fieldError ? { [form.fieldError.name]: form.fieldError.key } : undefined;
    return json<ActionData>({ formError: form.formError, fieldErrors, values: {} }, { status: form.status, headers: form.headers });
  }
  const values = Object.fromEntries(ECHO.map((k) => [k, (form.fields[k] ?? '').slice(0, 6000)]));
  if ((form.fields[HONEYPOT] ?? '') !== '') return redirect('/requests/sent');

  const parsed = validateIntake(form.fields);
  const errors: FieldErrors = parsed.success ? {} : { ...parsed.errors };
  const agent = form.fields.requesterRole === 'representative';
  if (agent && form.fields.__authorisationError) errors.authorisation = form.fields.__authorisationError;
  else if (agent && !form.authorisation) errors.authorisation = 'errors.authorisation';
  if (!parsed.success || Object.keys(errors).length > 0) {
    markFormFailed(context);
    return json<ActionData>({ fieldErrors: errors, values }, { status: 400 });
  }
  const user = await getOptionalUser(request, context);
  const outcome = await submitIntake(context, {
    input: parsed.data,
    lang,
    authorisation: agent ? form.authorisation : undefined,
    clientAddress: context.clientIp ?? 'unknown',
    user,
  });
  if (outcome.kind === 'rate_limited') {
    markFormFailed(context);
    return json<ActionData>(
      { formError: 'form.tooMany', retryMinutes: Math.ceil(outcome.retryAfterSeconds / 60), values },
      { status: 429, headers: { 'Retry-After': String(outcome.retryAfterSeconds) } },
    );
  }
  const { result } = outcome;
  // A signed-in subject sees their own request at once; everyone else is sent to their mailbox.
  if (user && result.outcome !== 'replayed' && result.request.user_id === user.id && !isUnverified(result.request.state)) {
    return redirect(`/account/requests/${result.request.id}${result.outcome === 'duplicate' ? '?duplicate=1' : ''}`);
  }
  return redirect('/requests/sent');
}

/** Where each field's error links to in the summary: a group links to its first option. */
const ANCHORS: Record<string, string> = {
  type: 'field-type-access',
  requesterRole: 'field-requesterRole-self',
  preferredFormat: 'field-preferredFormat-json',
};
const ORDER = [...ECHO.filter((k) => k !== 'submissionId'), 'authorisation', 'submissionId'];

const countryLists = new Map<string, Record<string, string>>();

/** The loader's `code<TAB>name` lines as the select's options, made once per list. */
function countryChoices(text: string): Record<string, string> {
  let choices = countryLists.get(text);
  if (!choices) {
    choices = Object.fromEntries(text.split('\n').map((line) => line.split('\t') as [string, string]));
    if (countryLists.size >= 8) countryLists.clear();
    countryLists.set(text, choices);
  }
  return choices;
}

export default function NewRequest() {
  const { submissionId, accountEmail, countries } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const { t } = useTranslation();
  const errors: Record<string, string | undefined> = Object.fromEntries(
    Object.entries(data?.fieldErrors ?? {}).map(([k, v]) => [k, translateError(t, v)]),
  );
  const values = data?.values ?? {};
  const formError = data?.formError === 'form.tooMany' ? t('form.tooMany', { count: data.retryMinutes ?? 1 }) : translateError(t, data?.formError);
  const summary = ORDER.filter((k) => errors[k]).map((k) => ({ href: `#${ANCHORS[k] ?? `field-${k}`}`, text: errors[k]! }));
  return (
    <section className="narrow-wide">
      <h1>{t('form.title')}</h1>
      <p className="lead">{t('form.lead')}</p>
      <FormError message={formError} />
      <ErrorSummary title={t('form.errorSummary')} items={summary} />
      {/* A plain document post: the answer (and its "Error:" title) renders the same with or without JavaScript. */}
      <Form method="post" encType="multipart/form-data" noValidate reloadDocument>
        <input type="hidden" name="submissionId" value={values.submissionId || submissionId} />
        <RadioGroupField
          legend={t('form.typeLegend')}
          name="type"
          options={REQUEST_TYPE_VALUES.map((value) => ({
            value,
            label: t(`requestTypes.${value}.label`),
            description: t(`requestTypes.${value}.description`),
          }))}
          defaultValue={values.type}
          error={errors.type}
        />
        <Field
          label={t('form.email')}
          name="email"
          type="email"
          autoComplete="email"
          defaultValue={values.email ?? accountEmail ?? ''}
          error={errors.email}
          hint={accountEmail ? t('form.emailHintAccount') : t('form.emailHint')}
        />
        <Field label={t('form.name')} name="name" autoComplete="name" defaultValue={values.name} error={errors.name} />
        <RadioGroupField
          legend={t('form.roleLegend')}
          name="requesterRole"
          options={[
            { value: 'self', label: t('form.roleSelf') },
            { value: 'representative', label: t('form.roleRepresentative') },
          ]}
          defaultValue={values.requesterRole}
          error={errors.requesterRole}
        />
        <fieldset className="field-group">
          <legend>{t('form.agentHeading')}</legend>
          <p className="hint">{t('form.agentLead')}</p>
          <Field label={t('form.subjectName')} name="subjectName" autoComplete="off" defaultValue={values.subjectName} error={errors.subjectName} />
          <Field label={t('form.subjectEmail')} name="subjectEmail" type="email" autoComplete="off" defaultValue={values.subjectEmail} error={errors.subjectEmail} />
          <SelectField
            label={t('form.relationship')}
            name="agentRelationship"
            placeholder={t('form.relationshipChoose')}
            options={Object.fromEntries(AGENT_RELATIONSHIPS.map((r) => [r, t(`relationships.${r}`)]))}
            defaultValue={values.agentRelationship}
            error={errors.agentRelationship}
          />
          <Field
            label={t('form.authorisation')}
            name="authorisation"
            type="file"
            accept="application/pdf,image/png,image/jpeg"
            hint={t('form.authorisationHint')}
            error={errors.authorisation}
          />
        </fieldset>
        <fieldset className="field-group">
          <legend>{t('form.scopeHeading')}</legend>
          <TextAreaField label={t('form.scope')} name="scope" rows={2} autoComplete="off" defaultValue={values.scope} error={errors.scope} hint={t('form.scopeHint')} />
          <fieldset className="field-group period">
            <legend>{t('form.periodLegend')}</legend>
            <p className="hint">{t('form.dateHint')}</p>
            <Field label={t('form.dateFrom')} name="periodFrom" type="date" autoComplete="off" defaultValue={values.periodFrom} error={errors.periodFrom} />
            <Field label={t('form.dateTo')} name="periodTo" type="date" autoComplete="off" defaultValue={values.periodTo} error={errors.periodTo} />
          </fieldset>
          <Field
            label={t('form.accountIdentifier')}
            name="accountIdentifier"
            autoComplete="off"
            defaultValue={values.accountIdentifier}
            error={errors.accountIdentifier}
            hint={t('form.accountIdentifierHint')}
          />
          <TextAreaField label={t('form.aliases')} name="aliases" rows={2} autoComplete="off" defaultValue={values.aliases} error={errors.aliases} hint={t('form.aliasesHint')} />
          <RadioGroupField
            legend={t('form.format')}
            name="preferredFormat"
            hint={t('form.formatHint')}
            options={PREFERRED_FORMATS.map((f) => ({ value: f, label: t(`formats.${f}`) }))}
            defaultValue={values.preferredFormat}
            error={errors.preferredFormat}
          />
          <SelectField
            label={t('form.country')}
            name="country"
            autoComplete="country"
            placeholder={t('form.countryChoose')}
            options={countryChoices(countries)}
            defaultValue={values.country}
            error={errors.country}
          />
        </fieldset>
        <TextAreaField
          label={t('form.details')}
          name="details"
          rows={6}
          autoComplete="off"
          defaultValue={values.details}
          error={errors.details}
          hint={t('form.detailsHint')}
        />
        <CheckboxField name="confirm" label={t('form.confirm')} defaultChecked={values.confirm === 'yes'} error={errors.confirm} />
        <section aria-labelledby="privacy-heading" className="panel">
          <h2 id="privacy-heading">{t('form.privacyHeading')}</h2>
          <PrivacyText />
        </section>
        <div className="hp">
          <label htmlFor="field-website">{t('form.honeypot')}</label>
          <input id="field-website" name={HONEYPOT} type="text" tabIndex={-1} autoComplete="off" defaultValue="" />
        </div>
        <button type="submit">{t('form.submit')}</button>
      </Form>
    </section>
  );
}

function PrivacyText() {
  const { t } = useTranslation();
  return <p>{t('form.privacyText', { org: useOrganisation()?.name ?? '' })}</p>;
}
