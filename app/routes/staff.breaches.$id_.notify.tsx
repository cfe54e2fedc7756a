import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { RadioGroupField } from '~/components/choice-fields';
import { Field, FormError, Notice, TextAreaField } from '~/components/field';
import { BreachRuleError } from '~/models/breaches/errors';
import { fileWithAuthority, recordControllerTold, recordNotNotified } from '~/models/breaches/filings.server';
import { controllerToldSchema, filingSchema, notNotifiedSchema } from '~/models/breaches/forms.server';
import { getBreachForStaff } from '~/models/breaches/register.server';
import { PHASE_LABELS, RISK_LABELS } from '~/models/breaches/labels';
import { breachDeadline, duration, formatInstant, nextPhases, toLocalInput } from '~/models/breaches/rules';
import { describeState } from '~/models/breaches/view';
import { actorOf, requireBreachOfficer } from '~/routes/breach-guard.server';
import { badRequest, readForm, refuseForm, validateFields, type FormState } from '~/utils/form.server';
import { invariantResponse } from '~/utils/invariant';

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Notify: ${data?.reference ?? 'breach'} — Breach register — Privacy Portal` }];

const KEEP = ['intent', 'phase', 'filedAt', 'authorityReference', 'summary', 'lateReasons', 'reason', 'controllerName', 'notifiedAt'] as const;
const DONE: Record<string, string> = {
  file: 'The filing is recorded.',
  not_notified: 'The decision not to notify, and its reason, are recorded.',
  controller_told: 'When the controller was told is recorded.',
};

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireBreachOfficer(request, context);
  const now = new Date();
  const found = await getBreachForStaff(context.db, actorOf(user, context), params.id ?? '', { now });
  invariantResponse(found, 'Not found', { status: 404 });
  const { breach: b, filings, state } = found;
  const tz = context.config.timeZone;
  const deadline = breachDeadline(b.aware_at);
  const initial = filings.find((f) => f.phase === 'initial');
  return json({
    done: DONE[new URL(request.url).searchParams.get('done') ?? ''] ?? null,
    id: b.id,
    reference: b.reference,
    title: b.title,
    role: b.role,
    risk: b.risk,
    riskLabel: RISK_LABELS[b.risk],
    authority: context.config.organisation.authority,
    timeZone: tz,
    state: describeState(state, tz, now),
    deadline: formatInstant(deadline, tz),
    lateNow: !initial && now > deadline ? duration(now.getTime() - deadline.getTime()) : null,
    phases: b.role === 'controller' ? nextPhases(filings.map((f) => f.phase)) : [],
    canDecline: b.role === 'controller' && !initial && !(b.not_notified_at && b.risk === 'unlikely'),
    controllerTold: b.controller_notified_at ? formatInstant(b.controller_notified_at, tz) : null,
    controllerName: b.controller_name ?? '',
    now: toLocalInput(now, tz),
    filings: filings.map((f) => ({ id: f.id, phase: PHASE_LABELS[f.phase], filedAt: formatInstant(f.filed_at, tz), late: f.late })),
  });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requireBreachOfficer(request, context);
  const read = await readForm(request);
  if (!read.ok) return refuseForm(read);
  const { timeZone, organisation } = context.config;
  const breachId = params.id ?? '';
  const actor = actorOf(user, context);
  try {
    let done: unknown;
    switch (read.fields.intent) {
      case 'file': {
        const form = validateFields(filingSchema({ timeZone }), read.fields, { keep: KEEP });
        if (!form.ok) return form.reply;
        done = await fileWithAuthority(context.db, { breachId, ...form.data }, actor, { authorityName: organisation.authority.name, timeZone });
        break;
      }
      case 'not_notified': {
        const form = validateFields(notNotifiedSchema, read.fields, { keep: KEEP });
        if (!form.ok) return form.reply;
        done = await recordNotNotified(context.db, { breachId, reason: form.data.reason }, actor);
        break;
      }
      case 'controller_told': {
        const form = validateFields(controllerToldSchema({ timeZone }), read.fields, { keep: KEEP });
        if (!form.ok) return form.reply;
        done = await recordControllerTold(context.db, { breachId, ...form.data }, actor, { timeZone });
        break;
      }
      default:
        return badRequest({ formError: 'Choose what to record.' });
    }
    invariantResponse(done, 'Not found', { status: 404 });
    return redirect(`/staff/breaches/${breachId}/notify?done=${read.fields.intent}`);
  } catch (error) {
    if (!(error instanceof BreachRuleError)) throw error;
    return badRequest({ formError: error.formError, fieldErrors: error.fieldErrors, values: read.fields }, { keep: KEEP });
  }
}

export default function NotifyAuthority() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const v = result?.values ?? {};
  const e = result?.fieldErrors ?? {};
  const mine = (intent: string) => v.intent === intent;
  return (
    <>
      <p>
        <Link to={`/staff/breaches/${d.id}`}>← {d.reference}</Link>
      </p>
      <h1>{d.role === 'controller' ? `Notify ${d.authority.name}` : 'Tell the controller'}</h1>
      <p>
        {d.reference}: {d.title}
      </p>
      {d.done ? <Notice>{d.done}</Notice> : null}
      <div className="panel">
        <p>
          <span className={`badge badge-${d.state.tone}`}>{d.state.label}</span>
        </p>
        {d.state.detail ? <p>{d.state.detail}</p> : null}
        {d.role === 'controller' ? <p>Risk: {d.riskLabel}</p> : null}
      </div>
      {d.filings.length ? (
        <>
          <h2>Filed so far</h2>
          <ul>
            {d.filings.map((f) => (
              <li key={f.id}>
                {f.phase}: {f.filedAt}
                {f.late ? ' (late)' : ''}
              </li>
            ))}
          </ul>
        </>
      ) : null}

      {d.phases.length ? (
        <Form method="post" noValidate className="narrow-wide">
          <h2 id="file-heading">Record a filing</h2>
          <p>
            Record what was sent to {d.authority.name} (<a href={d.authority.url}>{d.authority.url}</a>) and when. Filings are kept as filed: a
            correction is a follow-up.
          </p>
          <input type="hidden" name="intent" value="file" />
          <FormError message={mine('file') ? result?.formError : undefined} />
          <RadioGroupField
            legend="Phase"
            name="phase"
            required
            defaultValue={mine('file') ? v.phase : d.phases[0]}
            error={mine('file') ? e.phase : undefined}
            options={d.phases.map((p) => ({ value: p, label: PHASE_LABELS[p] }))}
          />
          <Field label="Sent" name="filedAt" type="datetime-local" required defaultValue={mine('file') ? v.filedAt : d.now} error={mine('file') ? e.filedAt : undefined} hint={`Time in ${d.timeZone}.`} />
          <Field label="Authority's reference" name="authorityReference" autoComplete="off" defaultValue={mine('file') ? v.authorityReference : undefined} error={mine('file') ? e.authorityReference : undefined} hint="The case number the authority gave, if any." />
          <TextAreaField label="What was sent" name="summary" rows={5} required defaultValue={mine('file') ? v.summary : undefined} error={mine('file') ? e.summary : undefined} hint="The information given in this phase; the register's current content is kept with the filing." />
          <TextAreaField
            label="Reasons for the delay"
            name="lateReasons"
            rows={3}
            defaultValue={mine('file') ? v.lateReasons : undefined}
            error={mine('file') ? e.lateReasons : undefined}
            hint={
              d.lateNow
                ? `The deadline (${d.deadline}) passed ${d.lateNow} ago: an initial notification now is late and Art. 33(1) asks for the reasons.`
                : `Needed if the initial notification is sent after the deadline, ${d.deadline}.`
            }
          />
          <button type="submit">Record the filing</button>
        </Form>
      ) : d.role === 'controller' ? (
        <p>The final report was filed: the record of filings is complete.</p>
      ) : null}

      {d.canDecline ? (
        <Form method="post" noValidate className="narrow-wide">
          <h2>Not notifying the authority</h2>
          <p>
            Only a breach unlikely to result in a risk to people may go unreported, and the register keeps why. The risk is now: {d.riskLabel}.
          </p>
          <input type="hidden" name="intent" value="not_notified" />
          <FormError message={mine('not_notified') ? result?.formError : undefined} />
          <TextAreaField label="Why the authority is not notified" name="reason" rows={4} required defaultValue={mine('not_notified') ? v.reason : undefined} error={mine('not_notified') ? e.reason : undefined} />
          <button type="submit" className="secondary">
            Record the decision not to notify
          </button>
        </Form>
      ) : null}

      {d.role === 'processor' ? (
        d.controllerTold ? (
          <p>
            The controller ({d.controllerName}) was told on {d.controllerTold}.
          </p>
        ) : (
          <Form method="post" noValidate className="narrow-wide">
            <h2>When we told the controller</h2>
            <p>As processor we tell the controller without undue delay (Art. 33(2)); the controller notifies the authority.</p>
            <input type="hidden" name="intent" value="controller_told" />
            <FormError message={mine('controller_told') ? result?.formError : undefined} />
            <Field label="Controller" name="controllerName" autoComplete="organization" required defaultValue={mine('controller_told') ? v.controllerName : d.controllerName} error={mine('controller_told') ? e.controllerName : undefined} />
            <Field label="Told" name="notifiedAt" type="datetime-local" required defaultValue={mine('controller_told') ? v.notifiedAt : d.now} error={mine('controller_told') ? e.notifiedAt : undefined} hint={`Time in ${d.timeZone}.`} />
            <button type="submit">Record it</button>
          </Form>
        )
      ) : null}
    </>
  );
}
