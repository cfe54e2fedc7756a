import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { ActivityForm } from '~/components/activity-form';
import { FormError } from '~/components/field';
import { declarationToForm } from '~/models/datamap/declarations';
import { parseDeclarationForm } from '~/models/datamap/forms.server';
import { currentActivities, currentSubprocessors, getSystem, listSystems, loadVocabulary, MapRuleError, saveActivity } from '~/models/datamap/map.server';
import { TERM_KINDS } from '~/models/datamap/vocabulary';
import { badRequest, readForm, refuseForm, type FormState } from '~/utils/form.server';
import { mapActor, requireMapEditor } from './datamap-guard.server';

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.activity ? 'Change an activity' : 'Declare an activity'} — ${data?.system.name ?? 'System'} — Privacy Portal` },
];

const ID = /^[0-9a-f-]{36}$/i;

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requireMapEditor(request, context);
  const system = await getSystem(context.db, params.id ?? '');
  if (!system) throw new Response('Not found', { status: 404 });
  const activityId = new URL(request.url).searchParams.get('activity');
  const [vocabulary, systems, subprocessors, activities] = await Promise.all([
    loadVocabulary(context.db),
    listSystems(context.db),
    currentSubprocessors(context.db, context.config.timeZone),
    activityId && ID.test(activityId) ? currentActivities(context.db, { systemId: system.id }) : Promise.resolve([]),
  ]);
  const activity = activityId ? activities.find((a) => a.activityId === activityId) : undefined;
  if (activityId && !activity) throw new Response('Not found', { status: 404 });
  return json({
    system: { id: system.id, name: system.name },
    activity: activity ? { id: activity.activityId, version: activity.version, values: declarationToForm(activity.declaration) } : null,
    vocabulary: Object.fromEntries(TERM_KINDS.map((kind) => [kind, [...vocabulary[kind].values()].filter((t) => !t.deprecated).map((t) => ({ key: t.fides_key, name: t.name, parent: t.parent_key }))])),
    recipients: [
      ...systems.filter((s) => s.id !== system.id && s.fides_key).map((s) => ({ ref: `system:${s.fides_key}`, name: s.name, kind: 'System' })),
      ...subprocessors.map((s) => ({ ref: `subprocessor:${s.slug}`, name: s.name, kind: 'Subprocessor' })),
    ],
  });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requireMapEditor(request, context);
  const system = await getSystem(context.db, params.id ?? '');
  if (!system) throw new Response('Not found', { status: 404 });
  const read = await readForm(request);
  if (!read.ok) return refuseForm(read);
  const keep = Object.keys(read.fields);
  const parsed = parseDeclarationForm(read.fields);
  if (!parsed.ok) return badRequest({ formError: 'The activity could not be saved: see the fields marked below.', fieldErrors: parsed.errors, values: read.fields }, { keep });
  const activityId = read.fields.activityId || null;
  if (activityId && !ID.test(activityId)) return badRequest({ formError: 'This activity does not exist.', values: read.fields }, { keep });
  try {
    await saveActivity(context.db, { systemId: system.id, activityId, declaration: parsed.declaration }, mapActor(user, context));
  } catch (error) {
    if (error instanceof MapRuleError) return badRequest({ formError: 'The activity could not be saved.', fieldErrors: { [error.field]: error.message }, values: read.fields }, { keep });
    throw error;
  }
  return redirect(`/staff/systems/${system.id}?done=activity`);
}

export default function ActivityPage() {
  const { system, activity, vocabulary, recipients } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const values = result?.values ?? activity?.values ?? { sourceFromSubject: 'on', retentionKind: 'period', automatedMade: 'no', role: 'controller' };
  return (
    <>
      <p>
        <Link to={`/staff/systems/${system.id}`}>← {system.name}</Link>
      </p>
      <h1>{activity ? 'Change an activity' : 'Declare an activity'}</h1>
      <p>
        {activity
          ? `Saving makes version ${activity.version + 1}; the record keeps every earlier version.`
          : `What ${system.name} does with people’s data, for one purpose. Gaps (such as a transfer without a safeguard) are saved and listed for the DPO to fix.`}
      </p>
      <FormError message={result?.formError} />
      <Form method="post" noValidate key={result ? JSON.stringify(result.fieldErrors) : 'form'}>
        {activity ? <input type="hidden" name="activityId" value={activity.id} /> : null}
        <ActivityForm values={values} errors={result?.fieldErrors ?? {}} vocabulary={vocabulary} recipients={recipients} />
        <button type="submit">Save the activity</button>
      </Form>
    </>
  );
}
