import { json, type LoaderFunctionArgs } from '@remix-run/node';
import { parseReportQuery, type ReportQuery } from '~/models/reports/report.server';
import { requireStaff, type SessionUser } from '~/utils/auth.server';
import { todayIn } from '~/utils/calendar';

/** Guard and query of the report's CSV exports: staff only; a bad query is a 400 naming what is wrong. */
export async function readExportRequest({ request, context }: LoaderFunctionArgs): Promise<
  { ok: true; staff: SessionUser; query: ReportQuery } | { ok: false; response: Response }
> {
  const staff = await requireStaff(request, context);
  const parsed = parseReportQuery(new URL(request.url).searchParams, todayIn(context.config.timeZone));
  if (!parsed.ok) return { ok: false, response: json({ error: parsed.error }, { status: 400 }) };
  return { ok: true, staff, query: parsed.query };
}

/** `figures-2025.csv`, `requests-2025-Q1.csv`, `figures-2025-03-01-to-2025-04-15.csv`. */
export function exportFilename(kind: 'figures' | 'requests', query: ReportQuery): string {
  const p = query.period;
  return `${kind}-${p.kind === 'custom' ? `${p.from}-to-${p.to}` : p.key}.csv`;
}

export function csvHeaders(filename: string): HeadersInit {
  return {
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="${filename}"`,
    'Cache-Control': 'no-store',
  };
}
