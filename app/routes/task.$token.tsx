import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { RadioGroupField } from '~/components/choice-fields';
import { Field, FormError, Notice, TextAreaField } from '~/components/field';
import { ACCESS_PACKAGE } from '~/models/policy';
import { recordTaskAnswer, taskForLink, TaskAnswerError } from '~/models/systems/answers.server';
import { identitiesFor } from '~/models/systems/delivery.server';
import { hasControlCharacters } from '~/utils/text';
import { isLanguage, tFor, type Language } from '~/utils/i18n';
import { privateHeaders, PRIVATE_HEADERS } from '~/utils/private-page';
import { readUpload } from '~/utils/upload.server';

/**
 * A task mailed to a system's owner (issue 19.3, 19.4): opened from the link, answered by a
 * POST. It shows only what the task needs: the request's type, reference and due date, and
 * the identities to look the person up by. The owner uploads the person's data, or attests "no
 * data" or "erased" by name; the link then takes no other answer.
 */
export const headers = privateHeaders;
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data && 'title' in data ? `${data.title} — Privacy Portal` : 'Task — Privacy Portal' }, { name: 'robots', content: 'noindex' }];

const OUTCOMES = ['data', 'no_data', 'erased', 'refused'] as const;

function words(lang: Language, system: string, org: string) {
  const t = tFor(lang);
  const p = (key: string) => t(`systemTask.page.${key}`, { system, org });
  return {
    title: p('title'),
    lead: p('lead'),
    reference: p('reference'),
    requestType: p('requestType'),
    dueBy: p('dueBy'),
    lookFor: p('lookFor'),
    choose: p('choose'),
    files: p('files'),
    attestedBy: p('attestedBy'),
    attestedHint: p('attestedHint'),
    note: p('note'),
    submit: p('submit'),
    done: p('done'),
    outcomes: Object.fromEntries(OUTCOMES.map((o) => [o, p(`outcome.${o}`)])) as Record<(typeof OUTCOMES)[number], string>,
    identity: { email: p('identity.email'), account_id: p('identity.account_id'), name: p('identity.name'), identifiers: p('identity.identifiers') } as Record<string, string>,
    errors: { outcome: p('errors.outcome'), attestedBy: p('errors.attestedBy'), files: p('errors.files'), note: p('errors.note'), form: p('errors.form') },
  };
}

async function open(token: string | undefined, context: LoaderFunctionArgs['context']) {
  const found = await taskForLink(context.db, token ?? '');
  if (found.kind !== 'open') {
    const t = tFor('en');
    throw new Response(found.kind === 'used' ? t('systemTask.page.used') : t('systemTask.page.invalid'), { status: found.kind === 'used' ? 410 : 404, headers: PRIVATE_HEADERS });
  }
  const lang: Language = isLanguage(found.task.owner_lang) ? found.task.owner_lang : 'en';
  return { ...found, lang };
}

export async function loader({ params, context }: LoaderFunctionArgs) {
  const { task, lang } = await open(params.token, context);
  const t = tFor(lang);
  const w = words(lang, task.system_name, context.config.organisation.name);
  return json(
    {
      lang,
      title: w.title,
      words: w,
      reference: task.reference,
      type: t(`requestTypes.${task.type}.label`),
      erasure: task.type === 'erasure',
      due: task.due_at ? new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone: context.config.timeZone }).format(new Date(task.due_at)) : null,
      identities: Object.entries(identitiesFor(task)).map(([kind, value]) => ({ label: w.identity[kind] ?? kind, value })),
    },
    { headers: PRIVATE_HEADERS },
  );
}

