import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { ClosedBadge, closingSentence, DueBadge } from '~/components/due-badge';
import { Field, FormError, Notice, SelectField } from '~/components/field';
import { BULK_ACTION_LIMIT } from '~/models/policy';
import { BulkActionError, bulkFormSchema, runBulkAction, type BulkResult } from '~/models/requests/bulk.server';
import { assignableStaff, assignRequests, BulkAssignError, bulkAssignSchema, type BulkAssignResult } from '~/models/requests/bulk-assign.server';
import { MIN_SEARCH_WORD } from '~/models/requests/search';
import { requestPolicy } from '~/models/requests/policy';
import { formatDueDate } from '~/models/requests/deadlines';
import { requestTypeLabel, REQUEST_TYPES } from '~/models/requests/request-types';
import { REQUEST_STATES, STATE_LABELS, type RequestState } from '~/models/requests/lifecycle';
import { countByState, listQueue, queueFilterSchema } from '~/models/requests/staff.server';
import { requireStaff } from '~/utils/auth.server';
import { badRequest, readForm, refuseForm, validateFields } from '~/utils/form.server';
import { queueExportQuery } from '~/models/requests/queue-export.server';

export const meta: MetaFunction = () => [{ title: 'Requests — Staff console — Privacy Portal' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, context);
  const params = Object.fromEntries(new URL(request.url).searchParams);
  const filter = queueFilterSchema.parse(Object.fromEntries(Object.entries(params).filter(([, v]) => v !== '')));
  const [page, counts, staffList] = await Promise.all([
    listQueue(context.db, filter, { staffId: staff.id, timeZone: context.config.timeZone, holidays: context.config.holidays }),
    countByState(context.db),
    assignableStaff(context.db),
  ]);
  const nextParams = new URLSearchParams(Object.entries(params).filter(([k, v]) => k !== 'after' && v !== ''));
  if (page.next) nextParams.set('after', page.next);
  return json({
    filter,
    ...page,
    counts,
    staff: staffList,
    timeZone: context.config.timeZone,
    nextQuery: page.next ? `?${nextParams}` : null,
    exportQuery: queueExportQuery(filter),
  });
}

const KEEP = ['bulkAction', 'original', 'assignTo'];

/** One form, two intents: "assign" (bulk reassignment) or a closing action (bulkAction). */
export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, context);
  const read = await readForm(request);
  if (!read.ok) return refuseForm(read);
  const actor = { id: staff.id, ip: context.clientIp };
  if (read.fields.intent === 'assign') {
    const form = validateFields(bulkAssignSchema, read.fields, { keep: KEEP });
    if (!form.ok) return form.reply;
    try {
      const assigned = await assignRequests(context.db, form.data, actor, {
        publicUrl: context.config.publicUrl,
        timeZone: context.config.timeZone,
      });
      return json({ assigned });
    } catch (error) {
      if (error instanceof BulkAssignError) return badRequest({ fieldErrors: { [error.field]: error.message }, values: form.fields }, { keep: KEEP });
      throw error;
    }
  }
  const form = validateFields(bulkFormSchema, read.fields, { keep: KEEP });
  if (!form.ok) return form.reply;
  try {
    const bulk = await runBulkAction(
      context.db,
      form.data,
      actor,
      { rules: requestPolicy(context.config), organisation: context.config.organisation },
    );
    return json({ bulk });
  } catch (error) {
    if (error instanceof BulkActionError) {
      return badRequest({ fieldErrors: { [error.field ?? 'selected']: error.message }, values: form.fields }, { keep: KEEP });
    }
    throw error;
  }
}

/** "3 closed; DSR-… could not be closed: it is in progress." */
function bulkSummary(result: BulkResult): string {
  const n = result.closed.length;
  const what =
    result.action === 'close_duplicates'
      ? `${n} closed as duplicate${n === 1 ? '' : 's'} of ${result.original}${n ? ' (each subject was emailed the reason)' : ''}`
      : `${n} closed${n ? ' (no email: the addresses were never confirmed)' : ''}`;
  return [what, ...result.refused.map((r) => `${r.reference} could not be closed: ${r.reason}`)].join('; ') + '.';
}

