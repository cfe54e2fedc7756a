import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { Field, FormError, Notice, SelectField, TextAreaField } from '~/components/field';
import { termSchema } from '~/models/datamap/forms.server';
import { addTerm, loadVocabulary, MapRuleError } from '~/models/datamap/map.server';
import { FIDESLANG_SOURCE, FIDESLANG_VERSION, TERM_KIND_LABELS, TERM_KINDS } from '~/models/datamap/vocabulary';
import { requireStaff } from '~/utils/auth.server';
import { badRequest, parseForm, type FormState } from '~/utils/form.server';
import { canEditMap, mapActor, requireMapEditor } from './datamap-guard.server';

export const meta: MetaFunction = () => [{ title: 'Vocabulary — Data map — Privacy Portal' }];

const FIELDS = ['kind', 'parentKey', 'key', 'name', 'description'];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireStaff(request, context);
  const [vocabulary, editor] = await Promise.all([loadVocabulary(context.db), canEditMap(context, user)]);
  return json({
    editor,
    version: FIDESLANG_VERSION,
    source: FIDESLANG_SOURCE,
    kinds: TERM_KINDS.map((kind) => ({
      kind,
      label: TERM_KIND_LABELS[kind],
      terms: [...vocabulary[kind].values()].map((t) => ({ key: t.fides_key, name: t.name, description: t.description, custom: !!t.custom, deprecated: !!t.deprecated })),
    })),
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireMapEditor(request, context);
  const form = await parseForm(request, termSchema, { keep: FIELDS, formError: 'The key could not be added.' });
  if (!form.ok) return form.reply;
  try {
    await addTerm(context.db, { ...form.data }, mapActor(user, context));
  } catch (error) {
    if (error instanceof MapRuleError) return badRequest({ formError: 'The key could not be added.', fieldErrors: { [error.field]: error.message }, values: form.fields }, { keep: FIELDS });
    throw error;
  }
  return redirect(`/staff/data-map/vocabulary?added=${encodeURIComponent(form.data.key)}`);
}

export default function Vocabulary() {
  const { kinds, editor, version, source } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const [params] = useSearchParams();
  const added = params.get('added');
  return (
    <>
      <p>
        <Link to="/staff/data-map">← Data map</Link>
      </p>
      <h1>Vocabulary</h1>
      <p>
        Data categories, data uses and categories of data subjects from fideslang {version} ({source}, a pinned copy), and the organisation’s own keys, each
        below a fideslang key. A key below a special category (such as health data) is a special category too.
      </p>
      {added ? <Notice>{added} was added to the vocabulary.</Notice> : null}
      {editor ? (
        <section aria-labelledby="add-term">
          <h2 id="add-term">Add your own key</h2>
          <FormError message={result?.formError} />
          <Form method="post" noValidate className="narrow">
            <SelectField
              label="Kind"
              name="kind"
              options={Object.fromEntries(kinds.map((k) => [k.kind, k.label]))}
              defaultValue={result?.values?.kind ?? ''}
              error={result?.fieldErrors?.kind}
            />
            <Field label="Parent key" name="parentKey" hint="The fideslang key it goes below, such as user.health_and_medical." maxLength={200} defaultValue={result?.values?.parentKey} error={result?.fieldErrors?.parentKey} />
            <Field label="Key" name="key" hint="The parent key, a dot, and your word: user.health_and_medical.allergies." maxLength={200} defaultValue={result?.values?.key} error={result?.fieldErrors?.key} />
            <Field label="Name" name="name" maxLength={120} defaultValue={result?.values?.name} error={result?.fieldErrors?.name} />
            <TextAreaField label="Description" name="description" maxLength={500} defaultValue={result?.values?.description} error={result?.fieldErrors?.description} />
            <button type="submit">Add the key</button>
          </Form>
        </section>
      ) : null}
      {kinds.map((k) => (
        <details key={k.kind} open={k.kind === 'data_subject'}>
          <summary>
            {k.label}s ({k.terms.length})
          </summary>
          <table className="reflow">
            <caption>{k.label}s</caption>
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Name</th>
                <th scope="col">Description</th>
              </tr>
            </thead>
            <tbody>
              {k.terms.map((t) => (
                <tr key={t.key}>
                  <td data-label="Key">
                    <code>{t.key}</code>
                  </td>
                  <td data-label="Name">
                    {t.name}
                    {t.custom ? ' (our own)' : ''}
                    {t.deprecated ? ' (deprecated)' : ''}
                  </td>
                  <td data-label="Description">{t.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ))}
    </>
  );
}
