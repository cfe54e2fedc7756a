import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { CheckboxField } from '~/components/choice-fields';
import { FormError, Notice, SelectField, TextAreaField } from '~/components/field';
import { getIdentityCheckPage, identityCheckSchema, IDENTITY_CHECK_METHODS, recordIdentityCheck } from '~/models/requests/identity.server';
import { isClosed, STATE_LABELS } from '~/models/requests/lifecycle';
import { requestTypeLabel } from '~/models/requests/request-types';
import { RequestConflictError, StaleFormError } from '~/models/requests/staff.server';
import { levelStatus } from '~/models/requests/verification-levels.server';
import { LEVEL_LABELS } from '~/models/requests/verification-levels';
import { requestPolicy } from '~/models/requests/policy';
import { requireStaff } from '~/utils/auth.server';
import { badRequest, parseForm, type FormState } from '~/utils/form.server';
import { dateTimeFormat } from '~/utils/intl';
import { invariantResponse } from '~/utils/invariant';

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `Identity check for ${data?.request.reference ?? 'request'} — Staff console — Privacy Portal` },
];

/**
 * A manual identity check (issue 21.4): staff record who checked (themselves), when (now), how
 * (a method from the list) and a note. The documents shown for the check are deleted as it is
 * recorded: only the fact of the check stays. The request then reaches the `manual` level.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, context);
  const found = await getIdentityCheckPage(context.db, { id: staff.id, ip: context.clientIp }, params.id ?? '');
  invariantResponse(found, 'Not found', { status: 404 });
  const r = found.request;
  const level = await levelStatus(context.db, r, requestPolicy(context.config));
  return json({
    request: { id: String(r.id), reference: r.reference, type: r.type, state: r.state, name: r.name, email: r.email },
    open: !isClosed(r.state),
    needed: LEVEL_LABELS[level.needed],
    reached: level.reached ? LEVEL_LABELS[level.reached] : null,
    documents: found.documents.map((d) => ({ id: String(d.id), filename: d.filename, size: d.size })),
    checks: found.checks.map((c) => ({ id: String(c.id), purpose: c.purpose, method: c.method, at: new Date(c.checked_at).toISOString(), by: c.checker_email, documentsDeleted: c.documents_deleted })),
    version: found.version,
    done: new URL(request.url).searchParams.get('done') === '1',
    timeZone: context.config.timeZone,
  });
}

const KEEP = ['method', 'note'];

export async function action({ request, params, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, context);
  const id = params.id ?? '';
  invariantResponse(/^\d{1,18}$/.test(id), 'Not found', { status: 404 });
  const form = await parseForm(request, identityCheckSchema, { keep: KEEP });
  if (!form.ok) return form.reply;
  // One checkbox per file: `document-<id>` = yes.
  const documentIds = Object.entries(form.fields)
    .filter(([key, value]) => value === 'yes' && key.startsWith('document-'))
    .map(([key]) => key.slice('document-'.length));
  try {
    await recordIdentityCheck(
      context.db,
      { requestId: id, version: form.data.version, method: form.data.method, note: form.data.note, documentIds },
      { id: staff.id, ip: context.clientIp },
    );
  } catch (error) {
    if (error instanceof StaleFormError || error instanceof RequestConflictError) {
      return badRequest({ formError: error.message, values: form.fields }, { keep: KEEP, status: 409 });
    }
    throw error;
  }
  return redirect(`/staff/requests/${id}/identity?done=1`);
}

export default function StaffRequestIdentity() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const { request: r, timeZone } = data;
  const when = (iso: string) => dateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(iso));
  return (
    <>
      <p>
        <Link to={`/staff/requests/${r.id}`}>← {r.reference}</Link>
      </p>
      <h1>
        Identity check for {r.reference}: {requestTypeLabel(r.type)}
      </h1>
      {data.done ? <Notice>Identity check recorded; the documents shown for it were deleted.</Notice> : null}
      <FormError message={result?.formError} />
      <dl className="request-facts">
        <dt>Subject</dt>
        <dd>
          {r.name} &lt;{r.email}&gt;
        </dd>
        <dt>State</dt>
        <dd>{STATE_LABELS[r.state]}</dd>
        <dt>Level needed</dt>
        <dd>{data.needed}</dd>
        <dt>Level reached</dt>
        <dd>{data.reached ?? 'None yet'}</dd>
      </dl>
      {data.checks.length > 0 ? (
        <>
          <h2>Checks recorded</h2>
          <ul>
            {data.checks.map((c) => (
              <li key={c.id}>
                {c.purpose === 'authority' ? 'Authority' : 'Identity'}: {(IDENTITY_CHECK_METHODS as Record<string, string>)[c.method] ?? c.method.replace(/_/g, ' ')}, {when(c.at)} ({timeZone}) by{' '}
                {c.by ?? 'a former staff member'}
                {c.documentsDeleted ? `; ${c.documentsDeleted} document(s) deleted` : ''}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {data.open ? (
        <Form method="post" noValidate>
          <h2>Record a manual identity check</h2>
          <p className="hint">
            Check no more than you need to know who asks. Do not copy numbers from a document into the note: say what you checked. Any file
            you tick below is deleted when you record the check; only the fact of the check stays.
          </p>
          <input type="hidden" name="version" value={data.version} />
          <SelectField
            label="How you checked"
            name="method"
            options={IDENTITY_CHECK_METHODS}
            defaultValue={result?.values?.method}
            error={result?.fieldErrors?.method}
          />
          <TextAreaField
            label="Note"
            name="note"
            hint="For example: “Passport seen on a video call on 3 March; name and date of birth match the account.”"
            required
            defaultValue={result?.values?.note}
            error={result?.fieldErrors?.note}
          />
          {data.documents.length > 0 ? (
            <fieldset>
              <legend>Documents shown for this check (deleted when you record it)</legend>
              {data.documents.map((d) => (
                <CheckboxField key={d.id} name={`document-${d.id}`} label={`${d.filename} (${Math.max(1, Math.round(d.size / 1024))} KB)`} />
              ))}
            </fieldset>
          ) : null}
          <CheckboxField name="checked" label="I checked this person’s identity as described" error={result?.fieldErrors?.checked} />
          <button type="submit">Record the check</button>
        </Form>
      ) : (
        <p>The request is closed: no check can be recorded.</p>
      )}
    </>
  );
}
