import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { DueBadge } from '~/components/due-badge';
import { AgentAuthorityFacts } from '~/components/agent-authority';
import { authoritySummary } from '~/models/requests/authority';
import { FormError, SelectField, TextAreaField } from '~/components/field';
import { daysLeft, formatDueDate } from '~/models/requests/deadlines';
import { requestTypeLabel } from '~/models/requests/request-types';
import { availableActions, isClockPaused, STATE_LABELS } from '~/models/requests/lifecycle';
import { OUTCOMES } from '~/models/requests/outcomes';
import { listPackageFiles, packageForStaff, takesPackage } from '~/models/requests/packages.server';
import { erasureProof } from '~/models/requests/erasure.server';
import { listNotices } from '~/models/requests/art19-notices.server';
import { Art19NoticeSummary } from '~/components/art19-summary';
import { requestPolicy } from '~/models/requests/policy';
import {
  actOnRequest,
  DeadlineError,
  denialNotice,
  getRequestForStaff,
  RequestConflictError,
  requestVersion,
  runningPauseDays,
  StaleFormError,
  staffActionSchema,
} from '~/models/requests/staff.server';
import { requireStaff } from '~/utils/auth.server';
import { dateTimeFormat } from '~/utils/intl';
import { badRequest, parseForm, type FormState } from '~/utils/form.server';
import { LANGUAGE_NAMES } from '~/utils/i18n';
import { invariantResponse } from '~/utils/invariant';

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.request.reference ?? 'Request'} — Staff console — Privacy Portal` },
];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, context);
  const found = await getRequestForStaff(context.db, { id: staff.id, ip: context.clientIp }, params.id ?? '');
  invariantResponse(found, 'Not found', { status: 404 });
  const { request: r } = found;
  const now = new Date();
  const packaged = takesPackage(r);
  const [accessPackage, packageFiles] = packaged
    ? await Promise.all([packageForStaff(context.db, String(r.id), now), listPackageFiles(context.db, String(r.id))])
    : [null, []];
  const tz = context.config.timeZone;
  return json({
    me: staff.id,
    done: new URL(request.url).searchParams.get('done'),
    timeZone: tz,
    version: requestVersion(r),
    actions: availableActions(r.state, 'staff'),
    canExtend: r.extension_months === 0 && (r.state === 'open' || r.state === 'in_progress' || r.state === 'awaiting_subject'),
    request: {
      id: String(r.id),
      reference: r.reference,
      type: r.type,
      state: r.state,
      name: r.name,
      email: r.email,
      accountIdentifier: r.account_identifier,
      details: r.details,
      requesterRole: r.requester_role,
      subjectName: r.subject_name,
      subjectEmail: r.subject_email,
      authority: authoritySummary(r),
      language: LANGUAGE_NAMES[r.lang],
      createdAt: r.created_at.toISOString(),
      receivedAt: r.received_at?.toISOString() ?? null,
      dueDate: r.due_date,
      daysLeft: r.due_date && !isClockPaused(r.state) ? daysLeft(r.due_date, now, tz) : null,
      pausedDaysSoFar: runningPauseDays(r, now, tz),
      pausedDays: r.paused_days,
      extensionMonths: r.extension_months,
      extensionReason: r.extension_reason,
      outcome: r.outcome,
      assignedTo: r.assigned_to,
      assigneeEmail: r.assignee_email,
    },
    events: found.events.map((e) => ({
      id: String(e.id),
      at: new Date(e.at).toISOString(),
      actor: e.actor,
      actorEmail: e.actor_email,
      kind: e.kind,
      note: e.note,
      internal: !e.visible_to_subject,
    })),
    attachments: found.attachments.map((a) => ({ id: a.id, filename: a.filename, size: a.size })),
    related: found.related.map((x) => ({ id: String(x.id), reference: x.reference, type: x.type, state: x.state })),
    account: found.account ?? null,
    flags: found.flags.map((f) => ({ kind: f.kind, since: f.created_at.toISOString(), requestId: String(f.request_id), reference: f.reference })),
    staff: found.staff,
    packaged,
    accessPackage,
    proof: r.personal_data_deleted_at ? await erasureProof(context.db, String(r.id)) : null,
    art19: r.type === 'erasure' ? await listNotices(context.db, String(r.id)) : [],
    packageFileCount: packageFiles.length,
    denialPreview: denialNotice('[your reason]', context.config.organisation),
  });
}

const KEEP = ['question', 'extensionReason', 'denialReason', 'answer', 'note', 'months', 'outcome'];

export async function action({ request, params, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, context);
  const id = params.id ?? '';
  invariantResponse(/^\d{1,18}$/.test(id), 'Not found', { status: 404 });
  const form = await parseForm(request, staffActionSchema, { keep: KEEP });
  if (!form.ok) return form.reply;
  try {
    await actOnRequest(
      context.db,
      { requestId: id, action: form.data },
      { id: staff.id, ip: context.clientIp },
      { rules: requestPolicy(context.config), organisation: context.config.organisation, exportKey: context.config.secrets.exportKey },
    );
  } catch (error) {
    if (error instanceof StaleFormError) return badRequest({ formError: error.message }, { status: 409 });
    if (error instanceof RequestConflictError || error instanceof DeadlineError) {
      return badRequest({ formError: error.message, values: form.fields }, { keep: KEEP, status: 409 });
    }
    throw error;
  }
  return redirect(`/staff/requests/${id}?done=${form.data.intent}`);
}

const INTENT_DONE: Record<string, string> = {
  start: 'Started.',
  request_information: 'Question sent; the clock is paused.',
  resume: 'Resumed; the subject was emailed the new due date.',
  extend: 'Deadline extended; the subject was told why.',
  deny: 'Refused; the subject was emailed the reason and their right to complain.',
  complete: 'Completed; the subject was emailed the answer.',
  erase: 'Erased and completed: the subject was told at their address first, and the Art. 19 notices are queued.',
  note: 'Note added.',
  assign: 'Assignment saved.',
};

export default function StaffRequest() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const { request: r, timeZone } = data;
  const done = data.done;
  const when = (iso: string) => `${dateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(iso))}`;
  // An erasure is completed by erasing, on its own page; here it can only be refused.
  const outcomes = Object.entries(OUTCOMES).filter(([key, o]) => o.types.includes(r.type) && !(r.type === 'erasure' && key === 'fulfilled'));
  const hidden = <input type="hidden" name="version" value={data.version} />;
  return (
    <>
      <p>
        <Link to="/staff/requests">← Requests</Link>
      </p>
      <h1>
        {r.reference}: {requestTypeLabel(r.type)}
      </h1>
      {done && INTENT_DONE[done] ? (
        <p role="status" className="notice">
          {INTENT_DONE[done]}
        </p>
      ) : null}
      <FormError message={result?.formError} />
      {data.flags.length > 0 ? (
        <div className="notice flag" role="note">
          <h2>Standing decisions for this address</h2>
          <ul>
            {data.flags.map((f) => (
              <li key={`${f.kind}-${f.requestId}`}>
                <strong>{f.kind === 'restriction' ? 'Processing restricted (Art. 18)' : 'Objection upheld (Art. 21)'}</strong> since{' '}
                {when(f.since)}, <Link to={`/staff/requests/${f.requestId}`}>{f.reference}</Link>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <dl className="request-facts">
        <dt>State</dt>
        <dd>
          {STATE_LABELS[r.state]}
          {r.outcome ? ` (${OUTCOMES[r.outcome]?.label ?? r.outcome})` : ''}
        </dd>
        <dt>Due</dt>
        <dd>
          {r.dueDate ? (
            <>
              End of {formatDueDate(r.dueDate)} ({timeZone}) <DueBadge daysLeft={r.daysLeft} paused={r.state === 'awaiting_subject'} />
              {r.pausedDaysSoFar > 0 ? ` The clock has been paused for ${r.pausedDaysSoFar} day(s); the due date moves by that much on resume.` : ''}
            </>
          ) : (
            'Not yet: the email address is not confirmed'
          )}
        </dd>
        {r.extensionMonths > 0 ? (
          <>
            <dt>Extension</dt>
            <dd>
              {r.extensionMonths} month(s): {r.extensionReason}
            </dd>
          </>
        ) : null}
        <dt>Subject</dt>
        <dd>
          {data.proof ? (
            <>
              Personal data erased {when(data.proof.erasedAt)} ({timeZone}). Proof record: SHA-256 of the address <code>{data.proof.emailHash}</code>
            </>
          ) : (
            <>
              {r.name} &lt;{r.email}&gt;
              {r.requesterRole === 'representative' ? ' (filed by a representative)' : ''}
            </>
          )}
        </dd>
        {data.proof ? null : (
          <AgentAuthorityFacts requestId={r.id} subjectName={r.subjectName} subjectEmail={r.subjectEmail} authority={r.authority} when={(iso) => `${when(iso)} (${timeZone})`} />
        )}
        {data.proof && data.proof.notices.length > 0 ? (
          <>
            <dt>Art. 19 notices</dt>
            <dd>
              <ul>
                {data.proof.notices.map((n) => (
                  <li key={n.subprocessor}>
                    {n.subprocessor}: {n.contact}, {when(n.at)} ({timeZone})
                  </li>
                ))}
              </ul>
            </dd>
          </>
        ) : null}
        <Art19NoticeSummary requestId={r.id} notices={data.art19} />
        <dt>Language</dt>
        <dd>{r.language}: every email to the subject is in it, so write questions and answers in it too</dd>
        <dt>Account</dt>
        <dd>{data.account ? `Signed-in account ${data.account.email}` : 'None: verified by email link'}</dd>
        {r.accountIdentifier ? (
          <>
            <dt>Identifier given</dt>
            <dd>{r.accountIdentifier}</dd>
          </>
        ) : null}
        <dt>Filed</dt>
        <dd>{when(r.createdAt)} ({timeZone})</dd>
        <dt>Received (clock started)</dt>
        <dd>{r.receivedAt ? `${when(r.receivedAt)} (${timeZone})` : '—'}</dd>
        <dt>Assigned to</dt>
        <dd>{r.assigneeEmail ?? 'Nobody'}</dd>
      </dl>
      {r.details ? (
        <>
          <h2>What the subject asked</h2>
          <p className="prewrap">{r.details}</p>
        </>
      ) : null}

      {data.packaged ? (
        <section aria-labelledby="package-heading">
          <h2 id="package-heading">Access package</h2>
          {data.accessPackage ? (
            <dl className="request-facts">
              <dt>Built</dt>
              <dd>
                {when(data.accessPackage.createdAt)} ({timeZone}), {Math.max(1, Math.round(data.accessPackage.size / 1024))} KB
              </dd>
              <dt>Available until</dt>
              <dd>
                {when(data.accessPackage.expiresAt)} ({timeZone})
              </dd>
              <dt>Downloads</dt>
              <dd>
                {`${data.accessPackage.downloads} of ${data.accessPackage.maxDownloads}`}
                {data.accessPackage.downloadLog.length > 0 ? (
                  <ul>
                    {data.accessPackage.downloadLog.map((d, i) => (
                      <li key={i}>
                        {when(d.at)} ({timeZone}), {d.via === 'account' ? 'signed in' : 'status link'}
                      </li>
                    ))}
                  </ul>
                ) : null}
              </dd>
              <dt>File</dt>
              <dd>
                {data.accessPackage.deletedAt
                  ? `Deleted ${when(data.accessPackage.deletedAt)} (${timeZone})`
                  : data.accessPackage.state === 'available'
                    ? 'Stored encrypted until it expires or is used up'
                    : 'Expired or used up; deleted by the next purge'}
              </dd>
            </dl>
          ) : r.state === 'completed' || r.state === 'denied' || r.state === 'withdrawn' || r.state === 'expired' ? (
            <p>No package: the request was closed without one.</p>
          ) : (
            <p>
              {data.packageFileCount} file(s) from other systems added so far.{' '}
              <Link to={`/staff/requests/${r.id}/package`}>Prepare the package</Link>. Completing as &ldquo;{OUTCOMES.fulfilled!.label}&rdquo; builds it
              and emails the subject a download link.
            </p>
          )}
        </section>
      ) : null}

      <h2>Actions</h2>
      {data.actions.length === 0 && !data.canExtend ? <p>None: the request is {STATE_LABELS[r.state].toLowerCase()}.</p> : null}
      {data.actions.includes('close_unverified') ? (
        <p>
          The address is not confirmed yet. To close the request early, select it in the <Link to="/staff/requests?state=unverified">queue of unconfirmed requests</Link>.
        </p>
      ) : null}
      <div className="staff-actions">
        {data.actions.includes('start') ? (
          <Form method="post">
            {hidden}
            <input type="hidden" name="intent" value="start" />
            <button type="submit">Start work</button>
          </Form>
        ) : null}
        {data.actions.includes('resume') ? (
          <Form method="post">
            {hidden}
            <input type="hidden" name="intent" value="resume" />
            <button type="submit">Resume without an answer</button>
          </Form>
        ) : null}
        {data.actions.includes('request_information') ? (
          <Form method="post" noValidate>
            <h3>Ask the subject for information</h3>
            {hidden}
            <input type="hidden" name="intent" value="request_information" />
            <TextAreaField label="What you need (emailed to the subject; the clock pauses)" name="question" required defaultValue={result?.values?.question} error={result?.fieldErrors?.question} />
            <button type="submit">Send question</button>
          </Form>
        ) : null}
        {data.canExtend ? (
          <Form method="post" noValidate>
            <h3>Extend the deadline (Art. 12(3))</h3>
            {hidden}
            <input type="hidden" name="intent" value="extend" />
            <SelectField label="By" name="months" options={{ '1': '1 month', '2': '2 months' }} defaultValue={result?.values?.months ?? '2'} />
            <TextAreaField label="Reason (the subject reads it)" name="extensionReason" required defaultValue={result?.values?.extensionReason} error={result?.fieldErrors?.extensionReason} />
            <button type="submit">Extend</button>
          </Form>
        ) : null}
        {data.actions.includes('complete') && r.type === 'erasure' ? (
          <div>
            <h3>Erase and complete</h3>
            <p>
              <Link to={`/staff/requests/${r.id}/erase`}>Review what will be erased and kept, then erase</Link>
            </p>
          </div>
        ) : null}
        {data.actions.includes('complete') && outcomes.length > 0 ? (
          <Form method="post" noValidate>
            <h3>Complete</h3>
            {hidden}
            <input type="hidden" name="intent" value="complete" />
            <SelectField
              label="Outcome"
              name="outcome"
              options={Object.fromEntries(outcomes.map(([k, o]) => [k, o.label]))}
              defaultValue={result?.values?.outcome}
              error={result?.fieldErrors?.outcome}
            />
            <TextAreaField label="Answer to the subject (emailed)" name="answer" rows={5} required defaultValue={result?.values?.answer} error={result?.fieldErrors?.answer} />
            <button type="submit">Complete and send</button>
          </Form>
        ) : null}
        {data.actions.includes('deny') ? (
          <Form method="post" noValidate>
            <h3>Refuse</h3>
            {hidden}
            <input type="hidden" name="intent" value="deny" />
            <TextAreaField label="Reason for refusing (emailed to the subject)" name="denialReason" required defaultValue={result?.values?.denialReason} error={result?.fieldErrors?.denialReason} />
            <p className="hint">The subject receives this text, with your reason in place of the brackets:</p>
            <blockquote className="prewrap">{data.denialPreview}</blockquote>
            <button type="submit">Refuse and send</button>
          </Form>
        ) : null}
      </div>

      <h2>Assignment</h2>
      <Form method="post" className="inline-form">
        <input type="hidden" name="intent" value="assign" />
        <SelectField
          label="Assigned to"
          name="assignee"
          placeholder="Nobody"
          options={Object.fromEntries(data.staff.map((s) => [s.id, s.id === data.me ? `${s.email} (me)` : s.email]))}
          defaultValue={r.assignedTo ?? ''}
        />
        <button type="submit">Save</button>
      </Form>

      <h2>Timeline</h2>
      <ol className="timeline">
        {data.events.map((e) => (
          <li key={e.id} className={e.internal ? 'internal' : undefined}>
            <p>
              <strong>{when(e.at)}</strong> · {e.actor}
              {e.actorEmail ? ` (${e.actorEmail})` : ''} · {e.kind.replace('_', ' ')}
              {e.internal ? <span className="badge badge-internal"> Internal: the subject does not see this</span> : null}
            </p>
            {e.note ? <p className="prewrap">{e.note}</p> : null}
          </li>
        ))}
      </ol>
      <Form method="post" noValidate>
        <input type="hidden" name="intent" value="note" />
        <TextAreaField label="Internal note (staff only)" name="note" required defaultValue={result?.values?.note} error={result?.fieldErrors?.note} />
        <button type="submit">Add note</button>
      </Form>

      {data.attachments.length > 0 ? (
        <>
          <h2>Files the subject sent</h2>
          <ul>
            {data.attachments.map((a) => (
              <li key={a.id}>
                <a href={`/staff/requests/${r.id}/attachments/${a.id}`}>{a.filename}</a> ({Math.max(1, Math.round(a.size / 1024))} KB)
              </li>
            ))}
          </ul>
        </>
      ) : null}

      {data.related.length > 0 ? (
        <>
          <h2>Other requests from this address</h2>
          <ul>
            {data.related.map((x) => (
              <li key={x.id}>
                <Link to={`/staff/requests/${x.id}`}>{x.reference}</Link>: {requestTypeLabel(x.type)}, {STATE_LABELS[x.state]}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}
