import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/i18n-react';
import type { SubprocessorDetails } from '../../db/schema';
import { Field, TextAreaField } from '~/components/field';
import { fileObjection, objectionSchema } from '~/models/subprocessors/objections.server';
import { RATE_LIMITS } from '~/models/policy';
import { consumeRateLimit } from '~/models/rate-limits.server';
import { changeSummary, isOpenForObjection, todayIn } from '~/models/subprocessors/rules';
import { getChangeWithBefore, RegistryRuleError } from '~/models/subprocessors/registry.server';
import { formatDay, translateError, type Language } from '~/utils/i18n';
import { languageOf } from '~/utils/language.server';
import { pageMeta } from '~/utils/meta';
import { badRequest, readForm, refuseForm, validateFields, type FormState } from '~/utils/form.server';
import { invariantResponse } from '~/utils/invariant';
import { loaderAndActionHeaders } from '~/utils/route-headers';
import { regionNames } from '~/utils/intl';

export const meta: MetaFunction<typeof loader> = ({ matches, data }) =>
  pageMeta(matches, {
    title: data ? `registry.kind.${data.change.kind}` : 'registry.title',
    titleValues: { name: data?.change.name ?? '' },
    description: 'registry.metaDescription',
  });

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const found = await getChangeWithBefore(context.db, params.changeId ?? '');
  invariantResponse(found, 'Not found', { status: 404 });
  const today = todayIn(context.config.timeZone);
  const regions = regionNames(languageOf(request));
  const named = (d: SubprocessorDetails | undefined) => (d ? { ...d, locationNames: d.locations.map((c) => regions.of(c) ?? c) } : undefined);
  return json({
    change: found.change,
    before: named(found.before),
    after: found.change.kind === 'removed' ? undefined : named(found.change.details ?? undefined),
    announcedOn: todayIn(context.config.timeZone, new Date(found.change.announcedAt)),
    today,
    open: isOpenForObjection(found.change, today),
  });
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
      { formError: 'change.errors.tooMany', values },
      { keep: KEEP, status: 429, headers: { 'Retry-After': String(limit.retryAfterSeconds) } },
    );
  }
  const parsed = validateFields(objectionSchema, values, { keep: KEEP });
  if (!parsed.ok) return parsed.reply;
  try {
    await fileObjection(context.db, { changeId: params.changeId ?? '', lang: languageOf(request), ...parsed.data }, context.config);
  } catch (error) {
    if (error instanceof RegistryRuleError) return badRequest({ formError: error.message, values }, { keep: KEEP });
    throw error;
  }
  return json<Result>({ filed: true, values: { email: parsed.data.email } });
}

export const headers = loaderAndActionHeaders;

type Side = (SubprocessorDetails & { locationNames: string[] }) | undefined;

/** One side of the before/after comparison; a field that differs from the other side is marked. */
function Details({ heading, side, other, empty }: { heading: string; side: Side; other: Side; empty: string }) {
  const { t } = useTranslation();
  const rows: Array<[string, (d: NonNullable<Side>) => string]> = [
    ['table.name', (d) => d.name],
    ['table.legalEntity', (d) => d.legalEntity],
    ['table.purpose', (d) => d.purpose],
    ['table.dataCategories', (d) => d.dataCategories.join(', ')],
    ['table.locations', (d) => d.locationNames.join(', ')],
    ['table.mechanism', (d) => t(`mechanisms.${d.transferMechanism}`, { defaultValue: d.transferMechanism })],
  ];
  return (
    <section className="compare-side">
      <h2>{heading}</h2>
      {side ? (
        <dl>
          {rows.map(([label, value]) => {
            const changed = !!other && value(other) !== value(side);
            return (
              <div key={label} className={changed ? 'changed' : undefined}>
                <dt>{t(label)}</dt>
                <dd>{changed ? <mark>{value(side)}</mark> : value(side)}</dd>
              </div>
            );
          })}
        </dl>
      ) : (
        <p>{empty}</p>
      )}
    </section>
  );
}

export default function ChangePage() {
  const { change, before, after, announcedOn, today, open } = useLoaderData<typeof loader>();
  const result = useActionData<Result>();
  const { t, i18n } = useTranslation();
  const day = (d: string) => formatDay(i18n.language as Language, d);
  // Messages are catalog keys; a refusal from the registry's rules may be a sentence already.
  const errors: Record<string, string | undefined> = Object.fromEntries(
    Object.entries({ form: result?.formError, ...result?.fieldErrors }).map(([name, message]) => [name, translateError(t, message)]),
  );
  return (
    <>
      <p>
        <Link to="/subprocessors">← {t('change.back')}</Link>
      </p>
      <h1>{t(`registry.kind.${change.kind}`, { name: change.name })}</h1>
      <p>
        {change.effectiveOn > today ? t('change.takesEffect', { date: day(change.effectiveOn) }) : t('change.tookEffect', { date: day(change.effectiveOn) })}{' '}
        {t('change.announced', { date: day(announcedOn) })}
      </p>
      <p>{changeSummary(t, change)}</p>
      <div className="compare">
        <Details heading={t('change.before')} side={before} other={after} empty={t('change.nothingBefore')} />
        <Details heading={t('change.after', { date: day(change.effectiveOn) })} side={after} other={before} empty={t('change.nothingAfter')} />
      </div>
      <section aria-labelledby="object-heading" className="no-print">
        <h2 id="object-heading">{t('change.objectHeading')}</h2>
        {result?.filed ? (
          <p className="notice" role="status">
            {t('change.filed', { email: result.values?.email })}
          </p>
        ) : open ? (
          <Form method="post" aria-describedby={errors.form ? 'objection-error' : undefined}>
            <p>{t('change.objectLead', { date: day(change.effectiveOn) })}</p>
            {errors.form ? (
              <p className="form-error" id="objection-error" role="alert">
                {errors.form}
              </p>
            ) : null}
            <Field label={t('change.organisation')} name="organisation" autoComplete="organization" required defaultValue={result?.values?.organisation} error={errors.organisation} />
            <Field label={t('change.email')} name="email" type="email" autoComplete="email" required defaultValue={result?.values?.email} error={errors.email} />
            <TextAreaField label={t('change.reason')} name="reason" autoComplete="off" required rows={5} defaultValue={result?.values?.reason} error={errors.reason} />
            <button type="submit">{t('change.send')}</button>
          </Form>
        ) : (
          <p>{t('change.closed')}</p>
        )}
      </section>
    </>
  );
}
