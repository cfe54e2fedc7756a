import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { applyMonitorReport, MonitorRefused, statusFromUptimeKuma } from '~/models/status/monitors.server';
import { apiError, apiJson, methodNotAllowed, readJsonBody, requireApiKey } from '~/routes/monitor-api.server';

/**
 * Uptime Kuma's webhook notification (Settings → Notifications → Webhook, "application/json",
 * with an additional header `{"Authorization": "Bearer <key>"}`), one URL per component.
 */
export async function loader(args: LoaderFunctionArgs) {
  await requireApiKey(args, 'components', { checkPage: false });
  return methodNotAllowed('POST');
}

export async function action(args: ActionFunctionArgs) {
  const token = await requireApiKey(args, 'components', { checkPage: false });
  if (args.request.method !== 'POST') return methodNotAllowed('POST');
  const read = statusFromUptimeKuma(await readJsonBody(args.request));
  if (!read.ok) return apiError(422, read.message);
  try {
    const result = await applyMonitorReport(args.context.db, {
      componentId: args.params.componentId ?? '',
      status: read.status,
      source: 'uptime_kuma',
      token,
      ip: args.context.clientIp,
    });
    return apiJson({ ok: true, test: read.test, outcome: result.outcome, status: result.status, ...(result.outcome === 'ignored' ? { reason: result.reason } : {}) });
  } catch (error) {
    if (error instanceof MonitorRefused) return apiError(error.status, error.message);
    throw error;
  }
}
