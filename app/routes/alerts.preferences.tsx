import { json, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { CheckboxField, RadioGroupField } from '~/components/choice-fields';
import { SelectField } from '~/components/field';
import { useOrganisation } from '~/components/site-chrome';
import { loadPreferences, savePreferences } from '~/models/status/alerts.server';
import { listComponents } from '~/models/status/components.server';
import { preferencesFormSchema } from '~/models/status/schemas.server';
import { parseForm, type FormState } from '~/utils/form.server';
import { useTranslation } from '~/utils/i18n-react';
import { LANGUAGE_NAMES, LANGUAGES } from '~/utils/i18n';
import { pageMeta } from '~/utils/meta';
import { PRIVATE_HEADERS } from '~/utils/private-page';
import { loaderAndActionHeaders } from '~/utils/route-headers';
import statusStyles from '~/styles/status.css';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: statusStyles }];
export const meta: MetaFunction = ({ matches }) => [...pageMeta(matches, { title: 'serviceStatus.preferences.pageTitle' }), { name: 'robots', content: 'noindex' }];

/** The one page for both topics, reached from a link in every alert (an HMAC of the subscription, no account). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const token = new URL(request.url).searchParams.get('token') ?? '';
  const prefs = await loadPreferences(context.db, context.config, token);
  if (!prefs) throw new Response('Not found', { status: 404, headers: PRIVATE_HEADERS });
  const components = (await listComponents(context.db)).filter((c) => !c.isGroup).map((c) => ({ id: c.id, name: c.name }));
  return json({ prefs, components }, { headers: PRIVATE_HEADERS });
}

type Result = FormState & { outcome?: 'saved' | 'unsubscribed' };

export async function action({ request, context }: ActionFunctionArgs) {
  const token = new URL(request.url).searchParams.get('token') ?? '';
  // A link that is not one gets the same 404 as the page, before the form is read.
  if (!(await loadPreferences(context.db, context.config, token))) throw new Response('Not found', { status: 404, headers: PRIVATE_HEADERS });
  const form = await parseForm(request, preferencesFormSchema, { headers: PRIVATE_HEADERS });
  if (!form.ok) return form.reply;
  const componentIds = Object.entries(form.fields)
    .filter(([name, value]) => /^component-\d{1,18}$/.test(name) && value === 'yes')
    .map(([name]) => name.slice('component-'.length));
  const outcome = await savePreferences(context.db, context.config, token, {
    registry: form.data.registry === 'yes',
    status: form.data.status === 'yes',
    allComponents: form.data.scope === 'all' || componentIds.length === 0,
    componentIds,
    lang: form.data.lang,
  });
  if (outcome === 'invalid') throw new Response('Not found', { status: 404, headers: PRIVATE_HEADERS });
  return json<Result>({ outcome }, { headers: PRIVATE_HEADERS });
}

export const headers = loaderAndActionHeaders;

export default function AlertPreferences() {
  const { prefs, components } = useLoaderData<typeof loader>();
  const result = useActionData<Result>();
  const { t } = useTranslation();
  const org = useOrganisation();
  if (result?.outcome === 'unsubscribed') {
    return (
      <>
        <h1>{t('serviceStatus.preferences.title')}</h1>
        <p className="notice" role="status">
          {t('serviceStatus.preferences.nothingLeft')}
        </p>
      </>
    );
  }
  const chosen = new Set(prefs.componentIds);
  return (
    <>
      <h1>{t('serviceStatus.preferences.title')}</h1>
      <p>{t('serviceStatus.preferences.lead', { org: org?.name ?? '', email: prefs.email })}</p>
      {result?.outcome === 'saved' ? (
        <p className="notice" role="status">
          {t('serviceStatus.preferences.saved')}
        </p>
      ) : null}
      {result?.formError ? (
        <p className="form-error" role="alert">
          {result.formError}
        </p>
      ) : null}
      <Form method="post">
        <CheckboxField name="registry" label={t('serviceStatus.preferences.registry')} defaultChecked={prefs.registry} />
        <CheckboxField name="status" label={t('serviceStatus.preferences.status')} defaultChecked={prefs.status} />
        <RadioGroupField
          legend={t('serviceStatus.subscribe.scope')}
          name="scope"
          defaultValue={prefs.allComponents ? 'all' : 'chosen'}
          options={[
            { value: 'all', label: t('serviceStatus.subscribe.all') },
            { value: 'chosen', label: t('serviceStatus.subscribe.chosen') },
          ]}
        />
        <fieldset className="component-choices">
          <legend>{t('serviceStatus.subscribe.choose')}</legend>
          {components.map((c) => (
            <div className="field checkbox" key={c.id}>
              <div>
                <input type="checkbox" id={`component-${c.id}`} name={`component-${c.id}`} value="yes" defaultChecked={chosen.has(c.id)} />
                <label htmlFor={`component-${c.id}`}>{c.name}</label>
              </div>
            </div>
          ))}
        </fieldset>
        {prefs.followed.length ? <p>{t('serviceStatus.preferences.followed', { names: prefs.followed.map((f) => f.name).join(', ') })}</p> : null}
        <SelectField
          label={t('serviceStatus.preferences.language')}
          name="lang"
          defaultValue={prefs.lang}
          options={Object.fromEntries(LANGUAGES.map((l) => [l, LANGUAGE_NAMES[l]]))}
          placeholder="Choose…"
          required
        />
        <button type="submit">{t('serviceStatus.preferences.save')}</button>
      </Form>
    </>
  );
}
