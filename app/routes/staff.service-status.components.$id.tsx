import { json, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import { ComponentForm } from '~/components/status-staff';
import { listComponents } from '~/models/status/components.server';
import { saveComponent } from '~/routes/staff-status-component.server';
import { requireStaff } from '~/utils/auth.server';
import type { FormState } from '~/utils/form.server';
import { invariantResponse } from '~/utils/invariant';
import statusStyles from '~/styles/status.css';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: statusStyles }];
export const meta: MetaFunction = () => [{ title: 'Edit a status component — Privacy Portal' }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requireStaff(request, context);
  const rows = await listComponents(context.db);
  const c = rows.find((r) => r.id === params.id);
  invariantResponse(c, 'Not found', { status: 404 });
  return json({
    id: c.id,
    kind: c.isGroup ? ('group' as const) : ('component' as const),
    values: {
      name: c.name,
      description: c.description ?? '',
      kind: c.isGroup ? 'group' : 'component',
      groupId: c.groupId ?? '',
      position: String(c.position),
      startDate: c.startDate,
      heartbeatMinutes: c.heartbeatSeconds ? String(Math.round(c.heartbeatSeconds / 60)) : '',
      onlyShowIfDegraded: c.onlyShowIfDegraded ? 'yes' : '',
    },
    groups: rows.filter((r) => r.isGroup && r.id !== c.id).map((g) => ({ id: g.id, name: g.name })),
  });
}

export async function action(args: ActionFunctionArgs) {
  await requireStaff(args.request, args.context);
  const rows = await listComponents(args.context.db);
  invariantResponse(rows.some((r) => r.id === args.params.id), 'Not found', { status: 404 });
  return saveComponent(args, args.params.id!);
}

export default function EditStatusComponent() {
  const { kind, values, groups } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  return (
    <>
      <p>
        <Link to="/staff/service-status">← Service status</Link>
      </p>
      <h1>Edit {values.name}</h1>
      <ComponentForm values={result?.values ?? values} errors={{ form: result?.formError, ...result?.fieldErrors }} groups={groups} submitLabel="Save" fixedKind={kind} />
    </>
  );
}
