import type { LoaderFunctionArgs } from '@remix-run/node';
import { loadRecord } from './record-of-processing.server';

/** The Art. 30 record as JSON (the same rows as the CSV, lists kept as lists). Audited. */
export async function loader(args: LoaderFunctionArgs) {
  const { record } = await loadRecord(args, 'record.exported', 'json');
  return new Response(`${JSON.stringify({ format: 'privacy-portal/record-of-processing/v1', ...record }, null, 2)}\n`, {
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="record-of-processing-${record.view}-${record.date}-${record.lang}.json"`,
      'Cache-Control': 'no-store',
    },
  });
}
