import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/i18n-react';
import { pageMeta } from '~/utils/meta';
import { FormError, Notice } from '~/components/field';
import { requestPolicy } from '~/models/requests/policy';
import { resendVerificationLink } from '~/models/requests/notify.server';
import { confirmVerification, getVerificationView } from '~/models/requests/verification.server';
import { privateHeaders, PRIVATE_HEADERS } from '~/utils/private-page';
import { badRequest, readForm, refuseForm, type FormState } from '~/utils/form.server';

export const meta: MetaFunction = ({ matches }) => [...pageMeta(matches, { title: 'verify.title' }), { name: 'robots', content: 'noindex' }];

type VerifyActionData = FormState & { resent?: true; retryMinutes?: number; subjectConfirmed?: true };

const PRIVATE = PRIVATE_HEADERS;
export const headers = privateHeaders;

export async function loader({ params, context }: LoaderFunctionArgs) {
  const view = await getVerificationView(context.db, params.token ?? '');
  return json(view, { status: view.status === 'unknown' ? 404 : 200, headers: PRIVATE });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const token = params.token ?? '';
  const form = await readForm(request);
  if (!form.ok) return refuseForm(form, PRIVATE);
  if (form.fields.intent === 'confirm') {
    const result = await confirmVerification(context.db, token, { rules: requestPolicy(context.config), ip: context.clientIp });
    if (result.status === 'verified') return redirect(`/status/s/${result.statusToken}`, { headers: PRIVATE });
    // The person an agent acts for: thanked here; the agent follows the request, not them.
    if (result.status === 'subject_confirmed') return json<VerifyActionData>({ subjectConfirmed: true }, { headers: PRIVATE });
    // The loader runs again and shows the expired or used page.
    return badRequest({ formError: 'verify.cannotConfirm' }, { status: 409, headers: PRIVATE });
  }
  if (form.fields.intent === 'resend') {
    const result = await resendVerificationLink(context, { token, clientAddress: context.clientIp ?? 'unknown' });
    if (result.kind === 'rate_limited') {
      return badRequest(
        { formError: 'verify.tooMany', retryMinutes: Math.ceil(result.retryAfterSeconds / 60) } as VerifyActionData,
        { status: 429, headers: { ...PRIVATE, 'Retry-After': String(result.retryAfterSeconds) } },
      );
    }
    return json<VerifyActionData>({ resent: true }, { headers: PRIVATE });
  }
  return badRequest({ formError: 'errors.form' }, { headers: PRIVATE });
}

export default function Verify() {
  const view = useLoaderData<typeof loader>();
  const data = useActionData<VerifyActionData>();
  const { t } = useTranslation();
  // Keys from this route; a form-level message from the form reader is already words.
  const error = data?.formError && /^(verify|errors)\./.test(data.formError) ? t(data.formError, { count: data.retryMinutes ?? 1 }) : data?.formError;
  if (view.status === 'unknown') {
    return (
      <section className="narrow">
        <h1>{t('verify.unknownTitle')}</h1>
        <p>{t('verify.unknown')}</p>
        <p>
          <Link to="/requests/new">{t('verify.newRequest')}</Link>
        </p>
      </section>
    );
  }
  const { request } = view;
  if (data?.subjectConfirmed) {
    return (
      <section className="narrow">
        <h1>{t('verify.subjectDoneTitle')}</h1>
        <Notice>{t('verify.subjectDone', { agent: request.name, reference: request.reference })}</Notice>
      </section>
    );
  }
  if (view.status !== 'valid') {
    return (
      <section className="narrow">
        <h1>{view.status === 'expired' ? t('verify.expiredTitle') : t('verify.usedTitle')}</h1>
        <p>
          {view.status === 'expired' ? t('verify.expired') : t('verify.used')} {t('verify.resendExplain', { reference: request.reference })}
        </p>
        <FormError message={error} />
        {data?.resent ? (
          <Notice>{t('verify.resent')}</Notice>
        ) : (
          <Form method="post">
            <button type="submit" name="intent" value="resend">
              {t('verify.resend')}
            </button>
          </Form>
        )}
        <p>
          <Link to="/requests/new">{t('verify.newRequest')}</Link>
        </p>
      </section>
    );
  }
  if (view.forSubject) {
    return (
      <section className="narrow">
        <h1>{t('verify.subjectTitle')}</h1>
        <p>
          {t('verify.subjectLead', { agent: request.name, email: request.email, relationship: t(`relationships.${request.agent_relationship ?? 'other'}`) })}
        </p>
        <p>{t('verify.subjectWarn')}</p>
        <dl>
          <dt>{t('status.reference')}</dt>
          <dd>{request.reference}</dd>
          <dt>{t('status.request')}</dt>
          <dd>{t(`requestTypes.${request.type}.label`)}</dd>
          {request.details ? (
            <>
              <dt>{t('status.details')}</dt>
              <dd className="preserve">{request.details}</dd>
            </>
          ) : null}
        </dl>
        <FormError message={error} />
        <Form method="post">
          <button type="submit" name="intent" value="confirm">
            {t('verify.subjectConfirm')}
          </button>
        </Form>
      </section>
    );
  }
  return (
    <section className="narrow">
      <h1>{t('verify.title')}</h1>
      <p>{t('verify.lead')}</p>
      <dl>
        <dt>{t('status.reference')}</dt>
        <dd>{request.reference}</dd>
        <dt>{t('status.request')}</dt>
        <dd>{t(`requestTypes.${request.type}.label`)}</dd>
        <dt>{t('status.name')}</dt>
        <dd>{request.name}</dd>
        <dt>{t('status.email')}</dt>
        <dd>{request.email}</dd>
        {request.details ? (
          <>
            <dt>{t('status.details')}</dt>
            <dd className="preserve">{request.details}</dd>
          </>
        ) : null}
      </dl>
      <FormError message={error} />
      <Form method="post">
        <button type="submit" name="intent" value="confirm">
          {t('verify.confirm')}
        </button>
      </Form>
    </section>
  );
}
