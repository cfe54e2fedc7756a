import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { FormError, Notice, TextAreaField } from '~/components/field';
import { MapFileError } from '~/models/datamap/fideslang-io';
import { importMap, listSystems, mapFindings, publicNoticePublished, setPublicNotice } from '~/models/datamap/map.server';
import { FIDESLANG_SOURCE, FIDESLANG_VERSION } from '~/models/datamap/vocabulary';
import { requireStaff } from '~/utils/auth.server';
import { badRequest } from '~/utils/form.server';
import { readUpload } from '~/utils/upload.server';
import { canEditMap, mapActor, requireMapEditor } from './datamap-guard.server';

export const meta: MetaFunction = () => [{ title: 'Data map — Staff console — Privacy Portal' }];

const MAX_MAP_BYTES = 2 * 1024 * 1024;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireStaff(request, context);
  const [findings, systems, published, editor] = await Promise.all([mapFindings(context.db), listSystems(context.db), publicNoticePublished(context.db), canEditMap(context, user)]);
  return json({
    editor,
    published,
    systems: systems.length,
    version: FIDESLANG_VERSION,
    source: FIDESLANG_SOURCE,
    findings: findings.map((f) => ({ systemId: f.activity.systemId, system: f.activity.systemName, activity: f.activity.declaration.name, findings: f.findings })),
  });
}

type ImportState = { formError?: string; values?: Record<string, string> };

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireMapEditor(request, context);
  const upload = await readUpload(request, { maxFileBytes: MAX_MAP_BYTES, maxFiles: 1 });
  if (!upload.ok) return badRequest({ formError: upload.formError }, { status: upload.status, headers: upload.headers });
  const intent = upload.fields.intent;
  if (intent === 'publish' || intent === 'withdraw') {
    await setPublicNotice(context.db, intent === 'publish', mapActor(user, context));
    return redirect(`/staff/data-map?done=${intent}`);
  }
  if (intent !== 'import') return badRequest({ formError: 'Choose an action from the page.' });
  const pasted = upload.fields.document ?? '';
  const file = upload.files[0];
  let text = pasted;
  if (file && file.bytes.length > 0) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(file.bytes);
    } catch {
      return badRequest<ImportState>({ formError: 'The file is not UTF-8 text: export it from Fides as YAML or JSON.' });
    }
  }
  if (!text.trim()) return badRequest<ImportState>({ formError: 'Choose a fideslang YAML or JSON file, or paste one.', values: { document: pasted } }, { keep: ['document'] });
  if (text.includes('\u0000')) return badRequest<ImportState>({ formError: 'The file holds a NUL character: it is not a YAML or JSON text file.' });
  try {
    const summary = await importMap(context.db, text, mapActor(user, context));
    const q = new URLSearchParams({ done: 'imported', created: String(summary.created), updated: String(summary.updated), saved: String(summary.activitiesSaved), retired: String(summary.activitiesRetired) });
    return redirect(`/staff/data-map?${q}`);
  } catch (error) {
    if (error instanceof MapFileError) return badRequest<ImportState>({ formError: `Nothing was imported. ${error.message}`, values: { document: pasted } }, { keep: ['document'] });
    throw error;
  }
}

export default function DataMap() {
  const { editor, published, findings, systems, version, source } = useLoaderData<typeof loader>();
  const result = useActionData<ImportState>();
  const [params] = useSearchParams();
  const done = params.get('done');
  const gaps = findings.reduce((n, f) => n + f.findings.length, 0);
  return (
    <>
      <p>
        <Link to="/staff">← Staff console</Link>
      </p>
      <h1>Data map</h1>
      <p>
        What each of the <Link to="/staff/systems">{systems} systems</Link> holds, why, on what legal basis and for how long. The{' '}
        <Link to="/staff/record-of-processing">record of processing</Link>, every access summary and the public notice are drawn from it. Vocabulary:
        fideslang {version} (<Link to="/staff/data-map/vocabulary">browse, and add your own keys</Link>).
      </p>
      {done === 'imported' ? (
        <Notice>
          Imported: {params.get('created')} systems added, {params.get('updated')} updated, {params.get('saved')} activities saved, {params.get('retired')}{' '}
          retired.
        </Notice>
      ) : null}
      {done === 'publish' ? <Notice>The public notice is published at /privacy/processing.</Notice> : null}
      {done === 'withdraw' ? <Notice>The public notice is withdrawn.</Notice> : null}

      <section aria-labelledby="gaps">
        <h2 id="gaps">Gaps to fix ({gaps})</h2>
        {gaps === 0 ? (
          <p>No gaps: every activity names a legal basis, conditions for special categories, safeguards for transfers, known recipients and a retention limit.</p>
        ) : (
          <ul className="findings">
            {findings.map((f, i) => (
              <li key={i}>
                <Link to={`/staff/systems/${f.systemId}`}>
                  {f.system}, {f.activity}
                </Link>
                : {f.findings.map((x) => x.message).join(' ')}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="public-notice">
        <h2 id="public-notice">Public notice</h2>
        <p>
          {published ? (
            <>
              Published at <Link to="/privacy/processing">/privacy/processing</Link>, and linked from the subprocessor list.
            </>
          ) : (
            'Not published. Once published, /privacy/processing shows the purposes, categories, legal bases, retention, recipients and transfers of every activity for which you are the controller (the content of an Art. 13/14 notice).'
          )}
        </p>
        {editor ? (
          <Form method="post" encType="multipart/form-data">
            <input type="hidden" name="intent" value={published ? 'withdraw' : 'publish'} />
            <button type="submit">{published ? 'Withdraw the public notice' : 'Publish the public notice'}</button>
          </Form>
        ) : null}
      </section>

      <section aria-labelledby="export">
        <h2 id="export">Export</h2>
        <p>The whole map as a fideslang document, for Fides or any tool that reads it. Exports are audited.</p>
        <ul className="actions-list">
          <li>
            <a href="/staff/data-map/export.yaml" download>
              YAML
            </a>
          </li>
          <li>
            <a href="/staff/data-map/export.json" download>
              JSON
            </a>
          </li>
        </ul>
      </section>

      {editor ? (
        <section aria-labelledby="import">
          <h2 id="import">Import</h2>
          <p>
            A fideslang document (<code>system:</code> with <code>privacy_declarations</code>), as Fides exports it. Systems are matched by{' '}
            <code>fides_key</code>; each declaration by its name. A changed declaration becomes a new version, and one missing from the file is retired.
            All or nothing. Source of the vocabulary: {source}.
          </p>
          <FormError message={result?.formError} />
          <Form method="post" encType="multipart/form-data" noValidate>
            <input type="hidden" name="intent" value="import" />
            <div className="field">
              <label htmlFor="field-file">File (YAML or JSON, at most 2 MB)</label>
              <input id="field-file" name="file" type="file" accept=".yml,.yaml,.json,application/json,application/yaml,text/yaml" />
            </div>
            <TextAreaField label="Or paste the document (up to 64 KB)" name="document" rows={8} defaultValue={result?.values?.document} />
            <button type="submit">Import</button>
          </Form>
        </section>
      ) : null}
    </>
  );
}
