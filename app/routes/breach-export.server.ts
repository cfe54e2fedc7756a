import type { LoaderFunctionArgs } from '@remix-run/node';
import { exportBreachRegister, type ExportFormat } from '~/models/breaches/export.server';
import { localDate } from '~/utils/calendar';
import { actorOf, requireBreachOfficer } from '~/routes/breach-guard.server';

/** The register as a download (CSV or JSON); the export is audited by the model. */
export async function breachRegisterDownload({ request, context }: LoaderFunctionArgs, format: ExportFormat) {
  const user = await requireBreachOfficer(request, context);
  const now = new Date();
  const { body } = await exportBreachRegister(context.db, actorOf(user, context), format, { timeZone: context.config.timeZone, now });
  const day = localDate(now, context.config.timeZone);
  return new Response(body, {
    headers: {
      'Content-Type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="breach-register-${day}.${format}"`,
      'Cache-Control': 'no-store',
    },
  });
}
