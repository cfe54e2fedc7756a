import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData, useSearchParams } from '@remix-run/react';
import { Notice } from '~/components/field';
import { listObjectionsForStaff } from '~/models/subprocessors/objections.server';
import { changeTitle, todayIn } from '~/models/subprocessors/rules';
import { loadRegistry } from '~/models/subprocessors/registry.server';
import { requireStaff } from '~/utils/auth.server';
import { formatStaffDay } from '~/utils/dates';

export const meta: MetaFunction = () => [{ title: 'Objections — Privacy Portal' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, context);
  const [objections, registry] = await Promise.all([
    listObjectionsForStaff(context.db, { id: staff.id, ip: context.clientIp }),
    loadRegistry(context.db),
  ]);
  const today = todayIn(context.config.timeZone);
  const titles = new Map(registry.changes.map((c) => [c.id, changeTitle(c, today)]));
  return json({
    timeZone: context.config.timeZone,
    objections: objections.map((o) => ({
      id: o.id,
      organisation: o.organisation,
      email: o.email,
      reason: o.reason,
      createdAt: o.created_at.toISOString(),
      received: formatStaffDay(o.created_at, context.config.timeZone),
      answered: o.answered_at !== null,
      change: titles.get(o.change_id) ?? `Change ${o.change_id}`,
    })),
  });
}

export default function StaffObjections() {
  const { objections, timeZone } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  return (
    <>
      <p>
        <Link to="/staff/subprocessors">← Manage subprocessors</Link>
      </p>
      <h1>Objections to subprocessor changes</h1>
      {params.get('answered') ? <Notice>Your answer was sent.</Notice> : null}
      {objections.length === 0 ? (
        <p>No objections have been filed.</p>
      ) : (
        <div>
          <table className="reflow">
            <caption>Unanswered first, newest first. Days are in {timeZone}.</caption>
            <thead>
              <tr>
                <th scope="col">Organisation</th>
                <th scope="col">Change</th>
                <th scope="col">Received</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {objections.map((o) => (
                <tr key={o.id}>
                  <th scope="row">
                    <Link to={`/staff/objections/${o.id}`}>{o.organisation}</Link>
                  </th>
                  <td data-label="Change">{o.change}</td>
                  <td data-label="Received">
                    <time dateTime={o.createdAt}>{o.received}</time>
                  </td>
                  <td data-label="Status">{o.answered ? 'Answered' : 'Awaiting an answer'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
