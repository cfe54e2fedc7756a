import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { FormError, Notice, SelectField } from '~/components/field';
import { requestTypeLabel } from '~/models/requests/request-types';
import { CORRECTION_REASONS, FIGURE_KEYS } from '~/models/reports/transparency';
import {
  changedFigures,
  listPublishedYears,
  publishCorrection,
  publishedVersions,
  publishYear,
  TransparencyError,
  yearFigures,
} from '~/models/reports/transparency.server';
import { formatDays } from '~/models/reports/summaries';
import { requireAdmin } from '~/utils/auth.server';
import { todayIn } from '~/utils/calendar';
import { badRequest, parseForm } from '~/utils/form.server';
import { en } from '~/locales/en';

export const meta: MetaFunction = () => [{ title: 'Transparency report — Staff console — Privacy Portal' }];

const REASON_LABELS: Record<(typeof CORRECTION_REASONS)[number], string> = {
  records_added_late: 'Requests recorded late were added',
  recording_error: 'A request was recorded wrongly and has been put right',
  counting_error: 'An error in how the figures were counted was fixed',
};
const FIGURE_LABELS = en.transparency.figures;

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const tz = context.config.timeZone;
  const lastYear = Number(todayIn(tz).slice(0, 4)) - 1;
  const asked = Number(new URL(request.url).searchParams.get('year') ?? lastYear);
  const year = Number.isInteger(asked) && asked >= lastYear - 9 && asked <= lastYear ? asked : lastYear;
  const [published, versions, current] = await Promise.all([
    listPublishedYears(context.db),
    publishedVersions(context.db, year),
    yearFigures(context.db, year, { timeZone: tz }),
  ]);
  const latest = versions[0];
  return json({
    year,
    years: Array.from({ length: 10 }, (_, i) => lastYear - i),
    published,
    versions: versions.map((v) => ({ version: v.version, publishedOn: todayIn(tz, new Date(v.publishedAt)), reason: v.correctionReason })),
    current,
    changes: latest ? changedFigures(latest.figures, current) : [],
    done: new URL(request.url).searchParams.get('done'),
  });
}

const actionSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('publish'), year: z.coerce.number().int() }),
  z.object({
    intent: z.literal('correct'),
    year: z.coerce.number().int(),
    reason: z.enum(CORRECTION_REASONS, { error: 'Choose why the figures are corrected' }),
  }),
]);

export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const form = await parseForm(request, actionSchema, { keep: ['reason'] });
  if (!form.ok) return form.reply;
  const actor = { id: admin.id, ip: context.clientIp };
  const options = { timeZone: context.config.timeZone };
  try {
    if (form.data.intent === 'publish') await publishYear(context.db, actor, form.data.year, options);
    else await publishCorrection(context.db, actor, form.data.year, form.data.reason, options);
  } catch (error) {
    if (error instanceof TransparencyError) return badRequest({ formError: error.message, values: form.fields }, { keep: ['reason'], status: 409 });
    throw error;
  }
  return redirect(`/staff/reports/transparency?year=${form.data.year}&done=${form.data.intent}`);
}

export default function TransparencyAdmin() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const rights = [...Object.keys(data.current.rights), 'total'];
  const figure = (right: string) => (right === 'total' ? data.current.total : data.current.rights[right]!);
  const value = (v: number | null) => (v === null ? '–' : formatDays(v));
  const isPublished = data.versions.length > 0;
  return (
    <>
      <p>
        <Link to="/staff/reports">← Reports</Link>
      </p>
      <h1>Transparency report</h1>
      <p className="lead">
        The public yearly report at <Link to="/transparency">/transparency</Link>: per right, the requests received, complied with in whole
        or in part, denied, and the median and mean days to respond (as California&apos;s CCPA regulations, §7102, ask of large businesses).
        It stays off until you publish a finished year. A publication is frozen; if the figures change later, publish a correction, which
        the public page shows as one, with what it changed.
      </p>
      {data.done === 'publish' ? <Notice>{data.year} is published.</Notice> : null}
      {data.done === 'correct' ? <Notice>The correction to {data.year} is published.</Notice> : null}
      <FormError message={result?.formError} />
      <Form method="get" className="inline-form" aria-label="Choose the year">
        <SelectField label="Year" name="year" options={Object.fromEntries(data.years.map((y) => [String(y), String(y)]))} placeholder="Last year" defaultValue={String(data.year)} />
        <button type="submit">Show</button>
      </Form>
      <h2>{data.year}</h2>
      <p>
        {isPublished ? (
          <>
            Published: version {data.versions[0]!.version} of {data.versions[0]!.publishedOn}.{' '}
            <Link to={`/transparency/${data.year}`}>Read the public page</Link>.
          </>
        ) : (
          'Not published.'
        )}
      </p>
      <table className="responsive-table transparency-table">
        <caption>The figures for {data.year} as they stand today</caption>
        <thead>
          <tr>
            <th scope="col">Right</th>
            {FIGURE_KEYS.map((k) => (
              <th scope="col" key={k}>
                {FIGURE_LABELS[k]}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rights.map((right) => (
            <tr key={right}>
              <th scope="row">{right === 'total' ? 'All rights' : requestTypeLabel(right)}</th>
              {FIGURE_KEYS.map((k) => (
                <td key={k} data-label={FIGURE_LABELS[k]} className="number">
                  {value(figure(right)[k])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {!isPublished ? (
        <Form method="post">
          <input type="hidden" name="intent" value="publish" />
          <input type="hidden" name="year" value={data.year} />
          <button type="submit">Publish {data.year}</button>
        </Form>
      ) : data.changes.length === 0 ? (
        <p>The published figures still match these.</p>
      ) : (
        <Form method="post" className="panel">
          <h3>Publish a correction</h3>
          <p>The figures changed since version {data.versions[0]!.version}:</p>
          <ul>
            {data.changes.map((c) => (
              <li key={`${c.right}-${c.figure}`}>
                {c.right === 'total' ? 'All rights' : requestTypeLabel(c.right)}, {FIGURE_LABELS[c.figure].toLowerCase()}: {value(c.from)} → {value(c.to)}
              </li>
            ))}
          </ul>
          <input type="hidden" name="intent" value="correct" />
          <input type="hidden" name="year" value={data.year} />
          <SelectField label="Why the figures changed (shown to the public)" name="reason" options={REASON_LABELS} defaultValue={result?.values?.reason} error={result?.fieldErrors?.reason} />
          <button type="submit">Publish the correction</button>
        </Form>
      )}
      {data.versions.length > 1 ? (
        <>
          <h3>Versions of {data.year}</h3>
          <ul>
            {data.versions.map((v) => (
              <li key={v.version}>
                Version {v.version}, {v.publishedOn}
                {v.reason ? `: correction (${REASON_LABELS[v.reason]})` : ''}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {data.published.length > 0 ? (
        <p>Published years: {data.published.map((p) => p.year).join(', ')}.</p>
      ) : null}
    </>
  );
}
