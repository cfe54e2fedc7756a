import { Form, Link } from '@remix-run/react';
import type { ReactNode } from 'react';
import { SelectField, TextAreaField } from '~/components/field';
import { CheckboxField } from '~/components/choice-fields';
import type { RequestAction, RequestState } from '~/models/requests/lifecycle';
import { REFUSAL_GROUND_LABELS } from '~/models/requests/refusal-grounds';
import type { FormState } from '~/utils/form-state';

/**
 * The actions a request's state allows, with one primary action in view and the others behind
 * disclosures (<details>: no JavaScript needed). The primary action is what moves the request
 * on: start a received request, complete (or erase) one in progress. Refusing and erasing are
 * styled as destructive. A form that came back with an error is shown open.
 */
export type ActionsProps = {
  request: { id: string; type: string; state: RequestState };
  actions: RequestAction[];
  canExtend: boolean;
  version: string;
  outcomes: Array<[string, string]>;
  denialPreview: string;
  result: FormState | undefined;
  /** Connected systems that have not answered yet: completing needs an override with a reason. */
  openSystems?: string[];
};

function Disclosure({ summary, open, danger, children }: { summary: string; open: boolean; danger?: boolean; children: ReactNode }) {
  return (
    <details className={danger ? 'action-disclosure danger' : 'action-disclosure'} open={open || undefined}>
      <summary>{summary}</summary>
      <div className="action-body">{children}</div>
    </details>
  );
}

