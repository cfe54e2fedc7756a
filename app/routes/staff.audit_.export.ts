import { json, type LoaderFunctionArgs } from '@remix-run/node';
import { exportAuditTrail } from '~/models/audit.server';
import { requireAdmin } from '~/utils/auth.server';
import { parseAuditQuery } from './staff.audit.server';

/** GET /staff/audit/export?from=YYYY-MM-DD&to=YYYY-MM-DD: the chain between two days as JSON lines. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const parsed = parseAuditQuery(new URL(request.url));
  if (!parsed.ok) return json({ error: parsed.error }, { status: 400 });
  const { from, to } = parsed.filter;
  if (!from || !to) return json({ error: 'from and to (YYYY-MM-DD) are both required' }, { status: 400 });
  if (to <= from) return json({ error: 'to must not be before from' }, { status: 400 });
  const body = await exportAuditTrail(context.db, { id: admin.id, ip: context.clientIp }, { from, to });
  const name = `audit-${parsed.query.from}-to-${parsed.query.to}.jsonl`;
  return new Response(body, {
    headers: {
      'Content-Type': 'application/x-ndjson; charset=utf-8',
      'Content-Disposition': `attachment; filename="${name}"`,
      'Cache-Control': 'no-store',
    },
  });
}
