import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { FormError } from '~/components/field';
import { ReportView } from '~/components/report-view';
import { loadReportPage } from './staff.reports.server';

export const meta: MetaFunction = () => [{ title: 'Report (printable) — Staff console — Privacy Portal' }];

/** The report laid out for paper (print styles hide the navigation and the forms); printing it is audited. */
export const loader = (args: LoaderFunctionArgs) => loadReportPage(args, 'report.printed');

export default function PrintableReport() {
  const data = useLoaderData<typeof loader>();
  return (
    <article className="printable-report">
      <p className="no-print">
        <Link to={`/staff/reports?${data.search}`}>← Back to the report</Link>. Use your browser&apos;s Print command to print this
        page or save it as a PDF.
      </p>
      <FormError message={data.error ?? undefined} id="report-error" />
      {data.report && data.charts && data.summaries ? (
        <>
          <h1>Request report: {data.report.period.label}</h1>
          <p>Printed {data.report.today}, from the privacy portal.</p>
          <ReportView report={data.report} charts={data.charts} summaries={data.summaries} assignees={data.assignees} timeZone={data.timeZone} />
        </>
      ) : null}
    </article>
  );
}
