import type { LoaderFunctionArgs } from '@remix-run/node';
import { exportQueueCsv } from '~/models/requests/queue-export.server';
import { queueFilterSchema } from '~/models/requests/staff.server';
import { requireStaff } from '~/utils/auth.server';
import { localDate } from '~/models/requests/deadlines';

/** GET /staff/requests/export.csv?<the queue's filter>: every request of that view as CSV (audited). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, context);
  const params = Object.fromEntries([...new URL(request.url).searchParams].filter(([, v]) => v !== ''));
  const filter = queueFilterSchema.parse(params);
  const now = new Date();
  const { csv } = await exportQueueCsv(context.db, filter, { id: staff.id, ip: context.clientIp }, { timeZone: context.config.timeZone, now });
  return new Response(`\uFEFF${csv}`, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="requests-${localDate(now, context.config.timeZone)}.csv"`,
      'Cache-Control': 'no-store',
    },
  });
}
