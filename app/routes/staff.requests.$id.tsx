import { systemsForRequest } from '~/models/systems/answers.server';
import { OUTCOME_LABELS } from '~/models/systems/labels';
import { OPEN_TASK_STATES, TASK_STATE_LABELS } from '~/models/systems/labels';
import { CHANNEL_LABELS } from '~/models/requests/channels';
import { isByPost, isLetterEvent } from '~/models/requests/letters.server';
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { ClosedBadge, closingDeadline, closingSentence, DueBadge } from '~/components/due-badge';
import { AgentAuthorityFacts } from '~/components/agent-authority';
import { authoritySummary } from '~/models/requests/authority';
import { FormError, SelectField, TextAreaField } from '~/components/field';
import { StaffRequestActions } from '~/components/staff-request-actions';
import { StaffRequestAsked } from '~/components/staff-request-asked';
import { daysLeft, formatDueDate } from '~/models/requests/deadlines';
import { requestTypeLabel } from '~/models/requests/request-types';
import { availableActions, isClockPaused, isClosed, STATE_LABELS } from '~/models/requests/lifecycle';
import { accountLine } from '~/models/requests/staff-view';
import { parseDate } from '~/utils/calendar';
import { regionNames } from '~/utils/intl';
import { OUTCOMES } from '~/models/requests/outcomes';
import { listPackageFiles, packageForStaff, takesPackage } from '~/models/requests/packages.server';
import { erasureProof } from '~/models/requests/erasure.server';
import { listNotices } from '~/models/requests/art19-notices.server';
import { Art19NoticeSummary } from '~/components/art19-summary';
import { requestPolicy } from '~/models/requests/policy';
import {
  actOnRequest,
  closingFor,
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
import { REFUSAL_GROUND_LABELS } from '~/models/requests/refusal-grounds';
import { levelStatus } from '~/models/requests/verification-levels.server';
import { LEVEL_LABELS } from '~/models/requests/verification-levels';
import { IDENTITY_CHECK_METHODS, listIdentityChecks } from '~/models/requests/identity.server';
import { AUTHORITY_DOCUMENT_KINDS } from '~/models/requests/authority';

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
  const rules = requestPolicy(context.config);
  const submitted = found.events.find((e) => e.kind === 'submitted');
  const authorisation = r.requester_role === 'representative' ? found.attachments.find((a) => submitted && a.event_id === submitted.id) : undefined;
  const verifiedBy = found.events.find((e) => e.kind === 'verify')?.actor ?? null;
  const [level, checks] = await Promise.all([levelStatus(context.db, r, rules), listIdentityChecks(context.db, String(r.id))]);
  const systems = (await systemsForRequest(context.db, String(r.id), r.type)).filter((s) => s.taskId);
  return json({
    me: staff.id,
    systems: systems.map((s) => ({ id: s.id, name: s.name, state: s.state!, lastError: s.lastError, dueAt: s.dueAt, outcome: s.outcome, attempts: s.attempts })),
    systemsOverride: r.systems_override_reason ? { reason: r.systems_override_reason, at: r.systems_override_at } : null,
    done: new URL(request.url).searchParams.get('done'),
    identity: {
      needed: LEVEL_LABELS[level.needed],
      reached: level.reached ? LEVEL_LABELS[level.reached] : null,
      below: level.step !== null,
      waitingOn: level.step,
      hasAccount: level.hasAccount,
      checks: checks.map((c) => ({
        id: String(c.id),
        purpose: c.purpose,
        method:
          c.purpose === 'authority'
            ? (AUTHORITY_DOCUMENT_KINDS as Record<string, string>)[c.method] ?? c.method
            : (IDENTITY_CHECK_METHODS as Record<string, string>)[c.method] ?? c.method,
        note: c.note,
        at: new Date(c.checked_at).toISOString(),
        by: c.checker_email,
        documentsDeleted: c.documents_deleted,
      })),
    },
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
      requesterRole: r.requester_role,
      subjectName: r.subject_name,
      subjectEmail: r.subject_email,
      authority: authoritySummary(r),
      language: LANGUAGE_NAMES[r.lang],
      createdAt: r.created_at.toISOString(),
      receivedAt: r.received_at?.toISOString() ?? null,
      dueDate: r.due_date,
      daysLeft: r.due_date && !isClockPaused(r.state) && !isClosed(r.state) ? daysLeft(r.due_date, now, tz) : null,
      closing: closingFor(r, rules),
      pausedDaysSoFar: runningPauseDays(r, now, tz),
      pausedDays: r.paused_days,
      extensionMonths: r.extension_months,
      extensionReason: r.extension_reason,
      outcome: r.outcome,
      withheldReason: r.withheld_reason,
      assignedTo: r.assigned_to,
      assigneeEmail: r.assignee_email,
      channel: CHANNEL_LABELS[r.channel],
      byPost: isByPost(r),
      postalAddress: r.postal_address,
      receiptReason: r.receipt_reason,
    },
    events: found.events.map((e) => ({
      id: String(e.id),
      at: new Date(e.at).toISOString(),
      actor: e.actor,
      actorEmail: e.actor_email,
      kind: e.kind,
      note: e.note,
      internal: !e.visible_to_subject,
      letter: isByPost(r) && isLetterEvent(e.kind),
    })),
    attachments: found.attachments.map((a) => ({ id: a.id, filename: a.filename, size: a.size })),
    related: found.related.map((x) => ({ id: String(x.id), reference: x.reference, type: x.type, state: x.state })),
    account: accountLine({ account: found.account, verifiedBy, personalDataDeleted: r.personal_data_deleted_at !== null, state: r.state }),
    asked: {
      requesterRole: r.requester_role,
      subjectName: r.subject_name,
      subjectEmail: r.subject_email,
      agentRelationship: r.agent_relationship,
      scope: r.scope,
      period: periodText(r.period_from, r.period_to),
      accountIdentifier: r.account_identifier,
      aliases: r.aliases,
      preferredFormat: r.preferred_format,
      country: r.country ? `${regionNames('en').of(r.country) ?? r.country} (${r.country})` : null,
      details: r.details,
      language: LANGUAGE_NAMES[r.lang],
      authorisation: authorisation ? { href: `/staff/requests/${r.id}/attachments/${authorisation.id}`, filename: authorisation.filename } : null,
    },
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

const KEEP = ['intent', 'question', 'idCopy', 'idCopyReason', 'extensionReason', 'denialReason', 'refusalGround', 'answer', 'note', 'months', 'outcome', 'withheldReason', 'systemsOverride'];

const day = (date: string) => parseDate(date).setLocale('en-GB').toFormat('d LLLL yyyy');

/** The period the subject narrowed the request to, if any. */
function periodText(from: string | null, to: string | null): string | null {
  if (from && to) return `${day(from)} to ${day(to)}`;
  if (from) return `From ${day(from)}`;
  if (to) return `Up to ${day(to)}`;
  return null;
}

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
  logged: 'Request logged; the deadline runs from the receipt you gave.',
  duplicate: 'This request was already open for the same address and right: the new one was linked to it, and no new deadline started.',
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
  const outcomes = Object.entries(OUTCOMES)
    .filter(([key, o]) => o.types.includes(r.type) && !(r.type === 'erasure' && key === 'fulfilled'))
    .map(([key, o]): [string, string] => [key, o.label]);
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
        {r.closing ? (
          <>
            <dt>Closed</dt>
            <dd>
              {closingSentence(r.closing)} ({timeZone}) <ClosedBadge closing={r.closing} />
              {closingDeadline(r.closing) ? <span className="hint block">{closingDeadline(r.closing)}</span> : null}
            </dd>
          </>
        ) : (
          <>
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
          </>
        )}
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
              {r.byPost ? `${r.name}, by post only` : <>{r.name} &lt;{r.email}&gt;</>}
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
        {r.outcome === 'partial' ? (
          <>
            <dt>Withheld ({r.type === 'portability' ? 'Art. 20(4)' : 'Art. 15(4)'})</dt>
            <dd className="prewrap">{r.withheldReason}</dd>
          </>
        ) : null}
        <dt>Identity level</dt>
        <dd>
          Needs: {data.identity.needed}
          {data.identity.hasAccount ? ' (the address has an account)' : ''}. Reached: {data.identity.reached ?? 'none yet'}.
          {data.identity.below ? (
            <span className="block notice warning" role="note">
              Below its level: the request cannot be started.{' '}
              {data.identity.waitingOn === 'staff'
                ? 'The subject was told the privacy team will contact them.'
                : data.identity.waitingOn === 'code'
                  ? 'The subject was told to enter a code mailed to the address.'
                  : 'The subject was told to sign in and confirm.'}{' '}
              Or <Link to={`/staff/requests/${r.id}/identity`}>record a manual identity check</Link>.
            </span>
          ) : isClosed(r.state) ? null : (
            <>
              {' '}
              <Link to={`/staff/requests/${r.id}/identity`}>Record a manual identity check</Link>
            </>
          )}
          {data.identity.checks.length > 0 ? (
            <ul>
              {data.identity.checks.map((c) => (
                <li key={c.id}>
                  {c.purpose === 'authority' ? 'Authority checked' : 'Identity checked'}: {c.method}
                  {c.note ? `: ${c.note}` : ''}, {when(c.at)} ({timeZone}) by {c.by ?? 'a former staff member'}
                  {c.documentsDeleted ? `; ${c.documentsDeleted} document(s) shown were deleted` : ''}
                </li>
              ))}
            </ul>
          ) : null}
        </dd>
        <dt>Account</dt>
        <dd>{data.account}</dd>
        <dt>Filed</dt>
        <dd>{when(r.createdAt)} ({timeZone})</dd>
        <dt>Received (clock started)</dt>
        <dd>{r.receivedAt ? `${when(r.receivedAt)} (${timeZone})` : '—'}</dd>
        <dt>Channel</dt>
        <dd>{r.channel}</dd>
        {r.receiptReason ? (
          <>
            <dt>Why the receipt is dated so</dt>
            <dd className="prewrap">{r.receiptReason}</dd>
          </>
        ) : null}
        {r.byPost ? (
          <>
            <dt>Postal address</dt>
            <dd className="prewrap">{r.postalAddress}</dd>
          </>
        ) : null}
        <dt>Assigned to</dt>
        <dd>{r.assigneeEmail ?? 'Nobody'}</dd>
      </dl>
      <StaffRequestAsked asked={data.asked} erased={data.proof !== null} />

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

      <StaffRequestActions
        request={{ id: r.id, type: r.type, state: r.state }}
        actions={data.actions}
        canExtend={data.canExtend}
        version={data.version}
        outcomes={outcomes}
        denialPreview={data.denialPreview}
        result={result}
        openSystems={data.systems.filter((s) => OPEN_TASK_STATES.includes(s.state)).map((s) => s.name)}
      />

      <section aria-labelledby="systems-heading">
        <h2 id="systems-heading">Systems</h2>
        {data.systems.length > 0 ? (
          <ul className="system-tasks">
            {data.systems.map((s) => (
              <li key={s.id} data-state={s.state}>
                <strong>{s.name}</strong>: {TASK_STATE_LABELS[s.state]}
                {s.outcome ? ` (${OUTCOME_LABELS[s.outcome]})` : ''}
                {s.lastError && (s.state === 'failed' || s.state === 'dead') ? ` — last error ${s.lastError}` : ''}
              </li>
            ))}
          </ul>
        ) : (
          <p>No connected system has a task for this request.</p>
        )}
        {data.systemsOverride ? <p className="notice warning">Completed without every system’s answer. Reason: {data.systemsOverride.reason}</p> : null}
        <p>
          <Link to={`/staff/requests/${r.id}/systems`}>Each system’s task and answer</Link>: retry, skip with a reason, or record an answer by hand. The access summary
          lists the processing of each system that holds data.
        </p>
      </section>

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
            {e.letter ? (
              <p>
                <Link to={`/staff/requests/${r.id}/letter?event=${e.id}`}>Print the letter for this step</Link> (the subject has no email)
              </p>
            ) : null}
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
