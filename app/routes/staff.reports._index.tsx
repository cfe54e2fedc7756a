import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { Field, FormError, SelectField } from '~/components/field';
import { ReportView } from '~/components/report-view';
import { CHANNEL_LABELS } from '~/models/requests/channels';
import { REQUEST_TYPES } from '~/models/requests/request-types';
import { loadReportPage } from './staff.reports.server';

export const meta: MetaFunction = () => [{ title: 'Reports — Staff console — Privacy Portal' }];

export const loader = (args: LoaderFunctionArgs) => loadReportPage(args, 'report.view');

export default function Reports() {
  const data = useLoaderData<typeof loader>();
  const periods = Object.fromEntries([...data.choices.map((c) => [c.key, c.label]), ['custom', 'Custom dates (below)']]);
  return (
    <>
      <p>
        <Link to="/staff">← Staff console</Link>
      </p>
      <h1>Reports</h1>
      <p className="lead">Request figures for a period, to take to the board or a regulator.</p>
      <Form method="get" className="filter-form report-filters" aria-label="Choose the report">
        <SelectField label="Period" name="period" options={periods} placeholder="This year" defaultValue={data.values.period} />
        <Field label="From (custom dates)" name="from" type="date" defaultValue={data.values.from} hint="The first day, for custom dates." />
        <Field label="To (custom dates)" name="to" type="date" defaultValue={data.values.to} hint="The last day, included." />
        <SelectField label="Type" name="type" options={Object.fromEntries(REQUEST_TYPES.map((t) => [t.value, t.label]))} placeholder="All types" defaultValue={data.values.type} />
        <SelectField label="Channel" name="channel" options={CHANNEL_LABELS} placeholder="Every channel" defaultValue={data.values.channel} />
        <SelectField
          label="Assigned to"
          name="assignee"
          options={{ unassigned: 'Nobody', ...Object.fromEntries(data.assignees.map((a) => [a.id, a.email])) }}
          placeholder="Anyone"
          defaultValue={data.values.assignee}
        />
        <button type="submit">Show</button>
      </Form>
      <FormError message={data.error ?? undefined} id="report-error" />
      {data.report && data.charts && data.summaries ? (
        <>
          <h2 className="report-title">{data.report.period.label}</h2>
          <ul className="feeds no-print" aria-label="Exports">
            <li>
              <a href={`/staff/reports/figures.csv?${data.search}`} download>
                Figures (CSV)
              </a>
            </li>
            <li>
              <a href={`/staff/reports/requests.csv?${data.search}`} download>
                The requests behind them (CSV, no personal data)
              </a>
            </li>
            <li>
              <Link to={`/staff/reports/print?${data.search}`}>Printable page</Link>
            </li>
          </ul>
          <ReportView report={data.report} charts={data.charts} summaries={data.summaries} assignees={data.assignees} timeZone={data.timeZone} />
        </>
      ) : null}
    </>
  );
}
