import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { incidentJson } from '~/models/status/api.server';
import { StatusRuleError } from '~/models/status/components.server';
import { getIncident, postUpdate } from '~/models/status/incidents.server';
import { loadStatusView } from '~/models/status/page.server';
import { INCIDENT_TEMPLATES } from '~/models/status/rules';
import { apiIssue, incidentPatchSchema } from '~/models/status/schemas.server';
import { tokenCovers } from '~/models/status/tokens.server';
import { apiError, apiJson, methodNotAllowed, readJsonBody, requireApiKey } from '~/routes/monitor-api.server';

async function incidentResponse(args: LoaderFunctionArgs) {
  const incident = await getIncident(args.context.db, args.params.incidentId ?? '');
  if (!incident || incident.kind !== 'incident') return apiError(404, 'No such incident.');
  const view = await loadStatusView(args.context.db, { timeZone: args.context.config.timeZone });
  return apiJson(incidentJson(incident, view, args.context.config));
}

export async function loader(args: LoaderFunctionArgs) {
  await requireApiKey(args, 'incidents');
  return incidentResponse(args);
}

/** `PATCH /api/v1/pages/{page_id}/incidents/{incident_id}`: a new update (status, body, component statuses). */
export async function action(args: ActionFunctionArgs) {
  const token = await requireApiKey(args, 'incidents');
  if (args.request.method !== 'PATCH' && args.request.method !== 'PUT') return methodNotAllowed('GET, PATCH, PUT');
  const parsed = incidentPatchSchema.safeParse(await readJsonBody(args.request));
  if (!parsed.success) return apiError(422, apiIssue(parsed.error));
  const current = await getIncident(args.context.db, args.params.incidentId ?? '');
  if (!current || current.kind !== 'incident') return apiError(404, 'No such incident.');
  const input = parsed.data.incident;
  const components = input.components ?? {};
  if (Object.keys(components).some((id) => !tokenCovers(token, id))) return apiError(403, 'The API key may not report on one of these components.');
  const status = input.status ?? (current.status === 'postmortem' ? 'resolved' : (current.status as keyof typeof INCIDENT_TEMPLATES));
  try {
    await postUpdate(
      args.context.db,
      { incidentId: current.id, status, body: input.body?.trim() || INCIDENT_TEMPLATES[status], components, notify: input.deliver_notifications, impact: input.impact_override, name: input.name?.trim() },
      { id: null, ip: args.context.clientIp, source: 'api', tokenId: token.id },
    );
  } catch (error) {
    if (error instanceof StatusRuleError) return apiError(422, error.message);
    throw error;
  }
  return incidentResponse(args);
}
