import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { CheckboxField } from '~/components/choice-fields';
import { Field, FormError, Notice, SelectField } from '~/components/field';
import { AUTHORITY_DOCUMENT_KINDS, authoritySummary, actsForAnotherPerson } from '~/models/requests/authority';
import { attestAuthority, authorityActionSchema, getAuthorityForStaff, resendSubjectConfirmation } from '~/models/requests/authority.server';
import { isClosed, STATE_LABELS } from '~/models/requests/lifecycle';
import { requestPolicy } from '~/models/requests/policy';
import { requestTypeLabel } from '~/models/requests/request-types';
import { RequestConflictError, StaleFormError } from '~/models/requests/staff.server';
import { requireStaff } from '~/utils/auth.server';
import { badRequest, parseForm, type FormState } from '~/utils/form.server';
import { dateTimeFormat } from '~/utils/intl';
import { invariantResponse } from '~/utils/invariant';

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `Authority for ${data?.request.reference ?? 'request'} — Staff console — Privacy Portal` },
];

/**
 * A representative's request (issue 24.1): who filed it, whom it is about, whether that person
 * confirmed, and the staff record of the authority check. Until one of those exists the request
 * reaches nothing of the subject's (the package holds what the agent gave; erasure is refused).
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, context);
  const found = await getAuthorityForStaff(context.db, { id: staff.id, ip: context.clientIp }, params.id ?? '');
  invariantResponse(found && actsForAnotherPerson(found.request), 'Not found', { status: 404 });
  const r = found.request;
  return json({
    request: {
      id: String(r.id),
      reference: r.reference,
      type: r.type,
      state: r.state,
      agentName: r.name,
      agentEmail: r.email,
      relationship: r.agent_relationship,
      subjectName: r.subject_name,
      subjectEmail: r.subject_email,
    },
    open: !isClosed(r.state),
    authority: authoritySummary(r),
    checkerEmail: found.checkerEmail,
    documents: found.documents.map((d) => ({ id: String(d.id), filename: d.filename, type: d.content_type, size: d.size })),
    version: found.version,
    done: new URL(request.url).searchParams.get('done'),
    timeZone: context.config.timeZone,
  });
}

const KEEP = ['documentKind', 'document'];

export async function action({ request, params, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, context);
  const id = params.id ?? '';
  invariantResponse(/^\d{1,18}$/.test(id), 'Not found', { status: 404 });
  const form = await parseForm(request, authorityActionSchema, { keep: KEEP });
  if (!form.ok) return form.reply;
  const actor = { id: staff.id, ip: context.clientIp };
  try {
    if (form.data.intent === 'attest') {
      await attestAuthority(context.db, { requestId: id, version: form.data.version, documentKind: form.data.documentKind, document: form.data.document }, actor);
    } else {
      await resendSubjectConfirmation(context.db, { requestId: id }, actor, { rules: requestPolicy(context.config) });
    }
  } catch (error) {
    if (error instanceof StaleFormError || error instanceof RequestConflictError) {
      return badRequest({ formError: error.message, values: form.fields }, { keep: KEEP, status: 409 });
    }
    throw error;
  }
  return redirect(`/staff/requests/${id}/authority?done=${form.data.intent}`);
}

const DONE: Record<string, string> = {
  attest: 'Authority check recorded and the authorisation document deleted: the request may now reach the subject’s data.',
  resend: 'A new confirmation link was emailed to the subject.',
};

export default function StaffRequestAuthority() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const { request: r, authority: a, timeZone } = data;
  const when = (iso: string) => dateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(iso));
  if (!a.forAnotherPerson) return null;
  return (
    <>
      <p>
        <Link to={`/staff/requests/${r.id}`}>← {r.reference}</Link>
      </p>
      <h1>
        Authority for {r.reference}: {requestTypeLabel(r.type)}
      </h1>
      {data.done && DONE[data.done] ? <Notice>{DONE[data.done]}</Notice> : null}
      <FormError message={result?.formError} />
      <dl className="request-facts">
        <dt>Filed by (representative)</dt>
        <dd>
          {r.agentName} &lt;{r.agentEmail}&gt;, {r.relationship?.replace(/_/g, ' ') ?? 'other'}: only this address was confirmed by the person filing
        </dd>
        <dt>About (the subject)</dt>
        <dd>
          {r.subjectName} &lt;{r.subjectEmail}&gt;
        </dd>
        <dt>Subject&apos;s confirmation</dt>
        <dd>
          {a.subjectConfirmed
            ? `Confirmed by the subject ${when(a.subjectConfirmed.at)} (${timeZone}), ${a.subjectConfirmed.via === 'account' ? 'signed in to their own account' : 'through the link sent to their address'}`
            : 'Not confirmed by the subject'}
        </dd>
        <dt>Authority check</dt>
        <dd>
          {a.attestation
            ? `${a.attestation.kindLabel}: ${a.attestation.document ?? '(description erased)'}, recorded ${when(a.attestation.at)} (${timeZone}) by ${data.checkerEmail ?? 'a former staff member'}`
            : 'Not recorded'}
        </dd>
        <dt>State</dt>
        <dd>{STATE_LABELS[r.state]}</dd>
      </dl>
      <p className={a.established ? 'notice' : 'notice warning'} role="note">
        {a.established
          ? 'The request may reach the subject’s data: the package holds everything the portal holds on them, and an erasure erases them.'
          : 'Until the subject confirms or you record the authority check, the package holds only what the representative gave, and erasure is refused.'}
      </p>

      <h2>Documents the representative sent</h2>
      {data.documents.length === 0 ? (
        <p>None.</p>
      ) : (
        <ul>
          {data.documents.map((d) => (
            <li key={d.id}>
              <a href={`/staff/requests/${r.id}/attachments/${d.id}`}>{d.filename}</a> ({Math.max(1, Math.round(d.size / 1024))} KB)
            </li>
          ))}
        </ul>
      )}

      {data.open && !a.attestation ? (
        <Form method="post" noValidate>
          <h2>Record the authority check</h2>
          <p className="hint">
            Check the document against the subject&apos;s name and address and the representative&apos;s identity. Record it only when it gives the
            representative authority for this request. The authorisation the representative sent with the form is deleted when you record the
            check: only the fact of the check (the kind of document, who, when) stays.
          </p>
          <input type="hidden" name="intent" value="attest" />
          <input type="hidden" name="version" value={data.version} />
          <SelectField
            label="Kind of document"
            name="documentKind"
            options={AUTHORITY_DOCUMENT_KINDS}
            defaultValue={result?.values?.documentKind}
            error={result?.fieldErrors?.documentKind}
          />
          <Field
            label="The document you checked"
            name="document"
            hint="What it is, its date and who signed it, e.g. “Power of attorney of 3 March 2026 signed by the subject, mandate.pdf”."
            maxLength={300}
            required
            defaultValue={result?.values?.document}
            error={result?.fieldErrors?.document}
          />
          <CheckboxField name="checked" label="I checked this document and it authorises the representative to make this request" error={result?.fieldErrors?.checked} />
          <button type="submit">Record the check</button>
        </Form>
      ) : null}

      {data.open && !a.subjectConfirmed ? (
        <Form method="post">
          <h2>Ask the subject again</h2>
          <p>Emails a new confirmation link to {r.subjectEmail}; their earlier link keeps working until it expires.</p>
          <input type="hidden" name="intent" value="resend" />
          <button type="submit">Email the subject a new link</button>
        </Form>
      ) : null}
    </>
  );
}
