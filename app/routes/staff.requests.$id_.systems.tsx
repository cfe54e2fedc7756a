import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { FormError, Notice, SelectField, TextAreaField } from '~/components/field';
import { isClosed } from '~/models/requests/lifecycle';
import { getRequestById } from '~/models/requests/requests.server';
import { OUTCOME_LABELS, recordSystemAnswer, SystemAnswerError, systemsForRequest } from '~/models/systems/answers.server';
import { requireStaff } from '~/utils/auth.server';
import { badRequest, parseForm, type FormState } from '~/utils/form.server';
import { dateTimeFormat } from '~/utils/intl';
import { invariantResponse } from '~/utils/invariant';
import { hasControlCharacters, STAFF_CONTROL_ERROR } from '~/utils/text';

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Systems for ${data?.reference ?? 'request'} — Staff console — Privacy Portal` }];

const answerSchema = z.object({
  systemId: z.string().regex(/^[0-9a-f-]{36}$/i, 'Choose one of the systems listed'),
  outcome: z.enum(['data', 'no_data', 'erased', 'refused'], { error: 'Choose the system’s answer' }),
  note: z
    .string()
    .trim()
    .max(2000, 'At most 2,000 characters')
    .refine((v) => !hasControlCharacters(v), STAFF_CONTROL_ERROR)
    .default(''),
});
const KEEP = ['systemId', 'outcome', 'note'];

/**
 * Each system's answer to one request. Systems are reached by staff until delivery to them is
 * connected: staff record what each answered, and the access summary lists the purposes of the
 * systems that hold data about the person (a "no data" answer keeps a system out of it).
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requireStaff(request, context);
  const id = params.id ?? '';
  invariantResponse(/^\d{1,18}$/.test(id), 'Not found', { status: 404 });
  const found = await getRequestById(context.db, id);
  invariantResponse(found, 'Not found', { status: 404 });
  return json({
    id,
    reference: found.reference,
    type: found.type,
    closed: isClosed(found.state),
    systems: await systemsForRequest(context.db, id, found.type),
    done: new URL(request.url).searchParams.get('done'),
    timeZone: context.config.timeZone,
  });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, context);
  const id = params.id ?? '';
  invariantResponse(/^\d{1,18}$/.test(id), 'Not found', { status: 404 });
  const form = await parseForm(request, answerSchema, { keep: KEEP, formError: 'The answer could not be recorded.' });
  if (!form.ok) return form.reply;
  try {
    await recordSystemAnswer(context.db, { requestId: id, ...form.data }, { id: staff.id, ip: context.clientIp, email: staff.email });
  } catch (error) {
    if (error instanceof SystemAnswerError) return badRequest({ formError: error.message, values: form.fields }, { keep: KEEP, status: 409 });
    throw error;
  }
  return redirect(`/staff/requests/${id}/systems?done=answered`);
}

export default function RequestSystems() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const when = (iso: string) => dateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: data.timeZone }).format(new Date(iso));
  const open = data.systems.filter((s) => s.state !== 'answered');
  return (
    <>
      <p>
        <Link to={`/staff/requests/${data.id}`}>← Request {data.reference}</Link>
      </p>
      <h1>Systems for request {data.reference}</h1>
      {data.done === 'answered' ? <Notice>The system’s answer was recorded.</Notice> : null}
      <p>
        What each of the organisation’s <Link to="/staff/systems">systems</Link> answered for this request. The access summary lists the purposes, legal bases,
        categories, recipients and retention of each system that holds data about the person; a system that answered “no data” is left out.
      </p>
      {data.systems.length === 0 ? <p>No system is registered yet besides this portal.</p> : null}
      {data.systems.length > 0 ? (
        <table className="reflow">
          <caption>Systems and their answers</caption>
          <thead>
            <tr>
              <th scope="col">System</th>
              <th scope="col">Takes this request type</th>
              <th scope="col">Answer</th>
              <th scope="col">Recorded</th>
            </tr>
          </thead>
          <tbody>
            {data.systems.map((s) => (
              <tr key={s.id}>
                <th scope="row" data-label="System">
                  <Link to={`/staff/systems/${s.id}`}>{s.name}</Link>
                </th>
                <td data-label="Takes this request type">{s.takes ? 'Yes' : 'No'}</td>
                <td data-label="Answer">
                  {s.outcome ? OUTCOME_LABELS[s.outcome] : 'No answer yet'}
                  {s.note ? <span className="prewrap">. {s.note}</span> : null}
                </td>
                <td data-label="Recorded">{s.answeredAt ? `${when(s.answeredAt)} by ${s.answeredBy ?? 'staff'}` : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {!data.closed && open.length > 0 ? (
        <section aria-labelledby="record-answer">
          <h2 id="record-answer">Record a system’s answer</h2>
          <FormError message={result?.formError} />
          <Form method="post" noValidate className="narrow">
            <SelectField
              label="System"
              name="systemId"
              options={Object.fromEntries(open.map((s) => [s.id, s.name]))}
              defaultValue={result?.values?.systemId ?? ''}
              error={result?.fieldErrors?.systemId}
            />
            <SelectField label="Its answer" name="outcome" options={OUTCOME_LABELS} defaultValue={result?.values?.outcome ?? ''} error={result?.fieldErrors?.outcome} />
            <TextAreaField label="Note (how it answered; required for a refusal)" name="note" maxLength={2000} defaultValue={result?.values?.note} error={result?.fieldErrors?.note} />
            <button type="submit">Record the answer</button>
          </Form>
        </section>
      ) : null}
      {data.closed ? <p>The request is closed: its systems’ answers are final.</p> : null}
    </>
  );
}
