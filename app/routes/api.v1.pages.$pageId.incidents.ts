import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { incidentJson } from '~/models/status/api.server';
import { StatusRuleError } from '~/models/status/components.server';
import { getIncident, listRecent, openIncident } from '~/models/status/incidents.server';
import { loadStatusView } from '~/models/status/page.server';
import { INCIDENT_TEMPLATES, type SettableStatus } from '~/models/status/rules';
import { apiIssue, incidentCreateSchema } from '~/models/status/schemas.server';
import { tokenCovers } from '~/models/status/tokens.server';
import { apiError, apiJson, methodNotAllowed, readJsonBody, requireApiKey } from '~/routes/monitor-api.server';

/** The impact Statuspage derives from component statuses when none is given. */
function impactOf(statuses: SettableStatus[]) {
  if (statuses.includes('major_outage')) return 'critical' as const;
  if (statuses.includes('partial_outage')) return 'major' as const;
  if (statuses.includes('degraded_performance')) return 'minor' as const;
  return 'none' as const;
}

export async function loader(args: LoaderFunctionArgs) {
  await requireApiKey(args, 'incidents');
  const [view, incidents] = await Promise.all([loadStatusView(args.context.db, { timeZone: args.context.config.timeZone }), listRecent(args.context.db, 'incident', 50)]);
  return apiJson(incidents.map((i) => incidentJson(i, view, args.context.config)));
}

/** `POST /api/v1/pages/{page_id}/incidents` with Statuspage's `{"incident": {…}}`. */
export async function action(args: ActionFunctionArgs) {
  const token = await requireApiKey(args, 'incidents');
  if (args.request.method !== 'POST') return methodNotAllowed('GET, POST');
  const parsed = incidentCreateSchema.safeParse(await readJsonBody(args.request));
  if (!parsed.success) return apiError(422, apiIssue(parsed.error));
  const input = parsed.data.incident;
  const components: Record<string, SettableStatus> = { ...Object.fromEntries((input.component_ids ?? []).map((id) => [id, 'degraded_performance' as const])), ...input.components };
  if (Object.keys(components).some((id) => !tokenCovers(token, id))) return apiError(403, 'The API key may not report on one of these components.');
  try {
    const { id } = await openIncident(
      args.context.db,
      {
        name: input.name.trim(),
        status: input.status,
        impact: input.impact_override ?? impactOf(Object.values(components)),
        body: input.body?.trim() || INCIDENT_TEMPLATES[input.status],
        components,
        notify: input.deliver_notifications,
      },
      { id: null, ip: args.context.clientIp, source: 'api', tokenId: token.id },
    );
    const [view, incident] = await Promise.all([loadStatusView(args.context.db, { timeZone: args.context.config.timeZone }), getIncident(args.context.db, id)]);
    return apiJson(incidentJson(incident!, view, args.context.config), 201);
  } catch (error) {
    if (error instanceof StatusRuleError) return apiError(422, error.message);
    throw error;
  }
}
