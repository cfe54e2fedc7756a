import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { RadioGroupField } from '~/components/choice-fields';
import { Field, FormError, SelectField, TextAreaField } from '~/components/field';
import { toLocalInput } from '~/models/breaches/rules';
import { CHANNEL_LABELS, LOGGED_CHANNELS, RECEIPT_GRACE_DAYS } from '~/models/requests/channels';
import { requestPolicy } from '~/models/requests/policy';
import { logReceivedRequest, parseReceipt, receivedFormSchema, ReceivedRequestError } from '~/models/requests/received.server';
import { requestTypeLabel, REQUEST_TYPE_VALUES, type RequestTypeValue } from '~/models/requests/request-types';
import { requireStaff } from '~/utils/auth.server';
import { badRequest, fieldErrors, type FormState } from '~/utils/form.server';
import { LANGUAGE_NAMES, LANGUAGES } from '~/utils/i18n';
import { readReceivedForm } from '~/routes/staff-received-form.server';

export const meta: MetaFunction = () => [{ title: 'Log a request — Staff console — Privacy Portal' }];

/** What the form echoes on error: everything typed but the file, which the browser cannot be given back. */
const KEEP = ['channel', 'receivedAt', 'receiptReason', 'name', 'email', 'postalAddress', 'lang', 'note', 'inbox', ...REQUEST_TYPE_VALUES.map((t) => `type_${t}`)];

