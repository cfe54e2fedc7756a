import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { CheckboxField, RadioGroupField } from '~/components/choice-fields';
import { Field, FormError, Notice, SelectField, TextAreaField } from '~/components/field';
import { BreachSubjects } from '~/components/breach-subjects';
import { BreachRuleError } from '~/models/breaches/errors';
import { addSubjectsSchema, draftSchema, excludeSchema, exemptionSchema, sendSchema } from '~/models/breaches/forms.server';
import { addSubjects, art34ForStaff, excludeSubject, recordExemption, renderBreachNotice, saveDraft, sendNotices } from '~/models/breaches/notices.server';
import { EXEMPTION_LABELS, NOTICE_LANGUAGES, RISK_LABELS } from '~/models/breaches/labels';
import { formatInstant } from '~/models/breaches/rules';
import { actorOf, requireBreachOfficer } from '~/routes/breach-guard.server';
import { badRequest, readForm, refuseForm, validateFields, type FormState } from '~/utils/form.server';
import { isLanguage, LANGUAGE_NAMES, type Language } from '~/utils/i18n';
import { invariantResponse } from '~/utils/invariant';

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `People affected: ${data?.reference ?? 'breach'} — Breach register — Privacy Portal` }];

const KEEP = ['intent', 'source', 'addresses', 'defaultLang', 'from', 'to', 'lang', 'nature', 'consequences', 'measures', 'exemption', 'ground'] as const;

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireBreachOfficer(request, context);
  const found = await art34ForStaff(context.db, actorOf(user, context), params.id ?? '');
  invariantResponse(found, 'Not found', { status: 404 });
  const { entry, notices } = found;
  const b = entry.breach;
  const tz = context.config.timeZone;
  const url = new URL(request.url);
  const needed = notices.languages.map((l) => ({ lang: l.lang, people: l.n }));
  const asked = url.searchParams.get('lang');
  const lang: Language = isLanguage(asked) ? asked : (needed[0]?.lang ?? 'en');
  const draft = notices.drafts.find((d) => d.lang === lang);
  return json({
    id: b.id,
    reference: b.reference,
    title: b.title,
    applies: b.role === 'controller' && b.risk === 'high',
    riskLabel: RISK_LABELS[b.risk],
    exemption: b.art34_exemption ? { label: EXEMPTION_LABELS[b.art34_exemption], ground: b.art34_exemption_ground } : null,
    counts: entry.subjects,
    notice: doneNotice(url.searchParams.get('done'), url.searchParams),
    lang,
    needed,
    drafts: notices.drafts.map((d) => ({ lang: d.lang, sent: d.locked_at !== null })),
    draft: draft ? { nature: draft.nature, consequences: draft.consequences, measures: draft.measures, sent: draft.locked_at ? formatInstant(draft.locked_at, tz) : null } : null,
    // Nothing written yet: start from the register's words (to be made plain), English only.
    start: lang === 'en' && !draft ? { nature: b.nature, consequences: b.consequences, measures: b.measures } : null,
    preview: draft ? renderBreachNotice(lang, b, draft, context.config.organisation) : null,
    subjects: notices.subjects.map((s) => ({
      id: s.id,
      email: s.email,
      language: LANGUAGE_NAMES[s.lang],
      source: s.source,
      status: s.status,
      when: s.sent_at ? formatInstant(s.sent_at, tz) : s.queued_at ? formatInstant(s.queued_at, tz) : null,
      attempts: s.attempts,
      error: s.last_error,
    })),
  });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requireBreachOfficer(request, context);
  const read = await readForm(request);
  if (!read.ok) return refuseForm(read);
  const breachId = params.id ?? '';
  const actor = actorOf(user, context);
  const { timeZone, organisation } = context.config;
  const intent = read.fields.intent;
  let query = `done=${intent}`;
  try {
    let done: unknown;
    if (intent === 'add') {
      const form = validateFields(addSubjectsSchema, read.fields, { keep: KEEP });
      if (!form.ok) return form.reply;
      const added = await addSubjects(context.db, { breachId, ...form.data }, actor, { timeZone });
      if (added) query += `&added=${added.added}&listed=${added.alreadyListed}`;
      done = added;
    } else if (intent === 'draft') {
      const form = validateFields(draftSchema, read.fields, { keep: KEEP });
      if (!form.ok) return form.reply;
      done = await saveDraft(context.db, { breachId, ...form.data }, actor);
      query += `&lang=${form.data.lang}`;
    } else if (intent === 'send') {
      const form = validateFields(sendSchema, read.fields, { keep: KEEP });
      if (!form.ok) return form.reply;
      const sent = await sendNotices(context.db, { breachId }, actor, { organisation });
      if (sent) query += `&queued=${sent.queued}&remaining=${sent.remaining}`;
      done = sent;
    } else if (intent === 'exempt') {
      const form = validateFields(exemptionSchema, read.fields, { keep: KEEP });
      if (!form.ok) return form.reply;
      done = await recordExemption(context.db, { breachId, ...form.data }, actor);
    } else if (intent === 'exclude') {
      const form = validateFields(excludeSchema, read.fields);
      if (!form.ok) return form.reply;
      done = await excludeSubject(context.db, { breachId, subjectId: form.data.subjectId }, actor);
    } else {
      return badRequest({ formError: 'Choose what to do.' });
    }
    invariantResponse(done, 'Not found', { status: 404 });
    return redirect(`/staff/breaches/${breachId}/subjects?${query}`);
  } catch (error) {
    if (!(error instanceof BreachRuleError)) throw error;
    return badRequest({ formError: error.formError, fieldErrors: error.fieldErrors, values: read.fields }, { keep: KEEP });
  }
}

