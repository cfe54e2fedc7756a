import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData, useSearchParams } from '@remix-run/react';
import { Notice } from '~/components/field';
import { changeTitle, todayIn } from '~/models/subprocessors/rules';
import { loadRegistry, viewRegistry } from '~/models/subprocessors/registry.server';
import { requireStaff } from '~/utils/auth.server';
import { formatDate } from '~/utils/dates';

export const meta: MetaFunction = () => [{ title: 'Manage subprocessors — Privacy Portal' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireStaff(request, context);
  const registry = await loadRegistry(context.db);
  const today = todayIn(context.config.timeZone);
  const view = viewRegistry(registry, today);
  const objections = await context.db
    .selectFrom('subprocessor_objections')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('answered_at', 'is', null)
    .executeTakeFirstOrThrow();
  return json({ today, active: view.active, planned: view.planned, openObjections: Number(objections.n) });
}

export default function StaffSubprocessors() {
  const { today, active, planned, openObjections } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const done = params.get('done');
  return (
    <>
      <h1>Manage subprocessors</h1>
      {done ? <Notice>{done}</Notice> : null}
      <p>
        <Link className="button" to="/staff/subprocessors/new">
          Plan a new subprocessor
        </Link>{' '}
        <Link to="/staff/objections">Objections ({openObjections} awaiting an answer)</Link> ·{' '}
        <Link to="/subprocessors">Public page</Link>
      </p>
      <h2>Planned changes</h2>
      {planned.length === 0 ? (
        <p>No changes are planned.</p>
      ) : (
        <ul className="change-list">
          {planned.map((c) => (
            <li key={c.id} className="planned">
              <Link to={`/subprocessors/changes/${c.id}`}>{changeTitle(c, today)}</Link>: {c.summary}
            </li>
          ))}
        </ul>
      )}
      <h2>In effect today</h2>
      <div className="table-scroll">
        <table>
          <caption>{active.length} subprocessors</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Since</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {active.map((e) => (
              <tr key={e.subprocessorId}>
                <th scope="row">{e.name}</th>
                <td>{formatDate(e.since)}</td>
                <td>
                  <Link to={`/staff/subprocessors/${e.subprocessorId}/edit`} aria-label={`Edit ${e.name}`}>
                    Edit
                  </Link>{' '}
                  ·{' '}
                  <Link to={`/staff/subprocessors/${e.subprocessorId}/retire`} aria-label={`Retire ${e.name}`}>
                    Retire
                  </Link>{' '}
                  ·{' '}
                  <Link to={`/staff/subprocessors/${e.subprocessorId}/art19`} aria-label={`Erasure notices for ${e.name}`}>
                    Erasure notices
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
