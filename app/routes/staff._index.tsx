import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { queueSummary } from '~/models/requests/staff.server';
import { countUnansweredObjections } from '~/models/subprocessors/objections.server';
import { requireStaff } from '~/utils/auth.server';
import { OperationsSummary } from '~/components/operations-summary';
import { staffOperationsSummary } from '~/models/operations.server';

export const meta: MetaFunction = () => [{ title: 'Staff console — Privacy Portal' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, context);
  const now = new Date();
  const [unansweredObjections, queue, operations] = await Promise.all([
    countUnansweredObjections(context.db),
    queueSummary(context.db, { timeZone: context.config.timeZone }),
    staffOperationsSummary(context.db, { now, timeZone: context.config.timeZone }),
  ]);
  return json({ isAdmin: staff.role === 'admin', unansweredObjections, queue, operations: { ...operations, now: now.toISOString() } });
}

export default function StaffConsole() {
  const { isAdmin, unansweredObjections, queue, operations } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Staff console</h1>
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
      <ul className="console-links">
        <li>
          <Link to="/staff/requests">Requests</Link>: the deadline-ordered queue of data-subject requests.
        </li>
        <li>
          <Link to="/staff/subprocessors">Subprocessor registry</Link>: plan, change and retire subprocessors.
        </li>
        <li>
          <Link to="/staff/objections">Objections</Link> to planned subprocessor changes
          {unansweredObjections > 0 ? ` (${unansweredObjections} unanswered)` : ''}.
        </li>
        <li>
          <Link to="/staff/notifications">Email notifications</Link>: whether you are emailed about assignments and replies.
        </li>
        {isAdmin ? (
          <li>
            <Link to="/staff/users">Staff accounts</Link>: grant and revoke the staff role.
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
