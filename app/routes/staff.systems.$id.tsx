import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { FormError, Notice } from '~/components/field';
import { SystemFields } from '~/components/system-fields';
import { systemSchema, SYSTEM_FIELDS, requestTypesFrom } from '~/models/datamap/forms.server';
import {
  currentActivities,
  currentSubprocessors,
  getSystem,
  knownRecipients,
  loadVocabulary,
  MapRuleError,
  retireActivity,
  updateSystem,
} from '~/models/datamap/map.server';
import { findingsFor } from '~/models/datamap/validation';
import { describeActivity } from '~/models/datamap/describe';
import { recipientNames } from '~/models/datamap/package.server';
import { requireStaff } from '~/utils/auth.server';
import { badRequest, readForm, refuseForm, validateFields, type FormState } from '~/utils/form.server';
import { tFor } from '~/utils/i18n';
import { canEditMap, mapActor, requireMapEditor } from './datamap-guard.server';

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.system.name ?? 'System'} — Systems — Privacy Portal` }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireStaff(request, context);
  const system = await getSystem(context.db, params.id ?? '');
  if (!system) throw new Response('Not found', { status: 404 });
  const [activities, vocabulary, known, names, subprocessors, editor] = await Promise.all([
    currentActivities(context.db, { systemId: system.id }),
    loadVocabulary(context.db),
    knownRecipients(context.db),
    recipientNames(context.db),
    currentSubprocessors(context.db, context.config.timeZone),
    canEditMap(context, user),
  ]);
  const t = tFor('en');
  const values: Record<string, string> = {
    name: system.name,
    description: system.description,
    ownerName: system.owner_name,
    ownerEmail: system.owner_email ?? '',
    securityMeasures: system.security_measures,
    subprocessorId: system.subprocessor_id ? String(system.subprocessor_id) : '',
  };
  for (const type of system.request_types) values[`rt:${type}`] = 'on';
  return json({
    editor,
    system: { id: system.id, name: system.name, description: system.description, isPortal: system.is_portal, fidesKey: system.fides_key, securityMeasures: system.security_measures, requestTypes: system.request_types },
    subprocessor: subprocessors.find((s) => String(s.id) === String(system.subprocessor_id))?.name ?? null,
    subprocessors: subprocessors.map((s) => ({ id: String(s.id), name: s.name })),
    values,
    activities: activities.map((a) => ({
      id: a.activityId,
      version: a.version,
      recordedAt: a.recordedAt,
      role: a.declaration.role,
      described: describeActivity(a.declaration, { lang: 'en', t, vocabulary, recipientNames: names }),
      findings: findingsFor(a.declaration, vocabulary, known),
    })),
  });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requireMapEditor(request, context);
  const system = await getSystem(context.db, params.id ?? '');
  if (!system) throw new Response('Not found', { status: 404 });
  const read = await readForm(request);
  if (!read.ok) return refuseForm(read);
  if (read.fields.intent === 'retire') {
    const retired = await retireActivity(context.db, { systemId: system.id, activityId: read.fields.activityId ?? '' }, mapActor(user, context));
    if (!retired) return badRequest({ formError: 'This activity was already retired.' });
    return redirect(`/staff/systems/${system.id}?done=retired`);
  }
  const form = validateFields(systemSchema, read.fields, { keep: SYSTEM_FIELDS, formError: 'The system could not be saved.' });
  if (!form.ok) return form.reply;
  try {
    await updateSystem(context.db, system.id, { ...form.data, requestTypes: requestTypesFrom(read.fields) }, mapActor(user, context));
  } catch (error) {
    if (error instanceof MapRuleError) {
      return badRequest({ formError: 'The system could not be saved.', fieldErrors: { [error.field]: error.message }, values: read.fields }, { keep: SYSTEM_FIELDS });
    }
    throw error;
  }
  return redirect(`/staff/systems/${system.id}?done=saved`);
}

const DONE: Record<string, string> = {
  created: 'The system was added. Declare what it does with people’s data below.',
  saved: 'The system was saved.',
  retired: 'The activity was retired. It stays in the record’s history.',
  activity: 'The activity was saved as a new version.',
};

export default function SystemPage() {
  const { system, activities, editor, values, subprocessor, subprocessors } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const [params] = useSearchParams();
  const done = DONE[params.get('done') ?? ''];
  const gaps = activities.reduce((n, a) => n + a.findings.length, 0);
  return (
    <>
      <p>
        <Link to="/staff/systems">← Systems</Link>
      </p>
      <h1>
        {system.name}
        {system.isPortal ? ' (this portal)' : ''}
      </h1>
      {done ? <Notice>{done}</Notice> : null}
      {system.description ? <p>{system.description}</p> : null}
      <dl className="facts">
        <dt>fideslang key</dt>
        <dd>
          <code>{system.fidesKey}</code>
        </dd>
        <dt>Subprocessor</dt>
        <dd>{subprocessor ?? 'No: our own system'}</dd>
        {system.isPortal ? null : (
          <>
            <dt>Request types it takes</dt>
            <dd>{system.requestTypes.length ? system.requestTypes.join(', ') : 'None yet'}</dd>
          </>
        )}
        <dt>Security measures</dt>
        <dd>{system.securityMeasures || 'Not described'}</dd>
      </dl>

      <section aria-labelledby="activities">
        <h2 id="activities">Processing activities ({activities.length})</h2>
        {gaps > 0 ? (
          <p className="notice warning" role="status">
            <strong>{gaps === 1 ? '1 gap to fix' : `${gaps} gaps to fix`}</strong> in this system’s declarations: each is listed under its activity.
          </p>
        ) : activities.length > 0 ? (
          <p>No gaps found in these declarations.</p>
        ) : null}
        {editor ? (
          <p>
            <Link to={`/staff/systems/${system.id}/activity`}>Declare an activity</Link>
          </p>
        ) : null}
        {activities.length === 0 ? <p>This system declares no processing yet.</p> : null}
        {activities.map((a) => (
          <article key={a.id} className="activity" aria-labelledby={`activity-${a.id}`}>
            <h3 id={`activity-${a.id}`}>{a.described.name}</h3>
            {a.findings.length > 0 ? (
              <ul className="findings" aria-label={`Gaps to fix in ${a.described.name}`}>
                {a.findings.map((f, i) => (
                  <li key={i}>{f.message}</li>
                ))}
              </ul>
            ) : null}
            <dl className="facts">
              <dt>Purpose</dt>
              <dd>{a.described.purpose}</dd>
              <dt>Role</dt>
              <dd>{a.role === 'processor' ? 'Processor (on behalf of a controller)' : 'Controller'}</dd>
              <dt>Data use</dt>
              <dd>{a.described.dataUse}</dd>
              <dt>Legal basis</dt>
              <dd>
                {a.described.legalBasis}
                {a.described.specialCategoryCondition ? `; ${a.described.specialCategoryCondition}` : ''}
                {a.described.legitimateInterest ? `. Interest: ${a.described.legitimateInterest}` : ''}
              </dd>
              <dt>Data categories</dt>
              <dd>{a.described.dataCategories.join(', ')}</dd>
              <dt>Data subjects</dt>
              <dd>{a.described.dataSubjects.join(', ')}</dd>
              <dt>Retention</dt>
              <dd>{a.described.retention}</dd>
              <dt>Source</dt>
              <dd>{a.described.source}</dd>
              <dt>Recipients</dt>
              <dd>{a.described.recipients.join(', ') || 'None'}</dd>
              <dt>Transfers outside the EEA</dt>
              <dd>{a.described.transfers.join('; ') || 'None'}</dd>
              <dt>Automated decisions</dt>
              <dd>{a.described.automatedDecisions}</dd>
              <dt>Version</dt>
              <dd>
                {a.version}, saved {new Date(a.recordedAt).toISOString().slice(0, 10)}
              </dd>
            </dl>
            {editor ? (
              <div className="actions">
                <Link to={`/staff/systems/${system.id}/activity?activity=${a.id}`}>
                  Change<span className="visually-hidden"> {a.described.name}</span>
                </Link>
                <Form method="post">
                  <input type="hidden" name="intent" value="retire" />
                  <input type="hidden" name="activityId" value={a.id} />
                  <button type="submit" className="link-button">
                    Retire<span className="visually-hidden"> {a.described.name}</span>
                  </button>
                </Form>
              </div>
            ) : null}
          </article>
        ))}
      </section>

      {editor ? (
        <section aria-labelledby="edit-system">
          <h2 id="edit-system">Change the system</h2>
          <FormError message={result?.formError} />
          <Form method="post" noValidate className="narrow">
            <input type="hidden" name="intent" value="save" />
            <SystemFields values={result?.values ?? values} errors={result?.fieldErrors} subprocessors={subprocessors} isPortal={system.isPortal} />
            <button type="submit">Save the system</button>
          </Form>
        </section>
      ) : null}
    </>
  );
}
