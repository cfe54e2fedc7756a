import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { countUnansweredObjections } from '~/models/subprocessors/objections.server';
import { requireStaff } from '~/utils/auth.server';
import { OperationsSummary } from '~/components/operations-summary';
import { staffOperationsSummary } from '~/models/operations.server';

export const meta: MetaFunction = () => [{ title: 'Staff console — Privacy Portal' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, context);
  const unansweredObjections = await countUnansweredObjections(context.db);
  const now = new Date();
  const operations = { ...(await staffOperationsSummary(context.db, { now, timeZone: context.config.timeZone })), now: now.toISOString() };
  return json({ isAdmin: staff.role === 'admin', unansweredObjections, operations });
}

export default function StaffConsole() {
  const { isAdmin, unansweredObjections, operations } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Staff console</h1>
      <ul className="console-links">
        <li>
          <Link to="/staff/subprocessors">Subprocessor registry</Link>: plan, change and retire subprocessors.
        </li>
        <li>
          <Link to="/staff/objections">Objections</Link> to planned subprocessor changes
          {unansweredObjections > 0 ? ` (${unansweredObjections} unanswered)` : ''}.
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
      <OperationsSummary {...operations} />
    </>
  );
}
