import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { Field, FormError, TextAreaField } from '~/components/field';
import { recordAudit } from '~/models/audit.server';
import { formatInstant } from '~/models/breaches/rules';
import { attachInboxItemToRequest, dismissInboxItem, InboxConflictError, InboxNotFoundError, requestPrefillUrl, viewInboxItem } from '~/models/inbox/inbox.server';
import { requireStaff } from '~/utils/auth.server';
import { badRequest, NUL_ERROR, readForm, refuseForm, type FormState } from '~/utils/form.server';
import { useTranslation } from '~/utils/i18n-react';

export const meta: MetaFunction = () => [{ title: 'Message — Privacy mailbox — Privacy Portal' }];

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const REFERENCE = /^[A-Z]{2,5}-\d{4}-\d{3,9}$/;

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireStaff(request, context);
  if (!ID.test(params.id ?? '')) throw new Response('Not found', { status: 404 });
  const item = await viewInboxItem(context.db, params.id!, { id: user.id, ip: context.clientIp });
  if (!item) throw new Response('Not found', { status: 404 });
  const tz = context.config.timeZone;
  return json({
    item: {
      id: item.id,
      from: item.from_name ? `${item.from_name} <${item.from_address}>` : item.from_address,
      subject: item.subject,
      date: formatInstant(item.sent_at ?? item.received_at, tz),
      body: item.body_text,
      state: item.state,
      reason: item.state_reason,
      handled: item.handled_at ? formatInstant(item.handled_at, tz) : null,
      attachments: item.attachments.map((a) => ({ id: a.id, name: a.filename, type: a.content_type, size: a.size })),
    },
  });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requireStaff(request, context);
  if (!ID.test(params.id ?? '')) throw new Response('Not found', { status: 404 });
  const id = params.id!;
  const read = await readForm(request);
  if (!read.ok) return refuseForm(read);
  const fields = read.fields;
  const keep = ['reference', 'reason'];
  const actor = { id: user.id, ip: context.clientIp };
  // A NUL byte cannot be stored in PostgreSQL text: a clear 400, never a 500.
  const withNul = keep.filter((k) => (fields[k] ?? '').includes('\u0000'));
  if (withNul.length > 0) return badRequest({ formError: NUL_ERROR, fieldErrors: Object.fromEntries(withNul.map((k) => [k, NUL_ERROR])), values: fields }, { keep });
  try {
    if (fields.intent === 'convert') {
      const item = await context.db.selectFrom('inbox_items').select(['id', 'from_address', 'from_name', 'sent_at', 'received_at', 'state']).where('id', '=', id).executeTakeFirst();
      if (!item) throw new Response('Not found', { status: 404 });
      if (item.state !== 'new') return badRequest({ formError: 'inbox.errors.handled', values: fields }, { keep, status: 409 });
      await recordAudit(context.db, { actorId: actor.id, ip: actor.ip, action: 'inbox.conversion_started', targetType: 'inbox_item', targetId: id });
      return redirect(requestPrefillUrl(item));
    }
    if (fields.intent === 'attach') {
      const reference = (fields.reference ?? '').trim().toUpperCase();
      if (!REFERENCE.test(reference)) return badRequest({ formError: 'inbox.errors.reference', fieldErrors: { reference: 'inbox.errors.reference' }, values: fields }, { keep });
      const requestId = await attachInboxItemToRequest(context.db, id, reference, actor, { exportKey: context.config.secrets.exportKey });
      return redirect(`/staff/requests/${requestId}`);
    }
    if (fields.intent === 'dismiss') {
      if (!(fields.reason ?? '').trim()) return badRequest({ formError: 'inbox.errors.reason', fieldErrors: { reason: 'inbox.errors.reason' }, values: fields }, { keep });
      await dismissInboxItem(context.db, id, fields.reason ?? '', actor);
      return redirect('/staff/inbox');
    }
    return badRequest({ formError: 'inbox.errors.intent', values: fields }, { keep });
  } catch (error) {
    if (error instanceof InboxNotFoundError) {
      if (fields.intent === 'attach') return badRequest({ formError: 'inbox.errors.notFound', fieldErrors: { reference: 'inbox.errors.notFound' }, values: fields }, { keep });
      throw new Response('Not found', { status: 404 });
    }
    if (error instanceof InboxConflictError) return badRequest({ formError: 'inbox.errors.handled', values: fields }, { keep, status: 409 });
    throw error;
  }
}

export default function InboxItemPage() {
  const { item } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const { t } = useTranslation();
  const tr = (key?: string) => (key ? t(key) : undefined);
  const values = result?.values ?? {};
  return (
    <>
      <p>
        <Link to="/staff/inbox">{t('inbox.backToList')}</Link>
      </p>
      <h1>{item.subject || t('inbox.noSubject')}</h1>
      <dl>
        <dt>{t('inbox.from')}</dt>
        <dd>{item.from}</dd>
        <dt>{t('inbox.date')}</dt>
        <dd>{item.date}</dd>
        <dt>{t('inbox.state')}</dt>
        <dd>
          {t(`inbox.states.${item.state}`)}
          {item.reason ? ` — ${item.reason}` : null}
          {item.handled ? ` ${t('inbox.handled', { date: item.handled })}` : null}
        </dd>
      </dl>
      <h2>{t('inbox.body')}</h2>
      <pre className="message-text">{item.body}</pre>
      <h2>{t('inbox.attachments')}</h2>
      {item.attachments.length === 0 ? (
        <p>{t('inbox.noAttachments')}</p>
      ) : (
        <ul>
          {item.attachments.map((a) => (
            <li key={a.id}>
              <a href={`/staff/inbox/${item.id}/attachments/${a.id}`}>{a.name}</a> ({a.type}, {a.size} B)
            </li>
          ))}
        </ul>
      )}
      <FormError message={tr(result?.formError)} />
      {item.state === 'new' ? (
        <>
          <h2>{t('inbox.convert')}</h2>
          <Form method="post">
            <p>{t('inbox.convertHint')}</p>
            <button type="submit" name="intent" value="convert">
              {t('inbox.convert')}
            </button>
          </Form>
          <h2>{t('inbox.attach')}</h2>
          <Form method="post" noValidate>
            <Field label={t('inbox.reference')} name="reference" defaultValue={values.reference ?? ''} error={tr(result?.fieldErrors?.reference)} autoComplete="off" />
            <button type="submit" name="intent" value="attach">
              {t('inbox.attachButton')}
            </button>
          </Form>
          <h2>{t('inbox.dismiss')}</h2>
          <Form method="post" noValidate>
            <TextAreaField label={t('inbox.reason')} name="reason" defaultValue={values.reason ?? ''} error={tr(result?.fieldErrors?.reason)} />
            <button type="submit" name="intent" value="dismiss">
              {t('inbox.dismissButton')}
            </button>
          </Form>
        </>
      ) : null}
    </>
  );
}