/**
 * The prefill contract with the privacy mailbox (/staff/inbox): `channel`, `received_at` (ISO),
 * `email`, `name`, `note` and `inbox` (the inbox item's id, carried as a hidden field).
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireStaff(request, context);
  const q = new URL(request.url).searchParams;
  const tz = context.config.timeZone;
  const channel = q.get('channel') ?? '';
  const receipt = parseReceipt(q.get('received_at') ?? '', tz);
  const clip = (name: string, max: number) => (q.get(name) ?? '').slice(0, max);
  return json(
    {
      timeZone: tz,
      defaults: {
        channel: (LOGGED_CHANNELS as readonly string[]).includes(channel) ? channel : '',
        receivedAt: toLocalInput(receipt ?? new Date(), tz),
        email: clip('email', 254),
        name: clip('name', 200),
        note: clip('note', 5000),
        inbox: clip('inbox', 64),
        lang: 'en',
      } as Record<string, string>,
    },
    { headers: { 'Cache-Control': 'no-store' } },
  );
}

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, context);
  const form = await readReceivedForm(request);
  if (!form.ok) return badRequest({ formError: form.formError }, { status: form.status, headers: form.headers });
  const types = REQUEST_TYPE_VALUES.filter((t) => form.fields[`type_${t}`] === 'yes');
  const parsed = receivedFormSchema({ timeZone: context.config.timeZone }).safeParse({ ...form.fields, types });
  if (!parsed.success) return badRequest({ fieldErrors: fieldErrors(parsed.error), values: form.fields }, { keep: KEEP });
  const data = parsed.data;
  try {
    const result = await logReceivedRequest(
      context.db,
      {
        channel: data.channel,
        receivedAt: data.receivedAt,
        receiptReason: data.receiptReason,
        types: types as RequestTypeValue[],
        name: data.name,
        email: data.email,
        postalAddress: data.postalAddress,
        lang: data.lang,
        note: data.note,
        original: form.original,
        inboxItemId: data.inbox || null,
      },
      { id: staff.id, ip: context.clientIp },
      { rules: requestPolicy(context.config), exportKey: context.config.secrets.exportKey },
    );
    const first = result.created[0] ?? result.duplicates[0]!;
    const done = result.created.length > 0 ? 'logged' : 'duplicate';
    return redirect(`/staff/requests/${first.id}?done=${done}`);
  } catch (error) {
    if (!(error instanceof ReceivedRequestError)) throw error;
    return badRequest({ formError: error.fieldErrors.inbox, fieldErrors: error.fieldErrors, values: form.fields }, { keep: KEEP });
  }
}

export default function LogRequest() {
  const { defaults, timeZone } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const values = result?.values ?? defaults;
  const errors = result?.fieldErrors ?? {};
  const anyType = REQUEST_TYPE_VALUES.some((t) => values[`type_${t}`] === 'yes');
  return (
    <>
      <p>
        <Link to="/staff/requests">← Requests</Link>
      </p>
      <h1>Log a request received elsewhere</h1>
      <p>
        A request by email, letter, phone or at the counter is as valid as one made on the form. The deadline runs from the receipt
        you give here.
      </p>
      <FormError message={result?.formError ?? (Object.keys(errors).length ? 'Check the fields marked below.' : undefined)} />
      <Form method="post" encType="multipart/form-data" noValidate reloadDocument>
        <input type="hidden" name="inbox" value={values.inbox ?? ''} />
        <RadioGroupField
          legend="How did the request reach you?"
          name="channel"
          options={LOGGED_CHANNELS.map((c) => ({ value: c, label: CHANNEL_LABELS[c] }))}
          defaultValue={values.channel}
          error={errors.channel}
        />
        <Field
          label="Received on"
          name="receivedAt"
          type="datetime-local"
          defaultValue={values.receivedAt}
          error={errors.receivedAt}
          hint={`Date and time of receipt, ${timeZone}. The statutory month counts from this day.`}
        />
        <TextAreaField
          label="Reason for the date of receipt (if needed)"
          name="receiptReason"
          rows={2}
          defaultValue={values.receiptReason}
          error={errors.receiptReason}
          hint={`Needed when the receipt is more than ${RECEIPT_GRACE_DAYS} days back or in the future; it is audited.`}
        />
        <fieldset className="field checkbox-group" aria-invalid={errors.types ? true : undefined} aria-describedby={errors.types ? 'field-types-error' : undefined}>
          <legend>Right or rights asked for</legend>
          {errors.types ? (
            <p className="field-error" id="field-types-error">
              {errors.types}
            </p>
          ) : null}
          {REQUEST_TYPE_VALUES.map((t, i) => (
            <div className="checkbox" key={t}>
              <input
                type="checkbox"
                id={i === 0 ? 'field-types' : `field-type_${t}`}
                name={`type_${t}`}
                value="yes"
                defaultChecked={anyType ? values[`type_${t}`] === 'yes' : false}
              />
              <label htmlFor={i === 0 ? 'field-types' : `field-type_${t}`}>{requestTypeLabel(t)}</label>
            </div>
          ))}
        </fieldset>
        <Field label="Subject’s name" name="name" autoComplete="off" defaultValue={values.name} error={errors.name} />
        <Field
          label="Subject’s email address"
          name="email"
          type="email"
          autoComplete="off"
          defaultValue={values.email}
          error={errors.email}
          hint="They get the private status link there. Leave empty when they can be reached by post only."
        />
        <TextAreaField
          label="Postal address (when there is no email)"
          name="postalAddress"
          rows={4}
          autoComplete="off"
          defaultValue={values.postalAddress}
          error={errors.postalAddress}
          hint="Letters are printed for a subject without email; the queue shows the request as by post."
        />
        <SelectField
          label="Subject’s language"
          name="lang"
          options={Object.fromEntries(LANGUAGES.map((l) => [l, LANGUAGE_NAMES[l]]))}
          defaultValue={values.lang ?? 'en'}
          error={errors.lang}
        />
        <Field
          label="The request as received"
          name="original"
          type="file"
          accept=".eml,.msg,message/rfc822,application/pdf,image/png,image/jpeg"
          error={errors.original}
          hint="The original email (.eml or .msg) or a scan (PDF, PNG, JPEG), 10 MB at most. Stored encrypted."
        />
        <TextAreaField
          label="Note: the words of the request"
          name="note"
          rows={5}
          defaultValue={values.note}
          error={errors.note}
          hint="For a phone call or a visit, write down what the person asked for. Needed when nothing is attached."
        />
        <button type="submit">Log the request</button>
      </Form>
    </>
  );
}