export function StaffRequestActions({ request: r, actions, canExtend, version, outcomes, denialPreview, result, openSystems = [] }: ActionsProps) {
  const failed = result?.values?.intent;
  const values = result?.values ?? {};
  const errors = result?.fieldErrors ?? {};
  const hidden = <input type="hidden" name="version" value={version} />;
  const erasure = r.type === 'erasure';
  const canErase = erasure && (r.state === 'open' || r.state === 'in_progress');
  const canComplete = actions.includes('complete') && outcomes.length > 0;

  const start = actions.includes('start') ? (
    <Form method="post">
      {hidden}
      <input type="hidden" name="intent" value="start" />
      <button type="submit">Start work</button>
    </Form>
  ) : null;
  const erase = canErase ? (
    <p>
      <Link className="button danger" to={`/staff/requests/${r.id}/erase`}>
        Review what will be erased, then erase
      </Link>
      {r.state === 'open' ? <span className="hint block">Erasing starts the request too: no separate start is needed.</span> : null}
    </p>
  ) : null;
  const complete = canComplete ? (
    <Form method="post" noValidate>
      {hidden}
      <input type="hidden" name="intent" value="complete" />
      <SelectField
        label="Outcome"
        name="outcome"
        options={Object.fromEntries(outcomes)}
        defaultValue={failed === 'complete' ? values.outcome : undefined}
        error={failed === 'complete' ? errors.outcome : undefined}
      />
      <TextAreaField
        label="Answer to the subject (emailed)"
        name="answer"
        rows={5}
        required
        defaultValue={failed === 'complete' ? values.answer : undefined}
        error={failed === 'complete' ? errors.answer : undefined}
      />
      {outcomes.some(([key]) => key === 'partial') ? (
        <TextAreaField
          label={`What was withheld and why (only for “partly”; the subject reads it with Art. ${r.type === 'portability' ? '20(4)' : '15(4)'})`}
          name="withheldReason"
          rows={3}
          hint="Name the data held back and whose rights and freedoms it protects, in the subject's language."
          defaultValue={failed === 'complete' ? values.withheldReason : undefined}
          error={failed === 'complete' ? errors.withheldReason : undefined}
        />
      ) : null}
      {openSystems.length > 0 ? (
        <TextAreaField
          label={`${openSystems.join(', ')} ${openSystems.length === 1 ? 'has' : 'have'} not answered: to complete anyway, say why (override)`}
          name="systemsOverride"
          rows={2}
          hint="The override and its reason go on the timeline, into the proof record and the audit trail."
          defaultValue={failed === 'complete' ? values.systemsOverride : undefined}
          error={failed === 'complete' ? errors.systemsOverride : undefined}
        />
      ) : null}
      <button type="submit">Complete and send</button>
    </Form>
  ) : null;

  // The one action in view: start a received request (or erase it at once), complete one in progress.
  const primary = r.state === 'open' ? (
    <>
      {start}
      {erase}
    </>
  ) : r.state === 'in_progress' ? (
    erasure ? (
      erase
    ) : complete ? (
      <>
        <h3>Complete</h3>
        {complete}
      </>
    ) : null
  ) : r.state === 'awaiting_subject' ? (
    <p>Waiting for the subject to answer; the clock is paused. Their reply resumes the request.</p>
  ) : null;

  return (
    <section aria-labelledby="actions-heading" className="staff-actions">
      <h2 id="actions-heading">Actions</h2>
      {actions.length === 0 && !canExtend && !canErase ? <p>None: the request is closed.</p> : null}
      {actions.includes('close_unverified') ? (
        <p>
          The address is not confirmed yet. To close the request early, select it in the <Link to="/staff/requests?state=unverified">queue of unconfirmed requests</Link>.
        </p>
      ) : null}
      {primary ? <div className="primary-action">{primary}</div> : null}
      {actions.includes('request_information') ? (
        <Disclosure summary="Ask the subject for information" open={failed === 'request_information'}>
          <Form method="post" noValidate>
            {hidden}
            <input type="hidden" name="intent" value="request_information" />
            <TextAreaField
              label="What you need (emailed to the subject; the clock pauses)"
              name="question"
              required
              defaultValue={failed === 'request_information' ? values.question : undefined}
              error={failed === 'request_information' ? errors.question : undefined}
            />
            <p className="hint" id="id-copy-why">
              Copies of identity documents are the exception: the GDPR asks for no more than is needed to know who asks (Art. 5(1)(c), 12(6)), a
              copy is itself personal data to guard, and signing in, a code or a manual check usually does. Ask for one only when this type of
              request needs it, and say why.
            </p>
            <CheckboxField
              name="idCopy"
              label="This asks for a copy of an identity document"
              defaultChecked={failed === 'request_information' && values.idCopy === 'yes'}
              error={failed === 'request_information' ? errors.idCopy : undefined}
            />
            <TextAreaField
              label="Why this request needs a copy (staff only; required when asking for one)"
              name="idCopyReason"
              defaultValue={failed === 'request_information' ? values.idCopyReason : undefined}
              error={failed === 'request_information' ? errors.idCopyReason : undefined}
            />
            <button type="submit" className="secondary">
              Send question
            </button>
          </Form>
        </Disclosure>
      ) : null}
      {actions.includes('resume') ? (
        <Disclosure summary="Resume without an answer" open={false}>
          <Form method="post">
            {hidden}
            <input type="hidden" name="intent" value="resume" />
            <p className="hint">The clock runs again from today and the subject is emailed the new due date.</p>
            <button type="submit" className="secondary">
              Resume without an answer
            </button>
          </Form>
        </Disclosure>
      ) : null}
      {canExtend ? (
        <Disclosure summary="Extend the deadline (Art. 12(3))" open={failed === 'extend'}>
          <Form method="post" noValidate>
            {hidden}
            <input type="hidden" name="intent" value="extend" />
            <SelectField label="By" name="months" options={{ '1': '1 month', '2': '2 months' }} defaultValue={failed === 'extend' ? values.months : '2'} />
            <TextAreaField
              label="Reason (the subject reads it)"
              name="extensionReason"
              required
              defaultValue={failed === 'extend' ? values.extensionReason : undefined}
              error={failed === 'extend' ? errors.extensionReason : undefined}
            />
            <button type="submit" className="secondary">
              Extend
            </button>
          </Form>
        </Disclosure>
      ) : null}
      {actions.includes('deny') ? (
        <Disclosure summary="Refuse the request" open={failed === 'deny'} danger>
          <Form method="post" noValidate>
            {hidden}
            <input type="hidden" name="intent" value="deny" />
            <SelectField
              label="Ground for refusing (counted in the reports)"
              name="refusalGround"
              options={REFUSAL_GROUND_LABELS}
              defaultValue={failed === 'deny' ? values.refusalGround : undefined}
              error={failed === 'deny' ? errors.refusalGround : undefined}
            />
            <TextAreaField
              label="Reason for refusing (emailed to the subject)"
              name="denialReason"
              required
              defaultValue={failed === 'deny' ? values.denialReason : undefined}
              error={failed === 'deny' ? errors.denialReason : undefined}
            />
            <p className="hint">The subject receives this text, with your reason in place of the brackets:</p>
            <blockquote className="prewrap">{denialPreview}</blockquote>
            <button type="submit" className="danger">
              Refuse and send
            </button>
          </Form>
        </Disclosure>
      ) : null}
    </section>
  );
}
