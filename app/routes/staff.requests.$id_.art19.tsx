import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { Field, FormError, Notice } from '~/components/field';
import { listNotices, noticeActionSchema, recordNoticeAction } from '~/models/requests/art19-notices.server';
import { getRequestById } from '~/models/requests/requests.server';
import { RequestConflictError } from '~/models/requests/transitions.server';
import { requireStaff } from '~/utils/auth.server';
import { badRequest, parseForm, type FormState } from '~/utils/form.server';
import { dateTimeFormat } from '~/utils/intl';
import { invariantResponse } from '~/utils/invariant';

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `Art. 19 notices for ${data?.reference ?? 'request'} — Staff console — Privacy Portal` },
];

/**
 * Art. 19 after an erasure (issue 18.4): every recipient of personal data, whether it was mailed
 * or has to be notified by hand, and the forms to record a by-hand notification and a
 * recipient's confirmation. Each record is audited and stays with the proof record.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requireStaff(request, context);
  const id = params.id ?? '';
  invariantResponse(/^\d{1,18}$/.test(id), 'Not found', { status: 404 });
  const found = await getRequestById(context.db, id);
  invariantResponse(found && found.type === 'erasure', 'Not found', { status: 404 });
  return json({
    id,
    reference: found.reference,
    notices: await listNotices(context.db, id),
    done: new URL(request.url).searchParams.get('done'),
    timeZone: context.config.timeZone,
  });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, context);
  const id = params.id ?? '';
  invariantResponse(/^\d{1,18}$/.test(id), 'Not found', { status: 404 });
  const form = await parseForm(request, noticeActionSchema, { keep: ['how', 'noticeId'] });
  if (!form.ok) return form.reply;
  try {
    await recordNoticeAction(context.db, { requestId: id, action: form.data }, { id: staff.id, ip: context.clientIp });
  } catch (error) {
    if (error instanceof RequestConflictError) return badRequest({ formError: error.message, values: form.fields }, { keep: ['how', 'noticeId'], status: 409 });
    throw error;
  }
  return redirect(`/staff/requests/${id}/art19?done=${form.data.intent}`);
}

const DONE: Record<string, string> = { notified: 'Notification by hand recorded.', confirmed: 'Confirmation recorded.' };

export default function StaffRequestArt19() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const when = (iso: string) => `${dateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: data.timeZone }).format(new Date(iso))} (${data.timeZone})`;
  return (
    <>
      <p>
        <Link to={`/staff/requests/${data.id}`}>← {data.reference}</Link>
      </p>
      <h1>Art. 19 notices for {data.reference}</h1>
      {data.done && DONE[data.done] ? <Notice>{DONE[data.done]}</Notice> : null}
      <FormError message={result?.formError} />
      {data.notices.length === 0 ? <p>No notices: the request has not been erased, or no subprocessor was marked as receiving personal data.</p> : null}
      {data.notices.map((n) => (
        <section key={n.id} aria-labelledby={`notice-${n.id}`} className="art19-notice">
          <h2 id={`notice-${n.id}`}>{n.recipient}</h2>
          <dl className="request-facts">
            <dt>Notified</dt>
            <dd>
              {n.method === 'email'
                ? `By email to ${n.contactEmail}, ${n.notifiedAt ? when(n.notifiedAt) : ''}`
                : n.notifiedAt
                  ? `By hand: ${n.notifiedHow}, ${when(n.notifiedAt)}, recorded by ${n.notifiedBy ?? 'a former staff member'}`
                  : 'No contact: notify by hand, then record it below.'}
            </dd>
            <dt>Erasure confirmed by the recipient</dt>
            <dd>{n.confirmedAt ? `${when(n.confirmedAt)}, recorded by ${n.confirmedBy ?? 'a former staff member'}` : 'Not yet'}</dd>
          </dl>
          {n.method === 'by_hand' && !n.notifiedAt ? (
            <Form method="post" noValidate>
              <input type="hidden" name="intent" value="notified" />
              <input type="hidden" name="noticeId" value={n.id} />
              <Field
                label={`How you notified ${n.recipient}`}
                name="how"
                maxLength={200}
                required
                defaultValue={result?.values?.noticeId === n.id ? result.values.how : undefined}
                error={result?.values?.noticeId === n.id ? result.fieldErrors?.how : undefined}
              />
              <button type="submit">Record the notification</button>
            </Form>
          ) : null}
          {n.notifiedAt && !n.confirmedAt ? (
            <Form method="post">
              <input type="hidden" name="intent" value="confirmed" />
              <input type="hidden" name="noticeId" value={n.id} />
              <button type="submit">{`Record that ${n.recipient} confirmed the erasure`}</button>
            </Form>
          ) : null}
        </section>
      ))}
    </>
  );
}
