import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { Field, TextAreaField } from '~/components/field';
import { SubprocessorTable } from '~/components/subprocessor-table';
import { fileObjection, objectionSchema } from '~/models/subprocessors/objections.server';
import { RATE_LIMITS } from '~/models/policy';
import { consumeRateLimit } from '~/models/rate-limits.server';
import { changeTitle, isOpenForObjection, todayIn } from '~/models/subprocessors/rules';
import { getChange, RegistryRuleError } from '~/models/subprocessors/registry.server';
import { formatDate } from '~/utils/dates';
import { badRequest, readForm, refuseForm, validateFields, type FormState } from '~/utils/form.server';
import { invariantResponse } from '~/utils/invariant';
import { loaderAndActionHeaders } from '~/utils/route-headers';

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.title ?? 'Subprocessor change'} — Privacy Portal` },
];

export async function loader({ params, context }: LoaderFunctionArgs) {
  const change = await getChange(context.db, params.changeId ?? '');
  invariantResponse(change, 'Not found', { status: 404 });
  const today = todayIn(context.config.timeZone);
  return json({ change, today, title: changeTitle(change, today), open: isOpenForObjection(change, today) });
}

type Result = FormState & { filed?: true };
const KEEP = ['organisation', 'email', 'reason'];

export async function action({ request, params, context }: ActionFunctionArgs) {
  const form = await readForm(request);
  if (!form.ok) return refuseForm(form);
  const values = form.fields;
  const limit = await consumeRateLimit(context.db, {
    bucket: 'subprocessor-objection',
    key: context.clientIp ?? 'unknown',
    ...RATE_LIMITS.subprocessorObjection,
  });
  if (!limit.allowed) {
    return badRequest(
      { formError: 'Too many objections from your address. Please try again later.', values },
      { keep: KEEP, status: 429, headers: { 'Retry-After': String(limit.retryAfterSeconds) } },
    );
  }
  const parsed = validateFields(objectionSchema, values, { keep: KEEP });
  if (!parsed.ok) return parsed.reply;
  try {
    await fileObjection(context.db, { changeId: params.changeId ?? '', ...parsed.data }, context.config);
  } catch (error) {
    if (error instanceof RegistryRuleError) return badRequest({ formError: error.message, values }, { keep: KEEP });
    throw error;
  }
  return json<Result>({ filed: true, values: { email: parsed.data.email } });
}

export const headers = loaderAndActionHeaders;

export default function ChangePage() {
  const { change, today, title, open } = useLoaderData<typeof loader>();
  const result = useActionData<Result>();
  const errors: Record<string, string | undefined> = { form: result?.formError, ...result?.fieldErrors };
  return (
    <>
      <p>
        <Link to="/subprocessors">← All subprocessors</Link>
      </p>
      <h1>{title}</h1>
      <p>
        {change.effectiveOn > today ? 'Takes effect on' : 'Took effect on'}{' '}
        <time dateTime={change.effectiveOn}>{formatDate(change.effectiveOn)}</time>. Announced{' '}
        <time dateTime={change.announcedAt}>{formatDate(change.announcedAt.slice(0, 10))}</time>.
      </p>
      <p>{change.summary}</p>
      {change.details ? (
        <SubprocessorTable entries={[{ ...change.details, slug: change.slug, since: change.effectiveOn }]} caption="Details from this change on" />
      ) : null}
      <section aria-labelledby="object-heading" className="no-print">
        <h2 id="object-heading">Object to this change</h2>
        {result?.filed ? (
          <p className="notice" role="status">
            Your objection has been received. We sent an acknowledgement to <strong>{result.values?.email}</strong>, and our privacy
            team will answer you by email.
          </p>
        ) : open ? (
          <Form method="post" aria-describedby={errors.form ? 'objection-error' : undefined}>
            <p>
              Customers may object to this change until {formatDate(change.effectiveOn)}, when it takes effect. Tell us who you are and
              why.
            </p>
            {errors.form ? (
              <p className="form-error" id="objection-error" role="alert">
                {errors.form}
              </p>
            ) : null}
            <Field label="Organisation" name="organisation" autoComplete="organization" required defaultValue={result?.values?.organisation} error={errors.organisation} />
            <Field label="Contact email" name="email" type="email" autoComplete="email" required defaultValue={result?.values?.email} error={errors.email} />
            <TextAreaField label="Reason for objecting" name="reason" autoComplete="off" required rows={5} defaultValue={result?.values?.reason} error={errors.reason} />
            <button type="submit">Send objection</button>
          </Form>
        ) : (
          <p>This change is no longer open to objections.</p>
        )}
      </section>
    </>
  );
}
