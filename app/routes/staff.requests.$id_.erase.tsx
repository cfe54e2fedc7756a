import { systemsForRequest } from '~/models/systems/answers.server';
import { OUTCOME_LABELS } from '~/models/systems/labels';
import { OPEN_TASK_STATES, TASK_STATE_LABELS } from '~/models/systems/labels';
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { FormError, TextAreaField } from '~/components/field';
import { ERASABLE_STATES, eraseSubject, erasurePreview } from '~/models/requests/erasure.server';
import { STATE_LABELS, type RequestState } from '~/models/requests/lifecycle';
import { requestPolicy } from '~/models/requests/policy';
import { RequestConflictError, StaleFormError } from '~/models/requests/staff.server';
import { requestTypeLabel } from '~/models/requests/request-types';
import { requireStaff } from '~/utils/auth.server';
import { badRequest, parseForm, type FormState } from '~/utils/form.server';
import { hasControlCharacters, STAFF_CONTROL_ERROR } from '~/utils/text';
import { invariantResponse } from '~/utils/invariant';

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `Erase for ${data?.reference ?? 'request'} — Staff console — Privacy Portal` },
];

/** Art. 17: what erasing this subject does, and the one button that does it. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requireStaff(request, context);
  const found = await erasurePreview(context.db, params.id ?? '');
  invariantResponse(found, 'Not found', { status: 404 });
  return json({
    id: String(found.request.id),
    reference: found.request.reference,
    state: found.request.state,
    erasable: ERASABLE_STATES.includes(found.request.state),
    version: found.version,
    plan: found.plan,
    systems: (await systemsForRequest(context.db, String(found.request.id), 'erasure'))
      .filter((s) => s.taskId || (s.takes && s.enabled))
      .map((s) => ({ id: s.id, name: s.name, state: s.state, outcome: s.outcome, answeredAt: s.answeredAt, answeredHow: s.answeredHow })),
  });
}

const eraseSchema = z.object({
  version: z.string().min(1, 'Reload the page and try again'),
  answer: z
    .string()
    .trim()
    .min(1, 'Write the answer the subject will read')
    .max(5000, 'At most 5,000 characters')
    .refine((v) => !hasControlCharacters(v), STAFF_CONTROL_ERROR),
  systemsOverride: z
    .string()
    .trim()
    .max(1000, 'At most 1,000 characters')
    .refine((v) => !hasControlCharacters(v), STAFF_CONTROL_ERROR)
    .optional(),
});

export async function action({ request, params, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, context);
  const id = params.id ?? '';
  invariantResponse(/^\d{1,18}$/.test(id), 'Not found', { status: 404 });
  const form = await parseForm(request, eraseSchema, { keep: ['answer', 'systemsOverride'] });
  if (!form.ok) return form.reply;
  try {
    await eraseSubject(
      context.db,
      { requestId: id, version: form.data.version, answer: form.data.answer, systemsOverride: form.data.systemsOverride || null },
      { id: staff.id, ip: context.clientIp },
      { rules: requestPolicy(context.config), organisation: context.config.organisation },
    );
  } catch (error) {
    if (error instanceof StaleFormError || error instanceof RequestConflictError) {
      return badRequest({ formError: error.message, values: form.fields }, { keep: ['answer', 'systemsOverride'], status: 409 });
    }
    throw error;
  }
  return redirect(`/staff/requests/${id}?done=erase`);
}

const ANSWERED_HOW: Record<string, string> = { signature: 'signed callback', opendsr_receipt: 'OpenDSR receipt', attestation: 'attested by the owner', by_hand: 'recorded by staff' };

export default function EraseSubject() {
  const { id, reference, state, erasable, version, plan, systems } = useLoaderData<typeof loader>();
  const openSystems = systems.filter((s) => s.state !== null && OPEN_TASK_STATES.includes(s.state));
  const result = useActionData<FormState>();
  const n = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;
  return (
    <>
      <p>
        <Link to={`/staff/requests/${id}`}>← {reference}</Link>
      </p>
      <h1>
        Erase for {reference}: {requestTypeLabel('erasure')}
      </h1>
      <FormError message={result?.formError} />
      <p>
        The person: <strong>{plan.email}</strong>. Their email address is replaced everywhere by its SHA-256 <code>{plan.emailHash}</code>.
      </p>

      <h2>Erased</h2>
      <ul>
        <li>
          {plan.account
            ? plan.account.erasable
              ? `Their account ${plan.account.email} and its ${n(plan.account.sessions, 'session', 'sessions')}: they can no longer sign in.`
              : `Not erased: ${plan.account.email} is a ${plan.account.role} account, which is never erased through a subject's request.`
            : 'No account uses this address.'}
        </li>
        <li>
          The personal content of {n(plan.requests.length, 'request', 'requests')} ({plan.requests.map((r) => r.reference).join(', ')}): names, addresses, identifiers,
          what was written, the timeline&apos;s text and links.
        </li>
        <li>
          {n(plan.attachments, 'file', 'files')} the subject sent, {n(plan.packageFiles, 'uploaded package file', 'uploaded package files')} and{' '}
          {n(plan.packages, 'access package', 'access packages')}.
        </li>
        <li>{n(plan.subscriptions, 'subscription', 'subscriptions')} to subprocessor alerts.</li>
        <li>The address and reason of {n(plan.objections, 'objection', 'objections')} to subprocessor changes (the change and the customer stay).</li>
        <li>{n(plan.flags, 'standing decision', 'standing decisions')} (restriction, upheld objection) kept under the address.</li>
        <li>{n(plan.sentMail, 'sent or failed email', 'sent or failed emails')} still in the outbox.</li>
      </ul>

      <h2>Kept, and why</h2>
      <ul>
        <li>
          For each request, a proof record: reference, type, dates, outcome and the address&apos;s SHA-256, to show the request was answered (Art. 17(3)(b),
          legal obligation; Art. 17(3)(e), legal claims).
        </li>
        <li>The audit trail of staff actions and sign-ins (security and accountability, Art. 5(2) and 32): it holds no email address.</li>
        {plan.openElsewhere.length > 0 ? (
          <li>
            Requests still being answered, until they close (then erase again or let retention reduce them):{' '}
            {plan.openElsewhere.map((r, i) => (
              <span key={r.id}>
                {i > 0 ? ', ' : ''}
                <Link to={`/staff/requests/${r.id}`}>{r.reference}</Link> ({STATE_LABELS[r.state as RequestState].toLowerCase()})
              </span>
            ))}
            .
          </li>
        ) : null}
      </ul>

      <h2>Told (Art. 19)</h2>
      {plan.recipients.length + plan.byHand.length > 0 ? (
        <ul>
          {plan.recipients.map((r) => (
            <li key={r.id}>
              {r.name}: an erasure notice to {r.contactEmail}, recorded.
            </li>
          ))}
          {plan.byHand.map((r) => (
            <li key={r.id}>
              {r.name}: <strong>no contact: notify by hand</strong>, then record it on the request (
              <Link to={`/staff/subprocessors/${r.id}/art19`}>set a privacy contact</Link> for next time).
            </li>
          ))}
        </ul>
      ) : (
        <p>No subprocessor is marked as receiving personal data.</p>
      )}

      <h2>Connected systems (Art. 17 and 19)</h2>
      {systems.length > 0 ? (
        <>
          <ul>
            {systems.map((s) => (
              <li key={s.id}>
                {s.name}:{' '}
                {s.state === null
                  ? 'will be asked when the request is started'
                  : s.state === 'answered'
                    ? `answered “${OUTCOME_LABELS[s.outcome!]}”${s.answeredHow ? ` (${ANSWERED_HOW[s.answeredHow]})` : ''}: kept as evidence`
                    : TASK_STATE_LABELS[s.state].toLowerCase()}
              </li>
            ))}
          </ul>
          {systems.some((s) => s.state === null) ? (
            <p>Start the request first so that these systems are asked, and erase here once they have answered: the portal’s own data goes last.</p>
          ) : null}
        </>
      ) : (
        <p>No connected system takes erasure requests.</p>
      )}

      {plan.authorityProblem ? (
        <div className="notice warning" role="note">
          <h2>Not yet: the subject has not confirmed</h2>
          <p>{plan.authorityProblem}</p>
          <p>
            <Link to={`/staff/requests/${id}/authority`}>The representative&apos;s authority</Link>
          </p>
        </div>
      ) : erasable ? (
        <Form method="post" noValidate>
          <h2>Confirm</h2>
          {state === 'open' ? <p>Nobody has started this request yet: erasing starts and completes it at once, and the timeline records both.</p> : null}
          <input type="hidden" name="version" value={version} />
          <TextAreaField
            label="Answer to the subject (emailed to the address above before it is erased, with the list of what was erased and kept)"
            name="answer"
            rows={5}
            required
            defaultValue={result?.values?.answer}
            error={result?.fieldErrors?.answer}
          />
          {openSystems.length > 0 ? (
            <TextAreaField
              label={`${openSystems.map((s) => s.name).join(', ')} ${openSystems.length === 1 ? 'has' : 'have'} not confirmed: to erase anyway, say why (override)`}
              name="systemsOverride"
              rows={2}
              defaultValue={result?.values?.systemsOverride}
              error={result?.fieldErrors?.systemsOverride}
            />
          ) : null}
          <button type="submit" className="danger">
            Erase and complete the request
          </button>
        </Form>
      ) : (
        <p>
          The request is {STATE_LABELS[state as RequestState].toLowerCase()}
          {state === 'awaiting_subject' ? ': resume it before erasing.' : '; nothing to erase here.'}
        </p>
      )}
    </>
  );
}
