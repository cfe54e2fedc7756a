import type { LoaderFunctionArgs } from '@remix-run/node';
import { RECORD_CSV_COLUMNS, recordCsvRows } from '~/models/datamap/record.server';
import { toCsv } from '~/utils/csv';
import { loadRecord } from './record-of-processing.server';

/** The Art. 30 record as CSV: one activity per row, a column for each item of Art. 30(1)(a)–(g). Audited. */
export async function loader(args: LoaderFunctionArgs) {
  const { record } = await loadRecord(args, 'record.exported', 'csv');
  const body = `\uFEFF${toCsv([[...RECORD_CSV_COLUMNS], ...recordCsvRows(record)])}`;
  return new Response(body, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="record-of-processing-${record.view}-${record.date}-${record.lang}.csv"`,
      'Cache-Control': 'no-store',
    },
  });
}
