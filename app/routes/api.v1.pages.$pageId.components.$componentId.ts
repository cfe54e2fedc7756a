import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { componentJson } from '~/models/status/api.server';
import { applyMonitorReport, MonitorRefused } from '~/models/status/monitors.server';
import { loadStatusView } from '~/models/status/page.server';
import { apiIssue, componentPatchSchema } from '~/models/status/schemas.server';
import { tokenCovers } from '~/models/status/tokens.server';
import { apiError, apiJson, methodNotAllowed, readJsonBody, requireApiKey } from '~/routes/monitor-api.server';

/**
 * Statuspage's component automation: `PATCH /api/v1/pages/{page_id}/components/{component_id}`
 * with `{"component": {"status": "major_outage"}}` and `Authorization: Bearer <key>` (Statuspage's
 * own `OAuth <key>` works too). Ignored, with the reason in `X-Report-Outcome`, while an open
 * incident or maintenance holds the component.
 */
async function componentResponse(args: LoaderFunctionArgs, headers: Record<string, string> = {}) {
  const view = await loadStatusView(args.context.db, { timeZone: args.context.config.timeZone });
  const component = view.components.find((c) => c.id === args.params.componentId && !c.isGroup);
  if (!component) return apiError(404, 'No such component.');
  return apiJson(componentJson(component, view.page.pageId), 200, headers);
}

export async function loader(args: LoaderFunctionArgs) {
  const token = await requireApiKey(args, 'components');
  if (!tokenCovers(token, args.params.componentId ?? '')) return apiError(403, 'The API key may not read this component.');
  return componentResponse(args);
}

export async function action(args: ActionFunctionArgs) {
  const method = args.request.method;
  const token = await requireApiKey(args, 'components');
  if (method !== 'PATCH' && method !== 'PUT') return methodNotAllowed('GET, PATCH, PUT');
  const parsed = componentPatchSchema.safeParse(await readJsonBody(args.request));
  if (!parsed.success) return apiError(422, apiIssue(parsed.error));
  try {
    const result = await applyMonitorReport(args.context.db, {
      componentId: args.params.componentId ?? '',
      status: parsed.data.component.status,
      source: 'api',
      token,
      ip: args.context.clientIp,
    });
    return componentResponse(args, { 'X-Report-Outcome': result.outcome === 'ignored' ? `ignored-${result.reason}` : result.outcome });
  } catch (error) {
    if (error instanceof MonitorRefused) return apiError(error.status, error.message);
    throw error;
  }
}
