import { stuckTasks } from '~/models/systems/tasks.server';
import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { queueSummary } from '~/models/requests/staff.server';
import { countUnansweredObjections } from '~/models/subprocessors/objections.server';
import { requireStaff } from '~/utils/auth.server';
import { OperationsSummary } from '~/components/operations-summary';
import { staffOperationsSummary } from '~/models/operations.server';
import { BreachDeadlines } from '~/components/breach-deadlines';
import { breachesNeedingAttention, isBreachOfficer } from '~/models/breaches/register.server';
import { attentionView } from '~/models/breaches/view';
import { art19Attention } from '~/models/requests/art19-notices.server';
import { countMapFindings } from '~/models/datamap/map.server';

export const meta: MetaFunction = () => [{ title: 'Staff console — Privacy Portal' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, context);
  const now = new Date();
  const [unansweredObjections, queue, operations, art19, breaches, mapGaps, stuck] = await Promise.all([
    countUnansweredObjections(context.db),
    queueSummary(context.db, { timeZone: context.config.timeZone }),
    staffOperationsSummary(context.db, { now, timeZone: context.config.timeZone }),
    art19Attention(context.db),
    // The DPO and administrators see the breach deadlines (issue 23, item 5).
    isBreachOfficer(context.db, staff).then((officer) => (officer ? breachesNeedingAttention(context.db, now) : null)),
    countMapFindings(context.db),
    stuckTasks(context.db, now),
  ]);
  const mailbox = staff.role === 'admin' && !context.config.smtpUrl;
  return json({
    isAdmin: staff.role === 'admin',
    mailbox,
    unansweredObjections,
    mapGaps,
    stuck,
    queue,
    art19,
    operations: { ...operations, now: now.toISOString() },
    breaches: breaches ? attentionView(breaches, context.config.timeZone, now) : null,
  });
}

export default function StaffConsole() {
  const { isAdmin, mailbox, unansweredObjections, mapGaps, stuck, queue, art19, operations, breaches } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Staff console</h1>
      {breaches ? <BreachDeadlines items={breaches} /> : null}
      <ul className="console-summary" aria-label="Requests needing attention">
        <li>
          <Link to="/staff/requests?due=overdue">
            Overdue: <strong>{queue.overdue}</strong>
          </Link>
        </li>
        <li>
          <Link to="/staff/requests?due=week">
            Due within 7 days: <strong>{queue.dueThisWeek}</strong>
          </Link>
        </li>
        <li>
          <Link to="/staff/requests?assignee=unassigned">
            Unassigned: <strong>{queue.unassigned}</strong>
          </Link>
        </li>
      </ul>
      {stuck.total > 0 ? (
        <section aria-labelledby="stuck-heading" className="notice warning">
          <h2 id="stuck-heading">Stuck system tasks: {stuck.total}</h2>
          <ul>
            {stuck.rows.map((t) => (
              <li key={t.id}>
                <Link to={`/staff/requests/${t.request_id}/systems`}>{t.reference}</Link>: {t.system} —{' '}
                {t.state === 'dead' ? 'dead letter' : t.state === 'failed' ? 'failing' : 'past its deadline'}
                {t.last_error ? ` (${t.last_error})` : ''}
              </li>
            ))}
          </ul>
          <p>
            <Link to="/staff/requests?systems=failed">Requests with a failing system</Link> · <Link to="/staff/requests?systems=dead">dead letters</Link>
          </p>
        </section>
      ) : null}
      <ul className="console-links">
        <li>
          <Link to="/staff/requests">Requests</Link>: the deadline-ordered queue of data-subject requests.
        </li>
        <li>
          <Link to="/staff/reports">Reports</Link>: request figures and charts for a period, exports, and the public transparency report.
        </li>
        <li>
          <Link to="/staff/subprocessors">Subprocessor registry</Link>: plan, change and retire subprocessors.
        </li>
        <li>
          <Link to="/staff/systems">Systems</Link> and the <Link to="/staff/data-map">data map</Link>: what each system holds, why and for how long; gaps to
          fix: <strong>{mapGaps}</strong>. The <Link to="/staff/record-of-processing">record of processing</Link> (Art. 30) is drawn from it.
        </li>
        <li>
          <Link to="/staff/service-status">Service status</Link>: components, incidents, maintenance and monitor API keys.
        </li>
        <li>
          <Link to="/staff/art19">Art. 19 notices</Link>: recipients of personal data without a privacy contact:{' '}
          <strong>{art19.missingContacts}</strong>; notices to send by hand: <strong>{art19.toSendByHand}</strong>; awaiting the recipient&apos;s
          confirmation: <strong>{art19.unconfirmed}</strong>.
        </li>
        <li>
          <Link to="/staff/objections">Objections</Link> to planned subprocessor changes
          {unansweredObjections > 0 ? ` (${unansweredObjections} unanswered)` : ''}.
        </li>
        {breaches ? (
          <li>
            <Link to="/staff/breaches">Breach register</Link>: every personal data breach on the 72-hour clock.
          </li>
        ) : null}
        <li>
          <Link to="/staff/notifications">Email notifications</Link>: whether you are emailed about assignments and replies.
        </li>
        {isAdmin ? (
          <li>
            <Link to="/staff/users">Staff accounts</Link>: invite staff and administrators, grant and revoke the staff role.
          </li>
        ) : null}
        {mailbox ? (
          <li>
            <Link to="/dev/mailbox">Mailbox</Link>: no SMTP_URL is set, so outgoing mail is written to files; read it here.
          </li>
        ) : null}
        {isAdmin ? (
          <li>
            <Link to="/staff/audit">Audit trail</Link>: every sign-in, view and action, hash-chained.
          </li>
        ) : null}
      </ul>
      <OperationsSummary {...operations} showFailedJobs={isAdmin} />
    </>
  );
}
