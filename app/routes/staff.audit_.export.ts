import { json, type LoaderFunctionArgs } from '@remix-run/node';
import { exportAuditTrail } from '~/models/audit.server';
import { auditSigningKey } from '~/utils/audit-key.server';
import { requireAdmin } from '~/utils/auth.server';
import { todayIn } from '~/utils/calendar';
import { exportRange, parseAuditQuery } from './staff.audit.server';

/**
 * GET /staff/audit/export?from=YYYY-MM-DD&to=YYYY-MM-DD: the chain between two UTC days as JSON
 * lines; a date left empty makes it the last 30 days.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const parsed = parseAuditQuery(new URL(request.url));
  if (!parsed.ok) return json({ error: parsed.error }, { status: 400 });
  const { fromDay, toDay, from, to } = exportRange(parsed.query, todayIn('UTC'));
  if (to <= from) return json({ error: 'to must not be before from' }, { status: 400 });
  const body = await exportAuditTrail(context.db, { id: admin.id, ip: context.clientIp }, { from, to }, auditSigningKey(context.config.secrets.auditSigningKey));
  const name = `audit-${fromDay}-to-${toDay}.jsonl`;
  return new Response(body, {
    headers: {
      'Content-Type': 'application/x-ndjson; charset=utf-8',
      'Content-Disposition': `attachment; filename="${name}"`,
      'Cache-Control': 'no-store',
    },
  });
}