type ActionResult = { done: true } | { done: false; formError: string; fieldErrors: Record<string, string>; values: Record<string, string> };

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { task, lang, tokenHash } = await open(params.token, context);
  const w = words(lang, task.system_name, context.config.organisation.name);
  const upload = await readUpload(request, { maxFileBytes: ACCESS_PACKAGE.maxFileBytes, maxFiles: ACCESS_PACKAGE.maxFiles });
  if (!upload.ok) return json<ActionResult>({ done: false, formError: upload.formError, fieldErrors: {}, values: {} }, { status: upload.status, headers: { ...PRIVATE_HEADERS, ...upload.headers } });
  const fields = upload.fields;
  const values = { outcome: fields.outcome ?? '', attestedBy: (fields.attestedBy ?? '').slice(0, 200), note: (fields.note ?? '').slice(0, 2000) };
  const errors: Record<string, string> = {};
  const outcome = OUTCOMES.find((o) => o === fields.outcome);
  if (!outcome) errors.outcome = w.errors.outcome;
  const by = (fields.attestedBy ?? '').trim();
  if (!by || by.length > 200 || hasControlCharacters(by, { oneLine: true })) errors.attestedBy = w.errors.attestedBy;
  const note = (fields.note ?? '').trim();
  if (note.length > 2000 || hasControlCharacters(note)) errors.note = w.errors.note;
  if (outcome === 'refused' && !note) errors.note = w.errors.note;
  if (outcome === 'data' && upload.files.length === 0) errors.files = w.errors.files;
  if (Object.keys(errors).length > 0) return json<ActionResult>({ done: false, formError: w.errors.form, fieldErrors: errors, values }, { status: 400, headers: PRIVATE_HEADERS });
  try {
    await recordTaskAnswer(
      context.db,
      { taskId: task.id, outcome: outcome!, note: note || null, files: outcome === 'data' ? upload.files : [], how: 'attestation', by, tokenHash },
      { exportKey: context.config.secrets.exportKey },
    );
  } catch (error) {
    if (error instanceof TaskAnswerError) return json<ActionResult>({ done: false, formError: error.message, fieldErrors: {}, values }, { status: 409, headers: PRIVATE_HEADERS });
    throw error;
  }
  return json<ActionResult>({ done: true }, { headers: PRIVATE_HEADERS });
}

export default function TaskPage() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<ActionResult>();
  const w = data.words;
  if (result?.done) {
    return (
      <div lang={data.lang}>
        <h1>{w.title}</h1>
        <Notice>{w.done}</Notice>
      </div>
    );
  }
  const failed = result && !result.done ? result : undefined;
  return (
    <div lang={data.lang}>
      <h1>{w.title}</h1>
      <p>{w.lead}</p>
      <dl className="facts">
        <dt>{w.reference}</dt>
        <dd>{data.reference}</dd>
        <dt>{w.requestType}</dt>
        <dd>{data.type}</dd>
        {data.due ? (
          <>
            <dt>{w.dueBy}</dt>
            <dd>{data.due}</dd>
          </>
        ) : null}
      </dl>
      <h2>{w.lookFor}</h2>
      <dl className="facts">
        {data.identities.map((i) => (
          <div key={i.label}>
            <dt>{i.label}</dt>
            <dd>{i.value}</dd>
          </div>
        ))}
      </dl>
      <FormError message={failed?.formError} />
      <Form method="post" encType="multipart/form-data" noValidate className="narrow">
        <RadioGroupField
          legend={w.choose}
          name="outcome"
          required
          defaultValue={failed?.values.outcome}
          error={failed?.fieldErrors.outcome}
          options={(data.erasure ? (['erased', 'no_data', 'refused'] as const) : (['data', 'no_data', 'refused'] as const)).map((o) => ({ value: o, label: w.outcomes[o] }))}
        />
        {data.erasure ? null : (
          <div className="field">
            <label htmlFor="field-files">{w.files}</label>
            {failed?.fieldErrors.files ? (
              <p className="field-error" id="field-files-error">
                {failed.fieldErrors.files}
              </p>
            ) : null}
            <input id="field-files" name="files" type="file" multiple accept=".csv,.json,.pdf,.png,.jpg,.jpeg,.txt" aria-describedby={failed?.fieldErrors.files ? 'field-files-error' : undefined} />
          </div>
        )}
        <Field label={w.attestedBy} name="attestedBy" required autoComplete="name" maxLength={200} hint={w.attestedHint} defaultValue={failed?.values.attestedBy} error={failed?.fieldErrors.attestedBy} />
        <TextAreaField label={w.note} name="note" maxLength={2000} defaultValue={failed?.values.note} error={failed?.fieldErrors.note} />
        <button type="submit">{w.submit}</button>
      </Form>
    </div>
  );
}