/** "3 requests assigned to a@b (emailed the list); DSR-… already was." */
function assignSummary(result: BulkAssignResult): string {
  const n = result.assigned.length;
  const to = result.assignee ? `assigned to ${result.assignee}` : 'now assigned to nobody';
  const parts = [`${n} request${n === 1 ? '' : 's'} ${to}${result.mailed ? ' (they were emailed the list)' : ''}`];
  if (result.unchanged.length) parts.push(`${result.unchanged.join(', ')} already ${result.unchanged.length === 1 ? 'was' : 'were'}`);
  return `${parts.join('; ')}.`;
}

const BULK_OPTIONS = {
  close_unverified: 'Close: email address never confirmed (no email is sent)',
  close_duplicates: 'Close as duplicates of the original below (the subject is emailed)',
};

const STATE_OPTIONS: [string, string][] = [
  ['active', 'Open work (received, in progress, waiting)'],
  ['all', 'All verified requests'],
  ...REQUEST_STATES.map((s): [string, string] => [s, STATE_LABELS[s]]),
];

export default function StaffRequests() {
  const { filter, rows, counts, nextQuery, exportQuery, timeZone, staff, searchTooShort } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const bulk = result && 'bulk' in result ? result.bulk : undefined;
  const assigned = result && 'assigned' in result ? result.assigned : undefined;
  const errors = result && 'fieldErrors' in result ? result.fieldErrors : undefined;
  const values = result && 'values' in result ? result.values : undefined;
  const staffOptions = Object.fromEntries([['nobody', 'Nobody (unassign)'], ...staff.map((s): [string, string] => [s.id, s.email])]);
  return (
    <>
      <p>
        <Link to="/staff">← Staff console</Link>
      </p>
      <h1>Requests</h1>
      <p>
        <Link to="/staff/requests/new">Log a request received by email, letter, phone or in person</Link>
      </p>
      <ul className="state-counts" aria-label="Requests by state">
        {(['open', 'in_progress', 'awaiting_subject', 'unverified'] as RequestState[]).map((s) => (
          <li key={s}>
            <Link to={`?state=${s}`}>
              {STATE_LABELS[s]}: <strong>{counts[s] ?? 0}</strong>
            </Link>
          </li>
        ))}
      </ul>
      <Form method="get" className="queue-filters" aria-label="Filter requests">
        <div className="field queue-search">
          <label htmlFor="f-q">Search</label>
          <p className="hint" id="f-q-hint">
            Reference, name, part of an email address, account id, or another identifier the subject gave (at least{' '}
            {MIN_SEARCH_WORD} characters).
          </p>
          <input id="f-q" name="q" type="search" defaultValue={filter.q ?? ''} autoComplete="off" spellCheck={false} aria-describedby="f-q-hint" />
        </div>
        <div className="field">
          <label htmlFor="f-state">State</label>
          <select id="f-state" name="state" defaultValue={filter.state}>
            {STATE_OPTIONS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-type">Type</label>
          <select id="f-type" name="type" defaultValue={filter.type ?? ''}>
            <option value="">Any type</option>
            {REQUEST_TYPES.map((t) => (
              <option key={t.value} value={t.value}>
                {t.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-assignee">Assigned to</label>
          <select id="f-assignee" name="assignee" defaultValue={filter.assignee ?? ''}>
            <option value="">Anyone</option>
            <option value="me">Me</option>
            <option value="unassigned">Nobody</option>
            {staff.map((s) => (
              <option key={s.id} value={s.id}>
                {s.email}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-due">Due</label>
          <select id="f-due" name="due" defaultValue={filter.due ?? ''}>
            <option value="">Any time</option>
            <option value="overdue">Overdue</option>
            <option value="week">Within 7 days</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-systems">Connected systems</label>
          <select id="f-systems" name="systems" defaultValue={filter.systems ?? ''}>
            <option value="">Any</option>
            <option value="waiting">Waiting on systems</option>
            <option value="failed">A system failed</option>
            <option value="dead">Dead letter</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-within">Due within (days)</label>
          <input id="f-within" name="within" type="number" min={0} max={366} inputMode="numeric" defaultValue={filter.within ?? ''} />
        </div>
        <button type="submit">Show</button>
      </Form>
      <p>
        <a href={`/staff/requests/export.csv${exportQuery}`} download>
          Download these requests as CSV
        </a>{' '}
        <span className="hint">(every page of this view; the download is recorded in the audit trail)</span>
      </p>
      {bulk ? <Notice>{bulkSummary(bulk)}</Notice> : null}
      {assigned ? <Notice>{assignSummary(assigned)}</Notice> : null}
      {searchTooShort ? (
        <p role="status">{`Type at least ${MIN_SEARCH_WORD} characters of a name, address or identifier to search.`}</p>
      ) : rows.length === 0 ? (
        <p>No requests match.</p>
      ) : (
        <Form method="post" aria-label="Act on selected requests">
          <div className="bulk-panels">
            <fieldset className="bulk-actions">
              <legend>Close the selected requests</legend>
              <p className="hint">
                A request never confirmed is closed without an email: nobody proved the address is theirs. A duplicate is
                refused with the reason “duplicate of” the original, and its subject is emailed that reason and their right
                to complain. At most {BULK_ACTION_LIMIT} at a time; each one is audited.
              </p>
              <SelectField label="Action" name="bulkAction" options={BULK_OPTIONS} defaultValue={values?.bulkAction} error={errors?.bulkAction} />
              <Field
                label="Original request (for duplicates)"
                name="original"
                hint="Its reference, such as DSR-2026-000123. It must have been filed from the same email address."
                defaultValue={values?.original}
                error={errors?.original}
                autoComplete="off"
                spellCheck={false}
              />
              <button type="submit">Apply to selected</button>
            </fieldset>
            <fieldset className="bulk-actions">
              <legend>Assign the selected requests</legend>
              <p className="hint">
                All of them at once, each with a timeline entry and an audit event. The new assignee is emailed the list
                (unless it is you, or they turned these emails off).
              </p>
              <SelectField
                label="Assign to"
                name="assignTo"
                options={staffOptions}
                placeholder="Choose a member of staff…"
                defaultValue={values?.assignTo}
                error={errors?.assignTo}
              />
              <button type="submit" name="intent" value="assign">
                Assign selected
              </button>
            </fieldset>
          </div>
          <FormError message={errors?.selected} id="bulk-selected-error" />
          <table className="responsive-table queue">
            <caption>
              Oldest due date first. Due dates are in {timeZone} and mean the end of that day.
            </caption>
            <thead>
              <tr>
                <th scope="col">Select</th>
                <th scope="col">Reference</th>
                <th scope="col">Type</th>
                <th scope="col">State</th>
                <th scope="col">Subject</th>
                <th scope="col">Due or closed</th>
                <th scope="col">Assigned to</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id}>
                  <td data-label="Select">
                    <input type="checkbox" name={`select-${r.id}`} aria-label={`Select ${r.reference}`} />
                  </td>
                  <th scope="row" data-label="Reference" className="reference">
                    <Link to={`/staff/requests/${r.id}`}>{r.reference}</Link>
                  </th>
                  <td data-label="Type">{requestTypeLabel(r.type)}</td>
                  <td data-label="State">{STATE_LABELS[r.state]}</td>
                  <td data-label="Subject" className="subject">
                    {r.byPost ? (
                      <>
                        {r.name}
                        <br />
                        <span className="badge">By post</span>
                      </>
                    ) : r.email === '' ? (
                      <span className="muted">Personal data erased</span>
                    ) : (
                      <>
                        {r.name}
                        <br />
                        <span className="muted">{r.email}</span>
                      </>
                    )}
                  </td>
                  <td data-label="Due or closed">
                    {r.closing ? (
                      <>
                        {closingSentence(r.closing)} <ClosedBadge closing={r.closing} />
                      </>
                    ) : r.dueDate ? (
                      <>
                        {formatDueDate(r.dueDate)} <DueBadge daysLeft={r.daysLeft} paused={r.state === 'awaiting_subject'} />
                      </>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td data-label="Assigned to" className="subject">{r.assignee ?? 'Nobody'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Form>
      )}
      {nextQuery ? (
        <p>
          <Link to={nextQuery}>Next page →</Link>
        </p>
      ) : null}
    </>
  );
}