function doneNotice(done: string | null, params: URLSearchParams): string | null {
  switch (done) {
    case 'add':
      return `${params.get('added') ?? 0} added to the list; ${params.get('listed') ?? 0} were on it already.`;
    case 'draft':
      return 'The text is saved.';
    case 'send':
      return `${params.get('queued') ?? 0} emails are on their way${Number(params.get('remaining')) > 0 ? `; ${params.get('remaining')} more wait: send again` : ''}. Delivery shows below as it happens.`;
    case 'exempt':
      return 'The exemption and its ground are recorded.';
    case 'exclude':
      return 'The person was taken off the list (kept on record as excluded).';
    default:
      return null;
  }
}

export default function Art34Page() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const v = result?.values ?? {};
  const e = result?.fieldErrors ?? {};
  const mine = (intent: string) => v.intent === intent;
  const err = (intent: string, name: string) => (mine(intent) ? e[name] : undefined);
  const toTell = d.counts.selected;
  const told = d.counts.queued + d.counts.sent + d.counts.failed;
  const draftValues = mine('draft') ? v : (d.draft ?? d.start ?? {});
  return (
    <>
      <p>
        <Link to={`/staff/breaches/${d.id}`}>← {d.reference}</Link>
      </p>
      <h1>People affected (Art. 34)</h1>
      <p>
        {d.reference}: {d.title}
      </p>
      {d.notice ? <Notice>{d.notice}</Notice> : null}
      <FormError message={result?.formError} />
      {!d.applies ? (
        <p className="callout">
          Telling the people affected is required when a breach is likely to result in a high risk to them. Risk now: {d.riskLabel}.{' '}
          <Link to={`/staff/breaches/${d.id}/edit`}>Change the assessment</Link> if it is high.
        </p>
      ) : d.exemption ? (
        <div className="panel">
          <p>{d.exemption.label}</p>
          <p className="preserve">{d.exemption.ground}</p>
        </div>
      ) : (
        <>
          <ul className="console-summary" aria-label="People on the list">
            <li>To tell: <strong>{toTell}</strong></li>
            <li>Sending: <strong>{d.counts.queued}</strong></li>
            <li>Delivered: <strong>{d.counts.sent}</strong></li>
            <li>Failed: <strong>{d.counts.failed}</strong></li>
            <li>Taken off: <strong>{d.counts.excluded}</strong></li>
          </ul>

          <Form method="post" noValidate className="narrow-wide">
            <h2>1. Add the people affected</h2>
            <input type="hidden" name="intent" value="add" />
            <RadioGroupField
              legend="Who"
              name="source"
              required
              defaultValue={mine('add') ? v.source : 'entered'}
              error={err('add', 'source')}
              options={[
                { value: 'entered', label: 'These email addresses' },
                { value: 'account', label: 'Everyone with an account (created in the period, if given)' },
                { value: 'request', label: 'Everyone who made a request (in the period, if given)' },
              ]}
            />
            <TextAreaField label="Email addresses" name="addresses" rows={5} autoComplete="off" defaultValue={mine('add') ? v.addresses : undefined} error={err('add', 'addresses')} hint="One a line. Add the language after a comma if you know it: anna@example.de, de" />
            <Field label="From" name="from" type="date" defaultValue={mine('add') ? v.from : undefined} error={err('add', 'from')} hint="Optional, for accounts or requests." />
            <Field label="To" name="to" type="date" defaultValue={mine('add') ? v.to : undefined} error={err('add', 'to')} />
            <SelectField label="Language when we do not know it" name="defaultLang" required defaultValue={mine('add') ? v.defaultLang : 'en'} options={LANGUAGE_NAMES} error={err('add', 'defaultLang')} hint="Known languages come from the person's requests, alert subscriptions or objections." />
            <button type="submit" className="secondary">Add to the list</button>
          </Form>

          <h2>2. Write the text in plain language</h2>
          <p>
            Languages the people on the list read:{' '}
            {d.needed.length ? d.needed.map((n) => `${LANGUAGE_NAMES[n.lang]} (${n.people})`).join(', ') : 'nobody on the list yet'}.
          </p>
          <ul className="feeds" aria-label="Text in each language">
            {NOTICE_LANGUAGES.map((l) => (
              <li key={l}>
                <Link to={`?lang=${l}`} aria-current={l === d.lang ? 'page' : undefined}>
                  {LANGUAGE_NAMES[l]}
                  {d.drafts.find((x) => x.lang === l) ? (d.drafts.find((x) => x.lang === l)!.sent ? ' (sent)' : ' (written)') : ' (not written)'}
                </Link>
              </li>
            ))}
          </ul>
          {d.draft?.sent ? (
            <p>This text was sent on {d.draft.sent} and is kept as sent.</p>
          ) : (
            <Form method="post" noValidate className="narrow-wide" lang={d.lang}>
              <input type="hidden" name="intent" value="draft" />
              <input type="hidden" name="lang" value={d.lang} />
              <p className="hint">Short sentences, no legal or technical terms. The email adds the DPO contact, the reference and the organisation in {LANGUAGE_NAMES[d.lang]}.</p>
              <TextAreaField label={`What happened (${LANGUAGE_NAMES[d.lang]})`} name="nature" rows={4} required defaultValue={draftValues.nature} error={err('draft', 'nature')} />
              <TextAreaField label={`What it may mean for the person (${LANGUAGE_NAMES[d.lang]})`} name="consequences" rows={4} required defaultValue={draftValues.consequences} error={err('draft', 'consequences')} />
              <TextAreaField label={`What we did, and what they can do (${LANGUAGE_NAMES[d.lang]})`} name="measures" rows={4} required defaultValue={draftValues.measures} error={err('draft', 'measures')} />
              <button type="submit" className="secondary">Save the {LANGUAGE_NAMES[d.lang]} text</button>
            </Form>
          )}
          {d.preview ? (
            <details>
              <summary>The email in {LANGUAGE_NAMES[d.lang]}</summary>
              <p>Subject: {d.preview.subject}</p>
              <pre className="mail-body" lang={d.lang}>{d.preview.text}</pre>
            </details>
          ) : null}

          <Form method="post" noValidate className="narrow-wide">
            <h2>3. Send</h2>
            <input type="hidden" name="intent" value="send" />
            <p>{toTell === 1 ? '1 person is' : `${toTell} people are`} waiting to be told; each gets one email in their language. Texts that go out are kept as sent.</p>
            <CheckboxField label="I checked the people on the list and the text in each of their languages" name="confirm" error={err('send', 'confirm')} />
            <button type="submit">Send to the people on the list</button>
          </Form>

          {told === 0 ? (
            <Form method="post" noValidate className="narrow-wide">
              <h2>Or: record an Art. 34(3) exemption</h2>
              <input type="hidden" name="intent" value="exempt" />
              <RadioGroupField
                legend="Ground"
                name="exemption"
                required
                defaultValue={mine('exempt') ? v.exemption : undefined}
                error={err('exempt', 'exemption')}
                options={Object.entries(EXEMPTION_LABELS).map(([value, label]) => ({ value, label }))}
              />
              <TextAreaField label="Why the ground applies" name="ground" rows={4} required defaultValue={mine('exempt') ? v.ground : undefined} error={err('exempt', 'ground')} />
              <button type="submit" className="secondary">Record the exemption</button>
            </Form>
          ) : null}
        </>
      )}
      <BreachSubjects subjects={d.subjects} />
    </>
  );
}
