import type { LoaderFunctionArgs } from '@remix-run/node';
import { exportRequestsCsv } from '~/models/reports/exports.server';
import { csvHeaders, exportFilename, readExportRequest } from './staff.reports.csv.server';

/** GET /staff/reports/requests.csv?period=…: the requests behind the report, without personal data, streamed (audited). */
export async function loader(args: LoaderFunctionArgs) {
  const read = await readExportRequest(args);
  if (!read.ok) return read.response;
  const { context } = args;
  const body = await exportRequestsCsv(context.db, { id: read.staff.id, ip: context.clientIp }, read.query, { timeZone: context.config.timeZone });
  return new Response(body, { headers: csvHeaders(exportFilename('requests', read.query)) });
}
