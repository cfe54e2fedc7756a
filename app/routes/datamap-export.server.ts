import type { LoaderFunctionArgs } from '@remix-run/node';
import { recordAudit } from '~/models/audit.server';
import { mapToJson, mapToYaml } from '~/models/datamap/fideslang-io';
import { exportMap } from '~/models/datamap/map.server';
import { requireStaff } from '~/utils/auth.server';
import { todayIn } from '~/utils/calendar';

/** The whole map as a fideslang document (staff only, audited). */
export async function exportMapResponse({ request, context }: LoaderFunctionArgs, format: 'yaml' | 'json'): Promise<Response> {
  const staff = await requireStaff(request, context);
  const systems = await exportMap(context.db);
  await recordAudit(context.db, { actorId: staff.id, ip: context.clientIp, action: 'datamap.exported', details: { format, systems: systems.length } });
  const body = format === 'yaml' ? mapToYaml(systems) : mapToJson(systems);
  return new Response(body, {
    headers: {
      'Content-Type': format === 'yaml' ? 'application/yaml; charset=utf-8' : 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="data-map-${todayIn(context.config.timeZone)}.${format === 'yaml' ? 'yml' : 'json'}"`,
      'Cache-Control': 'no-store',
    },
  });
}
