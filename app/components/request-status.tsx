import { Form, Link } from '@remix-run/react';
import { dateTimeFormat } from '~/utils/intl';
import { formatDueDate } from '~/models/requests/deadlines';
import { requestTypeLabel } from '~/models/requests/intake-rules';
import { STATE_LABELS, type RequestState } from '~/models/requests/lifecycle';
import type { SubjectStatus } from '~/models/requests/status.server';

const dateTime = (iso: string, timeZone: string) =>
  dateTimeFormat('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone }).format(new Date(iso));

function kilobytes(size: number) {
  return size >= 1_048_576 ? `${(size / 1_048_576).toFixed(1)} MB` : `${Math.max(1, Math.round(size / 1024))} KB`;
}

/**
 * The subject's view of one request, used by the private-link page and the account page.
 * `basePath` is where this page lives; its actions post back to it.
 */
export function RequestStatusView({
  status,
  basePath,
  timeZone,
}: {
  status: SubjectStatus;
  basePath: string;
  timeZone: string;
}) {
  const { request, actions, timeline, attachments } = status;
  const state = request.state as RequestState;
  return (
    <>
      <h1>Request {request.reference}</h1>
      <dl className="request-facts">
        <dt>Request</dt>
        <dd>{requestTypeLabel(request.type)}</dd>
        <dt>Status</dt>
        <dd>
          <strong>{STATE_LABELS[state]}</strong>
        </dd>
        <dt>Submitted</dt>
        <dd>{dateTime(request.createdAt, timeZone)}</dd>
        <dt>Received</dt>
        <dd>{request.receivedAt ? dateTime(request.receivedAt, timeZone) : 'When you confirm your email address'}</dd>
        <dt>Due date</dt>
        <dd>
          {request.dueDate ? formatDueDate(request.dueDate) : 'One month after we receive it'}
          {request.paused ? ' (paused while we wait for your reply)' : null}
        </dd>
        {request.extensionMonths > 0 ? (
          <>
            <dt>Extension</dt>
            <dd>
              Extended by {request.extensionMonths} month{request.extensionMonths === 1 ? '' : 's'}. Reason:{' '}
              <span className="preserve">{request.extensionReason}</span>
            </dd>
          </>
        ) : null}
      </dl>

      {actions.includes('resume') ? (
        <section aria-labelledby="reply-heading" className="panel">
          <h2 id="reply-heading">We need more information</h2>
          <p>The privacy team asked you a question (see the history below). The deadline is paused until you reply.</p>
          <p>
            <Link className="button" to={`${basePath}/reply`}>
              Reply to the privacy team
            </Link>
          </p>
        </section>
      ) : null}

      <section aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">History</h2>
        <ol className="timeline">
          {timeline.map((event) => {
            const files = attachments.filter((a) => a.eventId === event.id);
            return (
              <li key={event.id}>
                <p className="timeline-when">{dateTime(event.at, timeZone)}</p>
                {event.kind === 'reply' ? <p className="timeline-who">You replied:</p> : null}
                <p className="preserve">{event.note}</p>
                {files.length > 0 ? (
                  <ul className="attachments">
                    {files.map((file) => (
                      <li key={file.id}>
                        <a href={`${basePath}/attachments/${file.id}`}>{file.filename}</a> ({kilobytes(file.size)}){' '}
                        <Form method="post" className="inline-form">
                          <input type="hidden" name="attachmentId" value={file.id} />
                          <button type="submit" name="intent" value="remove-attachment" className="link-button">
                            Remove {file.filename}
                          </button>
                        </Form>
                      </li>
                    ))}
                  </ul>
                ) : null}
              </li>
            );
          })}
        </ol>
      </section>

      {actions.includes('withdraw') ? (
        <section aria-labelledby="withdraw-heading" className="panel">
          <h2 id="withdraw-heading">Withdraw this request</h2>
          <p>If you no longer want us to act on this request, you can withdraw it. This cannot be undone.</p>
          <Form method="post">
            <button type="submit" name="intent" value="withdraw" className="secondary">
              Withdraw request
            </button>
          </Form>
        </section>
      ) : null}
    </>
  );
}
