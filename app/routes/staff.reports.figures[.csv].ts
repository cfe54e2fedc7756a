import type { LoaderFunctionArgs } from '@remix-run/node';
import { exportFiguresCsv } from '~/models/reports/exports.server';
import { csvHeaders, exportFilename, readExportRequest } from './staff.reports.csv.server';

/** GET /staff/reports/figures.csv?period=…: every figure of the report as CSV (audited). */
export async function loader(args: LoaderFunctionArgs) {
  const read = await readExportRequest(args);
  if (!read.ok) return read.response;
  const { context } = args;
  const body = await exportFiguresCsv(context.db, { id: read.staff.id, ip: context.clientIp }, read.query, { timeZone: context.config.timeZone });
  return new Response(body, { headers: csvHeaders(exportFilename('figures', read.query)) });
}
