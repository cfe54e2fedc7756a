import { json, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react';
import { Notice } from '~/components/field';
import { SETTABLE, STATUS_WORDS } from '~/components/status-staff';
import { setComponentStatusByStaff, StatusRuleError } from '~/models/status/components.server';
import { listOpen } from '~/models/status/incidents.server';
import { setStatusFormSchema } from '~/models/status/schemas.server';
import { staffComponents, staffWhen } from '~/routes/staff-status.server';
import { requireStaff } from '~/utils/auth.server';
import { badRequest, parseForm } from '~/utils/form.server';
import statusStyles from '~/styles/status.css';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: statusStyles }];
export const meta: MetaFunction = () => [{ title: 'Service status — Staff console — Privacy Portal' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, context);
  const [{ groups, components }, open] = await Promise.all([staffComponents(context.db), listOpen(context.db)]);
  return json({
    isAdmin: staff.role === 'admin',
    groups,
    components,
    open: open.map((i) => ({
      id: i.id,
      kind: i.kind,
      name: i.name,
      status: i.status,
      impact: i.impact,
      when: i.kind === 'maintenance' && i.scheduledFor ? staffWhen(i.scheduledFor, context.config.timeZone) : staffWhen(i.startedAt, context.config.timeZone),
    })),
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, context);
  const form = await parseForm(request, setStatusFormSchema);
  if (!form.ok) return form.reply;
  try {
    await setComponentStatusByStaff(context.db, form.data, { id: staff.id, ip: context.clientIp });
  } catch (error) {
    if (!(error instanceof StatusRuleError)) throw error;
    return badRequest({ formError: error.message });
  }
  return redirect(`/staff/service-status?${new URLSearchParams({ done: 'Status saved.' })}`);
}

export default function StaffServiceStatus() {
  const { isAdmin, groups, components, open } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const done = params.get('done');
  return (
    <>
      <p>
        <Link to="/staff">← Staff console</Link>
      </p>
      <h1>Service status</h1>
      {done ? <Notice>{done}</Notice> : null}
      <ul className="status-links">
        <li>
          <Link to="/staff/service-status/incidents/new">Open an incident</Link>
        </li>
        <li>
          <Link to="/staff/service-status/maintenance/new">Schedule maintenance</Link>
        </li>
        <li>
          <Link to="/staff/service-status/components/new">Add a component or group</Link>
        </li>
        {isAdmin ? (
          <li>
            <Link to="/staff/service-status/api-keys">Monitor API keys</Link>
          </li>
        ) : null}
        <li>
          <Link to="/service-status">Public page</Link>
        </li>
      </ul>
      <h2>Open incidents and maintenance</h2>
      {open.length === 0 ? (
        <p>Nothing is open.</p>
      ) : (
        <ul className="change-list">
          {open.map((i) => (
            <li key={i.id}>
              <Link to={`/staff/service-status/incidents/${i.id}`}>{i.name}</Link> — {i.kind === 'maintenance' ? 'maintenance' : `${i.impact} impact`}, {i.status.replace('_', ' ')} ({i.when})
            </li>
          ))}
        </ul>
      )}
      <h2>Components</h2>
      <p>Setting a status here is for corrections outside an incident; during one, post an update on the incident instead.</p>
      <table className="reflow">
        <caption>
          {components.length} components in {groups.length} groups
        </caption>
        <thead>
          <tr>
            <th scope="col">Component</th>
            <th scope="col">Status now</th>
            <th scope="col">Set status</th>
          </tr>
        </thead>
        <tbody>
          {components.map((c) => (
            <tr key={c.id}>
              <th scope="row">
                <Link to={`/staff/service-status/components/${c.id}`}>
                  {c.group ? `${c.group}: ` : ''}
                  {c.name}
                </Link>
              </th>
              <td data-label="Status now">{STATUS_WORDS[c.status]}</td>
              <td data-label="Set status">
                <Form method="post" className="inline-form">
                  <input type="hidden" name="componentId" value={c.id} />
                  <label className="visually-hidden" htmlFor={`status-${c.id}`}>
                    New status of {c.name}
                  </label>
                  <select id={`status-${c.id}`} name="status" defaultValue={c.status === 'no_data' ? 'operational' : c.status}>
                    {SETTABLE.map((s) => (
                      <option key={s} value={s}>
                        {STATUS_WORDS[s]}
                      </option>
                    ))}
                  </select>{' '}
                  <button type="submit" className="secondary">
                    Save
                  </button>
                </Form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {groups.length ? (
        <>
          <h2>Groups</h2>
          <ul>
            {groups.map((g) => (
              <li key={g.id}>
                <Link to={`/staff/service-status/components/${g.id}`}>{g.name}</Link>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}
