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
import { requireAdmin, requireStaff } from '~/utils/auth.server';
import { CheckboxField, RadioGroupField } from '~/components/choice-fields';
import { Field, SelectField, TextAreaField } from '~/components/field';
import { connectionSchema, CONNECTION_FIELDS, ConnectionError, identitiesFrom, issueSecret, saveConnection, setSystemEnabled, testConnection } from '~/models/systems/registry.server';
import { IDENTITY_KINDS, IDENTITY_LABELS, KIND_LABELS, SYSTEM_KINDS } from '~/models/systems/labels';
import { LANGUAGE_NAMES } from '~/utils/i18n';
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
  const settings = (system.settings ?? {}) as { processorDomain?: string; v3?: boolean; trustedRootPem?: string };
  const connection: Record<string, string> = {
    kind: system.kind,
    endpointUrl: system.endpoint_url ?? '',
    allowlisted: system.allowlisted_host ? 'on' : '',
    ownerLang: system.owner_lang,
    deadlineDays: String(system.deadline_days),
    onMissed: system.on_missed,
    fanOutOn: system.fan_out_on,
    processorDomain: settings.processorDomain ?? '',
    opendsrV3: settings.v3 ? 'on' : '',
    trustedRootPem: settings.trustedRootPem ?? '',
  };
  for (const kind of system.identities) connection[`id:${kind}`] = 'on';
  const now = new Date();
  return json({
    admin: user.role === 'admin',
    connection,
    link: {
      kind: system.kind,
      kindLabel: KIND_LABELS[system.kind],
      endpointUrl: system.endpoint_url,
      allowlistedHost: system.allowlisted_host,
      enabled: system.enabled,
      disabledReason: system.disabled_reason,
      hasSecret: !!system.secret_enc,
      previousSecretUntil: system.previous_secret_enc && system.previous_secret_valid_until && new Date(system.previous_secret_valid_until) > now ? new Date(system.previous_secret_valid_until).toISOString() : null,
      lastTestedAt: system.last_tested_at ? new Date(system.last_tested_at).toISOString() : null,
      lastTestResult: system.last_test_result,
      deadlineDays: system.deadline_days,
      onMissed: system.on_missed,
      fanOutOn: system.fan_out_on,
      identities: system.identities.map((k) => IDENTITY_LABELS[k as keyof typeof IDENTITY_LABELS] ?? k),
    },
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
  const intent = new URL(request.url).searchParams.get('connection');
  if (intent !== null) return connectionAction({ request, params, context } as ActionFunctionArgs, intent);
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

/** The connection's forms (administrators only): `?connection=save|secret|test|enable|disable`. */
async function connectionAction({ request, params, context }: ActionFunctionArgs, intent: string) {
  const user = await requireAdmin(request, context);
  const system = await getSystem(context.db, params.id ?? '');
  if (!system || system.is_portal) throw new Response('Not found', { status: 404 });
  const read = await readForm(request);
  if (!read.ok) return refuseForm(read);
  const actor = { id: user.id, ip: context.clientIp };
  if (intent === 'save') {
    const form = validateFields(connectionSchema, read.fields, { keep: CONNECTION_FIELDS, formError: 'The connection could not be saved.' });
    if (!form.ok) return form.reply;
    try {
      await saveConnection(context.db, system.id, { ...form.data, identities: identitiesFrom(read.fields) }, actor);
    } catch (error) {
      if (error instanceof ConnectionError) {
        return badRequest({ formError: 'The connection could not be saved.', fieldErrors: { [error.field]: error.message }, values: read.fields }, { keep: CONNECTION_FIELDS });
      }
      throw error;
    }
    return redirect(`/staff/systems/${system.id}?done=connection`);
  }
  if (intent === 'secret') {
    const provided = (read.fields.providedSecret ?? '').trim();
    if (provided && (provided.length < 16 || provided.length > 500 || /\s/.test(provided))) {
      return badRequest({ formError: 'The secret could not be set.', fieldErrors: { providedSecret: 'Paste the token as the processor issued it (16 to 500 characters, no spaces)' } });
    }
    const issued = await issueSecret(context.db, context.config.secrets.connectorKey, system.id, actor, provided || undefined);
    // Shown this once, in this answer only; never stored in clear, never in a URL or a log.
    return json({ issuedSecret: provided ? null : issued.secret, rotated: issued.rotated, overlapUntil: issued.overlapUntil?.toISOString() ?? null }, { headers: { 'Cache-Control': 'no-store' } });
  }
  if (intent === 'test') {
    const tested = await testConnection({ db: context.db, config: context.config }, system.id, actor);
    return redirect(`/staff/systems/${system.id}?done=${tested.ok ? 'tested' : 'test-failed'}`);
  }
  if (intent === 'enable' || intent === 'disable') {
    await setSystemEnabled(context.db, system.id, intent === 'enable', actor);
    return redirect(`/staff/systems/${system.id}?done=${intent}d`);
  }
  throw new Response('Not found', { status: 404 });
}

const DONE: Record<string, string> = {
  connection: 'The connection was saved.',
  tested: 'The connection test passed: see the result below.',
  'test-failed': 'The connection test failed: see the result below.',
  enabled: 'The system is enabled: new requests reach it.',
  disabled: 'The system is disabled: no new requests are sent to it.',
  created: 'The system was added. Declare what it does with people’s data below.',
  saved: 'The system was saved.',
  retired: 'The activity was retired. It stays in the record’s history.',
  activity: 'The activity was saved as a new version.',
};

export default function SystemPage() {
  const { system, activities, editor, values, subprocessor, subprocessors, admin, connection, link } = useLoaderData<typeof loader>();
  const result = useActionData<FormState & { issuedSecret?: string | null; rotated?: boolean; overlapUntil?: string | null }>();
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

      {system.isPortal ? null : <ConnectionSection admin={admin} link={link} values={result?.values && 'kind' in result.values ? result.values : connection} errors={result?.values && 'kind' in result.values ? result.fieldErrors : undefined} formError={result?.values && 'kind' in result.values ? result.formError : undefined} issued={result} />}

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

type Link = ReturnType<typeof useLoaderData<typeof loader>>['link'];

function ConnectionSection({
  admin,
  link,
  values,
  errors,
  formError,
  issued,
}: {
  admin: boolean;
  link: Link;
  values: Record<string, string>;
  errors?: Record<string, string | undefined>;
  formError?: string;
  issued?: { issuedSecret?: string | null; rotated?: boolean; overlapUntil?: string | null; fieldErrors?: Record<string, string | undefined> };
}) {
  return (
    <section aria-labelledby="connection">
      <h2 id="connection">Connection</h2>
      {!link.enabled ? (
        <p className="notice warning" role="status">
          <strong>Disabled.</strong> {link.disabledReason ?? 'No new requests are sent to it.'}
        </p>
      ) : null}
      <dl className="facts">
        <dt>How requests reach it</dt>
        <dd>{link.kindLabel}</dd>
        {link.endpointUrl ? (
          <>
            <dt>Endpoint</dt>
            <dd>
              <code>{link.endpointUrl}</code>
              {link.allowlistedHost ? (
                <>
                  {' '}
                  <strong className="badge">Allowlisted internal host: {link.allowlistedHost}</strong>
                </>
              ) : null}
            </dd>
          </>
        ) : null}
        <dt>Deadline</dt>
        <dd>
          {link.deadlineDays} days; when missed: {link.onMissed === 'block' ? 'the request waits (blocked)' : 'the system is skipped, with the reason recorded'}
        </dd>
        <dt>Asked when</dt>
        <dd>{link.fanOutOn === 'verified' ? 'the request is verified' : 'staff start the request'}</dd>
        <dt>Identities sent</dt>
        <dd>{link.identities.join(', ') || 'None'}</dd>
        {link.kind === 'webhook' || link.kind === 'opendsr' ? (
          <>
            <dt>Secret</dt>
            <dd>
              {link.hasSecret ? 'Set (encrypted under CONNECTOR_KEY)' : 'Not set'}
              {link.previousSecretUntil ? `; the previous one stays valid until ${link.previousSecretUntil.slice(0, 16).replace('T', ' ')} UTC` : ''}
            </dd>
          </>
        ) : null}
        <dt>Last test</dt>
        <dd>{link.lastTestedAt ? `${link.lastTestedAt.slice(0, 16).replace('T', ' ')} UTC: ${link.lastTestResult}` : 'Never tested'}</dd>
      </dl>
      {issued?.issuedSecret ? (
        <div className="notice" role="status">
          <p>
            <strong>{issued.rotated ? 'The secret was rotated.' : 'The secret was created.'}</strong> Copy it now into the receiving system: it is shown this once.
            {issued.overlapUntil ? ` The previous secret keeps working until ${issued.overlapUntil.slice(0, 16).replace('T', ' ')} UTC.` : ''}
          </p>
          <p>
            <label htmlFor="issued-secret">Signing secret</label>
            <input id="issued-secret" readOnly value={issued.issuedSecret} className="secret" autoComplete="off" spellCheck={false} />
          </p>
        </div>
      ) : issued && 'rotated' in issued && issued.issuedSecret === null ? (
        <Notice>The token was stored encrypted{issued.rotated ? '; the previous one keeps working for 24 hours' : ''}.</Notice>
      ) : null}
      {admin ? (
        <>
          <div className="actions">
            <Form method="post" action="?connection=test">
              <button type="submit">Test the connection</button>
            </Form>
            {link.kind === 'webhook' ? (
              <Form method="post" action="?connection=secret">
                <button type="submit" className="secondary">
                  {link.hasSecret ? 'Rotate the secret' : 'Create the signing secret'}
                </button>
              </Form>
            ) : null}
            <Form method="post" action={`?connection=${link.enabled ? 'disable' : 'enable'}`}>
              <button type="submit" className="secondary">
                {link.enabled ? 'Disable' : 'Enable'}
              </button>
            </Form>
          </div>
          {link.kind === 'opendsr' ? (
            <Form method="post" action="?connection=secret" className="narrow">
              <Field label="The processor’s API token (optional)" name="providedSecret" type="password" autoComplete="off" error={issued?.fieldErrors?.providedSecret} hint="Stored encrypted; sent as a bearer token." />
              <button type="submit" className="secondary">
                {link.hasSecret ? 'Replace the token' : 'Store the token'}
              </button>
            </Form>
          ) : null}
          <h3>Change the connection</h3>
          <FormError message={formError} />
          <Form method="post" action="?connection=save" noValidate className="narrow">
            <RadioGroupField legend="How requests reach it" name="kind" required defaultValue={values.kind} error={errors?.kind} options={SYSTEM_KINDS.map((k) => ({ value: k, label: KIND_LABELS[k] }))} />
            <Field label="Endpoint URL (webhook or OpenDSR base URL)" name="endpointUrl" type="url" maxLength={500} defaultValue={values.endpointUrl} error={errors?.endpointUrl} />
            <CheckboxField
              label="This endpoint is an internal host I allow by name (it may use http and a private address)"
              name="allowlisted"
              value="on"
              defaultChecked={values.allowlisted === 'on'}
              error={errors?.allowlisted}
            />
            <Field label="Deadline (days)" name="deadlineDays" type="number" min={1} max={90} inputMode="numeric" defaultValue={values.deadlineDays} error={errors?.deadlineDays} />
            <RadioGroupField
              legend="When the deadline is missed"
              name="onMissed"
              defaultValue={values.onMissed}
              error={errors?.onMissed}
              options={[
                { value: 'block', label: 'Block: the request waits for this system' },
                { value: 'skip', label: 'Skip the system, recording why' },
              ]}
            />
            <RadioGroupField
              legend="Ask the system when"
              name="fanOutOn"
              defaultValue={values.fanOutOn}
              error={errors?.fanOutOn}
              options={[
                { value: 'verified', label: 'The request is verified' },
                { value: 'started', label: 'Staff start the request' },
              ]}
            />
            <fieldset className="field">
              <legend>Identities it is sent</legend>
              {errors?.['id:email'] ? <p className="field-error">{errors['id:email']}</p> : null}
              {IDENTITY_KINDS.map((k) => (
                <CheckboxField key={k} label={IDENTITY_LABELS[k]} name={`id:${k}`} value="on" defaultChecked={values[`id:${k}`] === 'on'} />
              ))}
            </fieldset>
            <SelectField label="The owner’s language (task mails)" name="ownerLang" options={LANGUAGE_NAMES} defaultValue={values.ownerLang} error={errors?.ownerLang} />
            <Field label="OpenDSR processor domain" name="processorDomain" maxLength={253} defaultValue={values.processorDomain} error={errors?.processorDomain} hint="Callbacks are accepted only from this domain, under its certificate." />
            <CheckboxField label="OpenDSR v3 (mParticle): identities as an object" name="opendsrV3" value="on" defaultChecked={values.opendsrV3 === 'on'} />
            <TextAreaField label="Extra trusted root for the processor’s certificate (PEM, optional)" name="trustedRootPem" maxLength={20000} defaultValue={values.trustedRootPem} error={errors?.trustedRootPem} />
            <button type="submit">Save the connection</button>
          </Form>
        </>
      ) : null}
    </section>
  );
}
