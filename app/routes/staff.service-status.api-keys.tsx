import { json, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { CheckboxField } from '~/components/choice-fields';
import { Field, FormError, Notice } from '~/components/field';
import { loadPageState, StatusRuleError } from '~/models/status/components.server';
import { issueApiToken, listApiTokens, revokeApiToken } from '~/models/status/tokens.server';
import { TOKEN_SCOPES, type TokenScope } from '~/models/status/rules';
import { tokenFormSchema } from '~/models/status/schemas.server';
import { staffComponents, staffWhen } from '~/routes/staff-status.server';
import { requireAdmin } from '~/utils/auth.server';
import { addDays, todayIn } from '~/utils/calendar';
import { badRequest, readForm, refuseForm, validateFields, type FormState } from '~/utils/form.server';
import { loaderAndActionHeaders } from '~/utils/route-headers';
import statusStyles from '~/styles/status.css';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: statusStyles }];
export const meta: MetaFunction = () => [{ title: 'Monitor API keys — Privacy Portal' }];

const SCOPE_WORDS: Record<TokenScope, string> = { components: 'Set component statuses (monitors, Uptime Kuma)', incidents: 'Open and update incidents' };

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const { timeZone, publicUrl } = context.config;
  const now = new Date();
  const [tokens, { components }, page] = await Promise.all([listApiTokens(context.db), staffComponents(context.db), loadPageState(context.db)]);
  const names = new Map(components.map((c) => [c.id, c.name]));
  return json({
    pageId: page.pageId,
    publicUrl,
    defaultExpiry: addDays(todayIn(timeZone), 365),
    components,
    tokens: tokens.map((t) => ({
      id: t.id,
      name: t.name,
      scopes: t.scopes.join(', '),
      components: t.componentIds ? t.componentIds.map((id) => names.get(id) ?? id).join(', ') : 'All',
      expires: staffWhen(t.expiresAt, timeZone),
      lastUsed: t.lastUsedAt ? staffWhen(t.lastUsedAt, timeZone) : 'Never',
      state: t.revokedAt ? 'Revoked' : t.expiresAt <= now ? 'Expired' : 'Active',
    })),
  });
}

// The page that shows a new key must not be stored by a browser or proxy: keep the action's no-store.
export const headers = loaderAndActionHeaders;

type Result = FormState & { issued?: { name: string; token: string }; revoked?: boolean };

export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const form = await readForm(request);
  if (!form.ok) return refuseForm(form, { 'Cache-Control': 'no-store' });
  const actor = { id: admin.id, ip: context.clientIp };
  if (form.fields.intent === 'revoke') {
    const id = /^\d{1,18}$/.test(form.fields.tokenId ?? '') ? form.fields.tokenId! : '';
    const revoked = id ? await revokeApiToken(context.db, id, actor) : false;
    if (!revoked) return badRequest({ formError: 'That key does not exist or is already revoked.' });
    return json<Result>({ revoked: true });
  }
  const keep = ['name', 'expiresOn', ...TOKEN_SCOPES.map((s) => `scope-${s}`), ...Object.keys(form.fields).filter((k) => k.startsWith('component-'))];
  const parsed = validateFields(tokenFormSchema(context.config.timeZone), form.fields, { keep });
  if (!parsed.ok) return parsed.reply;
  const scopes = TOKEN_SCOPES.filter((s) => form.fields[`scope-${s}`] === 'yes');
  const componentIds = Object.entries(form.fields)
    .filter(([name, value]) => /^component-\d{1,18}$/.test(name) && value === 'yes')
    .map(([name]) => name.slice('component-'.length));
  try {
    const { token } = await issueApiToken(context.db, { name: parsed.data.name, scopes, componentIds: componentIds.length ? componentIds : null, expiresAt: parsed.data.expiresOn }, actor);
    // Shown once, in this answer only: never stored, logged or sent again.
    return json<Result>({ issued: { name: parsed.data.name, token } }, { headers: { 'Cache-Control': 'no-store' } });
  } catch (error) {
    if (!(error instanceof StatusRuleError)) throw error;
    return badRequest({ fieldErrors: { [error.field]: error.message }, values: form.fields }, { keep });
  }
}

