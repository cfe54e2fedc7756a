import { json, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { CheckboxField } from '~/components/choice-fields';
import { FormError, Notice, SelectField, TextAreaField } from '~/components/field';
import { ComponentStatusTable, STATUS_WORDS } from '~/components/status-staff';
import { StatusRuleError } from '~/models/status/components.server';
import { getIncident, postUpdate, publishPostmortem } from '~/models/status/incidents.server';
import { INCIDENT_STATUSES, INCIDENT_TEMPLATES, isClosedStatus, MAINTENANCE_STATUSES, MAINTENANCE_TEMPLATES } from '~/models/status/rules';
import { componentStatusesFrom, postmortemFormSchema, updateFormSchema } from '~/models/status/schemas.server';
import { staffComponents, staffWhen } from '~/routes/staff-status.server';
import { breachRecordLink } from '~/models/status/breach-link';
import { requireStaff } from '~/utils/auth.server';
import { badRequest, readForm, refuseForm, validateFields, type FormState } from '~/utils/form.server';
import { invariantResponse } from '~/utils/invariant';
import statusStyles from '~/styles/status.css';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: statusStyles }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.name ?? 'Incident'} — Service status — Privacy Portal` }];

const WORDS: Record<string, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
  postmortem: 'Postmortem',
  scheduled: 'Scheduled',
  in_progress: 'In progress',
  verifying: 'Verifying',
  completed: 'Completed',
};

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requireStaff(request, context);
  const incident = await getIncident(context.db, params.id ?? '');
  invariantResponse(incident, 'Not found', { status: 404 });
  const { timeZone } = context.config;
  const { components } = await staffComponents(context.db);
  const statuses = incident.kind === 'incident' ? INCIDENT_STATUSES : MAINTENANCE_STATUSES;
  const asked = new URL(request.url).searchParams.get('template');
  const template = asked && (statuses as readonly string[]).includes(asked) ? asked : incident.status === 'postmortem' ? 'resolved' : incident.status;
  const templates: Record<string, string> = incident.kind === 'incident' ? INCIDENT_TEMPLATES : MAINTENANCE_TEMPLATES;
  const names = new Map(components.map((c) => [c.id, c.name]));
  return json({
    id: incident.id,
    kind: incident.kind,
    name: incident.name,
    status: incident.status,
    impact: incident.impact,
    closed: isClosedStatus(incident.kind, incident.status),
    started: staffWhen(incident.startedAt, timeZone),
    window: incident.scheduledFor && incident.scheduledUntil ? `${staffWhen(incident.scheduledFor, timeZone)} to ${staffWhen(incident.scheduledUntil, timeZone)}` : null,
    autoTransition: incident.autoTransition,
    postmortem: incident.postmortem,
    affected: incident.componentIds.map((id) => names.get(id) ?? id),
    updates: incident.updates.map((u) => ({
      id: u.id,
      status: u.status,
      body: u.body,
      when: staffWhen(u.createdAt, timeZone),
      notify: u.notify,
      source: u.source,
      changes: u.affected.filter((a) => a.old_status !== a.new_status).map((a) => `${a.name}: ${STATUS_WORDS[a.old_status]} → ${STATUS_WORDS[a.new_status]}`),
    })),
    statuses: Object.fromEntries(statuses.map((s) => [s, WORDS[s]!])),
    template,
    templateBody: templates[template] ?? '',
    components,
    breachLink: incident.kind === 'incident' ? breachRecordLink(incident.id) : null,
  });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, context);
  const incident = await getIncident(context.db, params.id ?? '');
  invariantResponse(incident, 'Not found', { status: 404 });
  const form = await readForm(request);
  if (!form.ok) return refuseForm(form);
  const keep = Object.keys(form.fields);
  const who = { id: staff.id, ip: context.clientIp, source: 'staff' as const };
  try {
    if (form.fields.intent === 'postmortem') {
      const parsed = validateFields(postmortemFormSchema, form.fields, { keep });
      if (!parsed.ok) return parsed.reply;
      await publishPostmortem(context.db, { incidentId: incident.id, body: parsed.data.postmortem, notify: form.fields['postmortem-notify'] === 'yes' }, who);
      return redirect(`/staff/service-status/incidents/${incident.id}?done=postmortem`);
    }
    const parsed = validateFields(updateFormSchema, form.fields, { keep });
    if (!parsed.ok) return parsed.reply;
    const components = componentStatusesFrom(form.fields);
    if (!components.ok) return badRequest({ fieldErrors: { components: 'Choose a status from the list.' }, values: form.fields }, { keep });
    await postUpdate(
      context.db,
      { incidentId: incident.id, status: parsed.data.status, body: parsed.data.body, components: components.statuses, notify: parsed.data.notify === 'yes', impact: parsed.data.impact },
      who,
    );
  } catch (error) {
    if (!(error instanceof StatusRuleError)) throw error;
    return badRequest({ fieldErrors: { [error.field]: error.message }, values: form.fields }, { keep });
  }
  return redirect(`/staff/service-status/incidents/${incident.id}?done=updated`);
}

const DONE: Record<string, string> = { opened: 'The incident is open and published.', updated: 'The update is published.', postmortem: 'The postmortem is published.' };

export default function StaffIncident() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const [params] = useSearchParams();
  const values = result?.values ?? {};
  const errors = result?.fieldErrors ?? {};
  const done = DONE[params.get('done') ?? ''];
  const postmortemForm = values.intent === 'postmortem';
  return (
    <>
      <p>
        <Link to="/staff/service-status">← Service status</Link> · <Link to={`/service-status/incidents/${d.id}`}>Public page</Link>
      </p>
      <h1>{d.name}</h1>
      {done ? <Notice>{done}</Notice> : null}
      <dl>
        <dt>Kind</dt>
        <dd>{d.kind === 'incident' ? `Incident, ${d.impact} impact` : `Maintenance${d.autoTransition ? ', starts and ends on its own' : ''}`}</dd>
        <dt>Status</dt>
        <dd>{d.statuses[d.status] ?? WORDS[d.status]}</dd>
        <dt>{d.window ? 'Window' : 'Began'}</dt>
        <dd>{d.window ?? d.started}</dd>
        <dt>Affected</dt>
        <dd>{d.affected.join(', ') || 'No components'}</dd>
      </dl>
      {d.breachLink ? (
        <p>
          Did this outage make personal data unavailable? <Link to={d.breachLink}>Open an availability-breach record</Link> (Art. 33: the 72 hours run from awareness).
        </p>
      ) : null}

      <h2>Post an update</h2>
      <Form method="get" className="inline-form" aria-label="Templates">
        <SelectField label="Start from a template" name="template" defaultValue={d.template} options={d.statuses} placeholder="Choose a template" />
        <button type="submit" className="secondary">
          Use this template
        </button>
      </Form>
      <Form method="post" key={d.template}>
        <FormError message={postmortemForm ? undefined : result?.formError} />
        <input type="hidden" name="intent" value="update" />
        <SelectField label="Status" name="status" required defaultValue={postmortemForm ? d.template : (values.status ?? d.template)} options={d.statuses} error={postmortemForm ? undefined : errors.status} />
        {d.kind === 'incident' ? (
          <SelectField label="Impact" name="impact" defaultValue={values.impact ?? d.impact} options={{ none: 'None', minor: 'Minor', major: 'Major', critical: 'Critical' }} placeholder="Keep as it is" />
        ) : null}
        <TextAreaField label="Message" name="body" required rows={4} defaultValue={postmortemForm ? d.templateBody : (values.body ?? d.templateBody)} error={postmortemForm ? undefined : errors.body} />
        <ComponentStatusTable components={d.components} values={postmortemForm ? {} : values} legend="Component statuses this update sets" unaffectedLabel="Leave as it is" error={errors.components} />
        <p className="hint">Resolving (or completing) without choosing statuses returns every affected component to operational.</p>
        <CheckboxField name="notify" label="Email subscribers about this update" defaultChecked={!result || values.notify === 'yes'} />
        <button type="submit">Publish the update</button>
      </Form>

      {d.kind === 'incident' && d.closed ? (
        <>
          <h2>Postmortem</h2>
          <Form method="post">
            <input type="hidden" name="intent" value="postmortem" />
            <TextAreaField
              label="Postmortem (public)"
              name="postmortem"
              rows={8}
              required
              defaultValue={postmortemForm ? values.postmortem : (d.postmortem ?? '')}
              error={postmortemForm ? errors.postmortem : undefined}
              hint="What happened, why, and what will stop it happening again."
            />
            <CheckboxField name="postmortem-notify" label="Email subscribers about the postmortem" />
            <button type="submit">{d.postmortem ? 'Publish the revised postmortem' : 'Publish the postmortem'}</button>
          </Form>
        </>
      ) : null}

      <h2>Updates</h2>
      <ol className="updates">
        {d.updates.map((u) => (
          <li key={u.id}>
            <p className="update-head">
              <strong>{WORDS[u.status]}</strong> — {u.when} <span className="muted">({u.source}{u.notify ? ', emailed' : ''})</span>
            </p>
            <p className="preserve">{u.body}</p>
            {u.changes.length ? (
              <ul className="update-changes">
                {u.changes.map((c) => (
                  <li key={c}>{c}</li>
                ))}
              </ul>
            ) : null}
          </li>
        ))}
      </ol>
    </>
  );
}
