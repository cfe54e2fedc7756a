import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { Field, FormError, Notice, SelectField, TextAreaField } from '~/components/field';
import { ACCESS_PACKAGE } from '~/models/policy';
import { isClosed } from '~/models/requests/lifecycle';
import { getRequestById } from '~/models/requests/requests.server';
import { recordSystemAnswer, SystemAnswerError, systemsForRequest } from '~/models/systems/answers.server';
import { OUTCOME_LABELS } from '~/models/systems/labels';
import { retryTaskNow, skipTask } from '~/models/systems/delivery.server';
import { TASK_STATE_LABELS } from '~/models/systems/labels';
import { requireStaff } from '~/utils/auth.server';
import { badRequest, readForm, refuseForm, type FormState } from '~/utils/form.server';
import { dateTimeFormat } from '~/utils/intl';
import { invariantResponse } from '~/utils/invariant';
import { hasControlCharacters, STAFF_CONTROL_ERROR } from '~/utils/text';
import { readUpload } from '~/utils/upload.server';

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Systems for ${data?.reference ?? 'request'} — Staff console — Privacy Portal` }];

const note = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `At most ${max.toLocaleString('en')} characters`)
    .refine((v) => !hasControlCharacters(v), STAFF_CONTROL_ERROR);
const answerSchema = z.object({
  systemId: z.string().regex(/^[0-9a-f-]{36}$/i, 'Choose one of the systems listed'),
  outcome: z.enum(['data', 'no_data', 'erased', 'refused'], { error: 'Choose the system’s answer' }),
  note: note(2000).default(''),
});
const skipSchema = z.object({ taskId: z.string().regex(/^[0-9a-f-]{36}$/i, 'Choose a task'), reason: note(500).min(1, 'Say why the system is skipped') });
const KEEP = ['systemId', 'outcome', 'note'];

/**
 * The systems panel of one request (issue 19.6): each connected system's task, its state,
 * attempts, last error (a status code and a few words, never a body), next retry and due date;
 * staff retry now, resend a manual task's email, skip with a reason, or record a system's
 * answer by hand with a note and files.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requireStaff(request, context);
  const id = params.id ?? '';
  invariantResponse(/^\d{1,18}$/.test(id), 'Not found', { status: 404 });
  const found = await getRequestById(context.db, id);
  invariantResponse(found, 'Not found', { status: 404 });
  return json({
    id,
    reference: found.reference,
    type: found.type,
    closed: isClosed(found.state),
    systems: await systemsForRequest(context.db, id, found.type),
    done: new URL(request.url).searchParams.get('done'),
    timeZone: context.config.timeZone,
  });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, context);
  const id = params.id ?? '';
  invariantResponse(/^\d{1,18}$/.test(id), 'Not found', { status: 404 });
  const found = await getRequestById(context.db, id);
  invariantResponse(found, 'Not found', { status: 404 });
  const multipart = (request.headers.get('Content-Type') ?? '').toLowerCase().startsWith('multipart/form-data');
  let fields: Record<string, string>;
  let files: Array<{ filename: string; bytes: Buffer }> = [];
  if (multipart) {
    const upload = await readUpload(request, { maxFileBytes: ACCESS_PACKAGE.maxFileBytes, maxFiles: ACCESS_PACKAGE.maxFiles });
    if (!upload.ok) return json<FormState>({ formError: upload.formError }, { status: upload.status, headers: upload.headers });
    fields = upload.fields;
    files = upload.files;
  } else {
    const read = await readForm(request);
    if (!read.ok) return refuseForm(read);
    fields = read.fields;
  }
  if (fields.intent !== 'retry' && fields.intent !== 'skip') {
    const parsed = answerSchema.safeParse(fields);
    if (!parsed.success) {
      const fieldErrors: Record<string, string> = {};
      for (const issue of parsed.error.issues) fieldErrors[String(issue.path[0])] ??= issue.message;
      return badRequest({ formError: 'The answer could not be recorded.', fieldErrors, values: fields }, { keep: KEEP });
    }
    try {
      await recordSystemAnswer(context.db, { requestId: id, ...parsed.data, files }, { id: staff.id, ip: context.clientIp, email: staff.email }, { exportKey: context.config.secrets.exportKey });
    } catch (error) {
      if (error instanceof SystemAnswerError) return badRequest({ formError: error.message, values: fields }, { keep: KEEP, status: 409 });
      throw error;
    }
    return redirect(`/staff/requests/${id}/systems?done=answered`);
  }
  const read = { fields };
  const taskId = read.fields.taskId ?? '';
  const task = (await systemsForRequest(context.db, id, found.type)).find((s) => s.taskId === taskId);
  if (!task) return badRequest({ formError: 'That task is not one of this request’s.' }, { status: 409 });
  if (read.fields.intent === 'retry') {
    if (!(await retryTaskNow(context.db, taskId, staff.id))) return badRequest({ formError: `${task.name} cannot be sent again now.` }, { status: 409 });
    return redirect(`/staff/requests/${id}/systems?done=${task.kind === 'manual' ? 'resent' : 'retried'}`);
  }
  if (read.fields.intent === 'skip') {
    const field = `reason-${taskId}`;
    const parsed = skipSchema.safeParse({ taskId, reason: read.fields[field] ?? '' });
    if (!parsed.success) return badRequest({ formError: `${task.name} was not skipped.`, fieldErrors: { [field]: parsed.error.issues[0]?.message ?? 'Say why' }, values: read.fields }, { keep: [field] });
    if (!(await skipTask(context.db, taskId, parsed.data.reason, staff.id))) return badRequest({ formError: `${task.name}’s task is no longer open.` }, { status: 409 });
    return redirect(`/staff/requests/${id}/systems?done=skipped`);
  }
  throw new Response('Not found', { status: 404 });
}

const DONE: Record<string, string> = {
  answered: 'The system’s answer was recorded.',
  retried: 'The task is being sent again now.',
  resent: 'The task email is being sent to the owner again.',
  skipped: 'The system was skipped; the reason is on the timeline.',
};

const OPEN = ['pending', 'sent', 'waiting', 'failed', 'dead'];

export default function RequestSystems() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const when = (iso: string) => dateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: data.timeZone }).format(new Date(iso));
  const answerable = data.systems.filter((s) => (s.state === null ? s.takes : OPEN.includes(s.state)));
  const done = DONE[data.done ?? ''];
  return (
    <>
      <p>
        <Link to={`/staff/requests/${data.id}`}>← Request {data.reference}</Link>
      </p>
      <h1>Systems for request {data.reference}</h1>
      {done ? <Notice>{done}</Notice> : null}
      <FormError message={result?.formError} />
      <p>
        Each of the organisation’s <Link to="/staff/systems">systems</Link> that takes this type of request gets a task. The request cannot be completed while a task
        is open, unless you override with a reason. A system that answered “no data” is left out of the access summary.
      </p>
      {data.systems.length === 0 ? <p>No system is registered yet besides this portal.</p> : null}
      {data.systems.length > 0 ? (
        <table className="reflow">
          <caption>Systems, their tasks and answers</caption>
          <thead>
            <tr>
              <th scope="col">System</th>
              <th scope="col">State</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last error</th>
              <th scope="col">Next retry</th>
              <th scope="col">Due</th>
              <th scope="col">Answer</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {data.systems.map((s) => (
              <tr key={s.id} data-state={s.state ?? 'none'}>
                <th scope="row" data-label="System">
                  <Link to={`/staff/systems/${s.id}`}>{s.name}</Link>
                  {!s.enabled ? ' (disabled)' : ''}
                </th>
                <td data-label="State">
                  {s.state ? TASK_STATE_LABELS[s.state] : s.takes ? 'No task yet' : 'Does not take this type'}
                  {s.stateReason ? <span className="hint">. {s.stateReason}</span> : null}
                </td>
                <td data-label="Attempts">{s.taskId ? s.attempts : '—'}</td>
                <td data-label="Last error">{s.lastError ?? '—'}</td>
                <td data-label="Next retry">{s.nextAttemptAt && (s.state === 'failed' || s.state === 'pending') ? when(s.nextAttemptAt) : '—'}</td>
                <td data-label="Due">{s.dueAt ? when(s.dueAt) : '—'}</td>
                <td data-label="Answer">
                  {s.outcome ? OUTCOME_LABELS[s.outcome] : 'No answer yet'}
                  {s.note ? <span className="prewrap">. {s.note}</span> : null}
                  {s.files ? ` (${s.files} file${s.files === 1 ? '' : 's'})` : ''}
                  {s.answeredAt ? <span className="hint"> {`${when(s.answeredAt)}, by ${s.answeredBy ?? 'staff'}`}</span> : null}
                </td>
                <td data-label="Actions">
                  {!data.closed && s.taskId && s.state && OPEN.includes(s.state) ? (
                    <div className="actions">
                      {s.kind !== 'none' ? (
                        <Form method="post">
                          <input type="hidden" name="intent" value="retry" />
                          <input type="hidden" name="taskId" value={s.taskId} />
                          <button type="submit" className="secondary">
                            {s.kind === 'manual' ? 'Resend the email' : 'Retry now'}
                            <span className="visually-hidden"> ({s.name})</span>
                          </button>
                        </Form>
                      ) : null}
                      <Form method="post" noValidate>
                        <input type="hidden" name="intent" value="skip" />
                        <input type="hidden" name="taskId" value={s.taskId} />
                        <Field
                          label={`Why skip ${s.name}`}
                          name={`reason-${s.taskId}`}
                          maxLength={500}
                          defaultValue={result?.values?.[`reason-${s.taskId}`]}
                          error={result?.fieldErrors?.[`reason-${s.taskId}`]}
                        />
                        <button type="submit" className="secondary">
                          Skip<span className="visually-hidden"> {s.name}</span>
                        </button>
                      </Form>
                    </div>
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {!data.closed && answerable.length > 0 ? (
        <section aria-labelledby="record-answer">
          <h2 id="record-answer">Record a system’s answer by hand</h2>
          <Form method="post" encType="multipart/form-data" noValidate className="narrow">
            <SelectField
              label="System"
              name="systemId"
              options={Object.fromEntries(answerable.map((s) => [s.id, s.name]))}
              defaultValue={result?.values?.systemId ?? ''}
              error={result?.fieldErrors?.systemId}
            />
            <SelectField label="Its answer" name="outcome" options={OUTCOME_LABELS} defaultValue={result?.values?.outcome ?? ''} error={result?.fieldErrors?.outcome} />
            <TextAreaField label="Note (how it answered; required for a refusal)" name="note" maxLength={2000} defaultValue={result?.values?.note} error={result?.fieldErrors?.note} />
            <div className="field">
              <label htmlFor="field-files">Files it sent (CSV, JSON, PDF, PNG or JPEG; up to {ACCESS_PACKAGE.maxFileBytes / 1024 / 1024} MB each)</label>
              <input id="field-files" name="files" type="file" multiple accept=".csv,.json,.pdf,.png,.jpg,.jpeg" />
            </div>
            <button type="submit">Record the answer</button>
          </Form>
        </section>
      ) : null}
      {data.closed ? <p>The request is closed: its systems’ answers are final.</p> : null}
    </>
  );
}
