import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { z } from 'zod';
import { FormError, Notice } from '~/components/field';
import { JobNotFailedError, listFailedJobs, retryFailedJob } from '~/models/failed-jobs.server';
import { requireAdmin } from '~/utils/auth.server';
import { formatStaffTime } from '~/utils/dates';
import { badRequest, parseForm, type FormState } from '~/utils/form.server';

export const meta: MetaFunction = () => [{ title: 'Failed background jobs — Staff console — Privacy Portal' }];

/** What each job kind does, in words an administrator reads. */
const KIND_LABELS: Record<string, string> = {
  'mail.deliver': 'Deliver one outgoing email',
  'backup.scheduled': 'Scheduled backup',
  'maintenance.daily': 'Daily maintenance (retention)',
  'requests.reminders': 'Daily deadline reminders to staff',
  'subprocessors.alert': 'Subprocessor change alerts to subscribers',
  'package.purge': 'Delete an expired access package',
};

const retrySchema = z.object({ jobId: z.string({ error: 'Choose a job to retry' }).regex(/^\d{1,18}$/, 'Choose a job to retry') });

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const { jobs, total } = await listFailedJobs(context.db);
  const tz = context.config.timeZone;
  return json({
    total,
    timeZone: tz,
    jobs: jobs.map((j) => ({
      id: j.id,
      kind: j.kind,
      label: KIND_LABELS[j.kind] ?? j.kind,
      attempts: j.attempts,
      lastError: j.lastError ?? 'No error was recorded.',
      failedAt: j.failedAt ? formatStaffTime(j.failedAt, tz) : 'unknown',
      queuedAt: formatStaffTime(j.createdAt, tz),
    })),
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const form = await parseForm(request, retrySchema);
  if (!form.ok) return form.reply;
  try {
    const kind = await retryFailedJob(context.db, form.data.jobId, { id: admin.id, ip: context.clientIp });
    return redirect(`/staff/jobs?retried=${encodeURIComponent(KIND_LABELS[kind] ?? kind)}`);
  } catch (error) {
    if (error instanceof JobNotFailedError) return badRequest({ formError: error.message }, { status: 409 });
    throw error;
  }
}

export default function FailedJobs() {
  const { jobs, total, timeZone } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const [params] = useSearchParams();
  const retried = params.get('retried');
  return (
    <>
      <p>
        <Link to="/staff">← Staff console</Link>
      </p>
      <h1>Failed background jobs</h1>
      {retried ? <Notice>“{retried}” is queued again; the worker runs it within a minute. Reload this page to see whether it failed again.</Notice> : null}
      <FormError message={result?.formError} />
      <p>
        A job is retried on its own with growing pauses; it is listed here once it has used up its attempts. Retrying puts it back
        in the queue with fresh attempts: it is safe for every kind (a backup or maintenance runs again; a mail, reminder or alert
        already sent is not sent twice). Fix the cause first (the error says what it was), or it fails again. Times are in {timeZone}.
      </p>
      {total === 0 ? (
        <p>No background job has failed.</p>
      ) : (
        <table className="reflow failed-jobs">
          <caption>
            {total} failed job{total === 1 ? '' : 's'}
            {total > jobs.length ? ` (the ${jobs.length} most recent shown)` : ''}, most recent failure first
          </caption>
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Failed</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last error</th>
              <th scope="col">
                <span className="visually-hidden">Retry</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((j) => (
              <tr key={j.id}>
                <th scope="row" data-label="Job">
                  {j.label} <span className="muted">(#{j.id}, queued {j.queuedAt})</span>
                </th>
                <td data-label="Failed">{j.failedAt}</td>
                <td data-label="Attempts">{j.attempts}</td>
                <td data-label="Last error" className="prewrap job-error">
                  {j.lastError}
                </td>
                <td>
                  <Form method="post">
                    <input type="hidden" name="jobId" value={j.id} />
                    <button type="submit" aria-label={`Retry job ${j.id}: ${j.label}`}>
                      Retry
                    </button>
                  </Form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
