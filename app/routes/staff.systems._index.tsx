import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { FormError } from '~/components/field';
import { SystemFields } from '~/components/system-fields';
import { systemSchema, SYSTEM_FIELDS, requestTypesFrom } from '~/models/datamap/forms.server';
import { createSystem, currentActivities, currentSubprocessors, listSystems, MapRuleError, mapFindings } from '~/models/datamap/map.server';
import { requireStaff } from '~/utils/auth.server';
import { badRequest, readForm, refuseForm, validateFields, type FormState } from '~/utils/form.server';
import { canEditMap, mapActor, requireMapEditor } from './datamap-guard.server';

export const meta: MetaFunction = () => [{ title: 'Systems — Privacy Portal' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireStaff(request, context);
  const [systems, activities, findings, subprocessors, editor] = await Promise.all([
    listSystems(context.db),
    currentActivities(context.db),
    mapFindings(context.db),
    currentSubprocessors(context.db, context.config.timeZone),
    canEditMap(context, user),
  ]);
  const names = new Map(subprocessors.map((s) => [String(s.id), s.name]));
  return json({
    editor,
    subprocessors: subprocessors.map((s) => ({ id: String(s.id), name: s.name })),
    systems: systems.map((s) => ({
      id: s.id,
      name: s.name,
      isPortal: s.is_portal,
      owner: s.owner_name || s.owner_email || '',
      subprocessor: s.subprocessor_id ? (names.get(String(s.subprocessor_id)) ?? 'a former subprocessor') : null,
      requestTypes: s.request_types,
      activities: activities.filter((a) => a.systemId === s.id).length,
      findings: findings.filter((f) => f.activity.systemId === s.id).reduce((n, f) => n + f.findings.length, 0),
    })),
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireMapEditor(request, context);
  const read = await readForm(request);
  if (!read.ok) return refuseForm(read);
  const form = validateFields(systemSchema, read.fields, { keep: SYSTEM_FIELDS, formError: 'The system could not be added.' });
  if (!form.ok) return form.reply;
  try {
    const id = await createSystem(context.db, { ...form.data, requestTypes: requestTypesFrom(read.fields) }, mapActor(user, context));
    return redirect(`/staff/systems/${id}?done=created`);
  } catch (error) {
    if (error instanceof MapRuleError) {
      return badRequest({ formError: 'The system could not be added.', fieldErrors: { [error.field]: error.message }, values: read.fields }, { keep: SYSTEM_FIELDS });
    }
    throw error;
  }
}

export default function Systems() {
  const { systems, editor, subprocessors } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  return (
    <>
      <p>
        <Link to="/staff">← Staff console</Link>
      </p>
      <h1>Systems</h1>
      <p>
        Every system that holds people’s data, and what it does with it. Requests reach these systems, and each one’s declarations make the{' '}
        <Link to="/staff/record-of-processing">record of processing</Link>, the access summaries and the public notice. See also the{' '}
        <Link to="/staff/data-map">data map</Link> (findings, import and export, vocabulary).
      </p>
      <table className="reflow">
        <caption>Systems ({systems.length})</caption>
        <thead>
          <tr>
            <th scope="col">System</th>
            <th scope="col">Owner</th>
            <th scope="col">Subprocessor</th>
            <th scope="col">Activities</th>
            <th scope="col">Gaps to fix</th>
          </tr>
        </thead>
        <tbody>
          {systems.map((s) => (
            <tr key={s.id}>
              <th scope="row" data-label="System">
                <Link to={`/staff/systems/${s.id}`}>{s.name}</Link>
                {s.isPortal ? ' (this portal)' : ''}
              </th>
              <td data-label="Owner">{s.owner || '—'}</td>
              <td data-label="Subprocessor">{s.subprocessor ?? '—'}</td>
              <td data-label="Activities">{s.activities}</td>
              <td data-label="Gaps to fix">{s.findings > 0 ? <strong>{s.findings}</strong> : 'None'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {editor ? (
        <section aria-labelledby="add-system">
          <h2 id="add-system">Add a system</h2>
          <FormError message={result?.formError} />
          <Form method="post" noValidate className="narrow">
            <SystemFields values={result?.values} errors={result?.fieldErrors} subprocessors={subprocessors} />
            <button type="submit">Add the system</button>
          </Form>
        </section>
      ) : (
        <p>Administrators and the data protection officer add and change systems.</p>
      )}
    </>
  );
}

