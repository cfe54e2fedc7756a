import { json, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { Field } from '~/components/field';
import { RadioGroupField } from '~/components/choice-fields';
import { listComponents } from '~/models/status/components.server';
import { subscribeAction, type SubscribeResult } from '~/routes/status-subscribe.server';
import { useTranslation } from '~/utils/i18n-react';
import { translateError } from '~/utils/i18n';
import { pageMeta } from '~/utils/meta';
import { loaderAndActionHeaders } from '~/utils/route-headers';
import statusStyles from '~/styles/status.css';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: statusStyles }];
export const meta: MetaFunction = ({ matches }) => pageMeta(matches, { title: 'serviceStatus.subscribe.title', description: 'serviceStatus.metaDescription' });

export async function loader({ context }: LoaderFunctionArgs) {
  const rows = await listComponents(context.db);
  const groups = new Map(rows.filter((r) => r.isGroup).map((g) => [g.id, g.name]));
  return json({
    components: rows.filter((r) => !r.isGroup).map((c) => ({ id: c.id, name: c.name, group: c.groupId ? (groups.get(c.groupId) ?? null) : null })),
  });
}

const KEEP = ['email', 'scope'];

export async function action(args: ActionFunctionArgs) {
  return subscribeAction(
    args,
    (fields) => {
      if (fields.scope !== 'chosen') return { all: true };
      const componentIds = Object.entries(fields)
        .filter(([name, value]) => /^component-\d{1,18}$/.test(name) && value === 'yes')
        .map(([name]) => name.slice('component-'.length));
      return componentIds.length ? { componentIds } : { error: 'serviceStatus.subscribe.noComponents', field: 'components' };
    },
    KEEP,
  );
}

export const headers = loaderAndActionHeaders;
export const handle = { scripts: false };

export default function SubscribeToStatus() {
  const { components } = useLoaderData<typeof loader>();
  const result = useActionData<SubscribeResult>();
  const { t } = useTranslation();
  const emailError = result?.fieldErrors?.email ?? (result?.formError === 'errors.tooMany' ? undefined : result?.formError);
  const componentsError = result?.fieldErrors?.components;
  return (
    <>
      <h1>{t('serviceStatus.subscribe.title')}</h1>
      {result?.sent ? (
        <p className="notice" role="status">
          {t('serviceStatus.subscribe.sent', { email: result.values?.email })}
        </p>
      ) : (
        <>
          <p className="lead">{t('serviceStatus.subscribe.lead')}</p>
          {result?.formError === 'errors.tooMany' ? (
            <p className="form-error" role="alert">
              {t('errors.tooMany', { count: result.retryMinutes ?? 1 })}
            </p>
          ) : null}
          <Form method="post">
            <Field label={t('registry.email')} name="email" type="email" autoComplete="email" required defaultValue={result?.values?.email} error={translateError(t, emailError)} />
            <RadioGroupField
              legend={t('serviceStatus.subscribe.scope')}
              name="scope"
              defaultValue={result?.values?.scope ?? 'all'}
              options={[
                { value: 'all', label: t('serviceStatus.subscribe.all') },
                { value: 'chosen', label: t('serviceStatus.subscribe.chosen') },
              ]}
            />
            <fieldset className="component-choices" aria-describedby={componentsError ? 'components-error' : undefined} aria-invalid={componentsError ? true : undefined}>
              <legend>{t('serviceStatus.subscribe.choose')}</legend>
              {componentsError ? (
                <p className="field-error" id="components-error">
                  {translateError(t, componentsError)}
                </p>
              ) : null}
              {components.map((c) => (
                <div className="field checkbox" key={c.id}>
                  <div>
                    <input type="checkbox" id={`component-${c.id}`} name={`component-${c.id}`} value="yes" />
                    <label htmlFor={`component-${c.id}`}>{c.group ? `${c.group}: ${c.name}` : c.name}</label>
                  </div>
                </div>
              ))}
            </fieldset>
            <button type="submit">{t('serviceStatus.subscribe.submit')}</button>
          </Form>
        </>
      )}
      <p>
        <Link to="/service-status">{t('serviceStatus.subscribe.back')}</Link>
      </p>
    </>
  );
}