export default function ApiKeys() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<Result>();
  const values = result?.values ?? {};
  const errors = result?.fieldErrors ?? {};
  const base = `${d.publicUrl}/api/v1`;
  return (
    <>
      <p>
        <Link to="/staff/service-status">← Service status</Link>
      </p>
      <h1>Monitor API keys</h1>
      <p>
        External monitors report here, from outside: the portal cannot see its own outage. Keys are shown once, stored only as a hash, and stop working when they expire or are
        revoked.
      </p>
      <ul className="api-help">
        <li>
          Statuspage-style: <code>PATCH {base}/pages/{d.pageId}/components/&lt;id&gt;</code> with <code>{'{"component": {"status": "major_outage"}}'}</code>
        </li>
        <li>
          Incidents: <code>POST {base}/pages/{d.pageId}/incidents</code>, <code>PATCH {base}/pages/{d.pageId}/incidents/&lt;id&gt;</code>
        </li>
        <li>
          Uptime Kuma webhook: <code>{base}/uptime-kuma/&lt;component id&gt;</code>, header <code>Authorization: Bearer &lt;key&gt;</code>
        </li>
      </ul>
      {result?.issued ? (
        <section className="panel" aria-labelledby="issued">
          <h2 id="issued">Key “{result.issued.name}” issued</h2>
          <p>Copy it now: it is not shown again.</p>
          <p className="token-once">{result.issued.token}</p>
        </section>
      ) : null}
      {result?.revoked ? <Notice>The key is revoked.</Notice> : null}
      <FormError message={result?.formError} />
      <h2>Issue a key</h2>
      <Form method="post">
        <input type="hidden" name="intent" value="issue" />
        <Field label="Name" name="name" required defaultValue={values.name} error={errors.name} hint="Which monitor uses it, e.g. “Uptime Kuma at the office”." />
        <fieldset className="component-choices" aria-describedby={errors.scopes ? 'scopes-error' : undefined}>
          <legend>May</legend>
          {errors.scopes ? (
            <p className="field-error" id="scopes-error">
              {errors.scopes}
            </p>
          ) : null}
          {TOKEN_SCOPES.map((s) => (
            <CheckboxField key={s} name={`scope-${s}`} label={SCOPE_WORDS[s]} defaultChecked={result ? values[`scope-${s}`] === 'yes' : s === 'components'} />
          ))}
        </fieldset>
        <fieldset className="component-choices" aria-describedby={errors.components ? 'components-error' : undefined}>
          <legend>Only these components (none ticked: all)</legend>
          {errors.components ? (
            <p className="field-error" id="components-error">
              {errors.components}
            </p>
          ) : null}
          {d.components.map((c) => (
            <CheckboxField key={c.id} name={`component-${c.id}`} label={`${c.group ? `${c.group}: ` : ''}${c.name} (id ${c.id})`} defaultChecked={values[`component-${c.id}`] === 'yes'} />
          ))}
        </fieldset>
        <Field label="Expires on" name="expiresOn" type="date" required defaultValue={values.expiresOn ?? d.defaultExpiry} error={errors.expiresOn} />
        <button type="submit">Issue the key</button>
      </Form>
      <h2>Keys</h2>
      {d.tokens.length === 0 ? (
        <p>No keys yet.</p>
      ) : (
        <table className="reflow">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">May</th>
              <th scope="col">Components</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {d.tokens.map((t) => (
              <tr key={t.id}>
                <th scope="row">{t.name}</th>
                <td data-label="May">{t.scopes}</td>
                <td data-label="Components">{t.components}</td>
                <td data-label="Expires">{t.expires}</td>
                <td data-label="Last used">{t.lastUsed}</td>
                <td data-label="State">
                  {t.state}
                  {t.state === 'Active' ? (
                    <Form method="post" className="inline-form">
                      <input type="hidden" name="intent" value="revoke" />
                      <input type="hidden" name="tokenId" value={t.id} />{' '}
                      <button type="submit" className="danger" aria-label={`Revoke ${t.name}`}>
                        Revoke
                      </button>
                    </Form>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
