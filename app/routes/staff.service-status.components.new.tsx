import { json, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import { ComponentForm } from '~/components/status-staff';
import { saveComponent } from '~/routes/staff-status-component.server';
import { staffComponents } from '~/routes/staff-status.server';
import { requireStaff } from '~/utils/auth.server';
import type { FormState } from '~/utils/form.server';
import statusStyles from '~/styles/status.css';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: statusStyles }];
export const meta: MetaFunction = () => [{ title: 'Add a status component — Privacy Portal' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireStaff(request, context);
  return json({ groups: (await staffComponents(context.db)).groups });
}

export const action = (args: ActionFunctionArgs) => saveComponent(args, null);

export default function NewStatusComponent() {
  const { groups } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  return (
    <>
      <p>
        <Link to="/staff/service-status">← Service status</Link>
      </p>
      <h1>Add a component or group</h1>
      <ComponentForm values={result?.values ?? {}} errors={{ form: result?.formError, ...result?.fieldErrors }} groups={groups} submitLabel="Add it" />
    </>
  );
}
