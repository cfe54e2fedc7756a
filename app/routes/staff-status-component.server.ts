/** The component form's action, shared by "new" and "edit". */
import { redirect, type ActionFunctionArgs } from '@remix-run/node';
import { createComponent, StatusRuleError, updateComponent } from '~/models/status/components.server';
import { componentFormSchema } from '~/models/status/schemas.server';
import { requireStaff } from '~/utils/auth.server';
import { badRequest, parseForm } from '~/utils/form.server';

const KEEP = ['name', 'description', 'kind', 'groupId', 'position', 'startDate', 'heartbeatMinutes', 'onlyShowIfDegraded'];

export async function saveComponent({ request, context }: ActionFunctionArgs, id: string | null) {
  const staff = await requireStaff(request, context);
  const form = await parseForm(request, componentFormSchema, { keep: KEEP });
  if (!form.ok) return form.reply;
  const d = form.data;
  const input = {
    name: d.name,
    description: d.description,
    isGroup: d.kind === 'group',
    groupId: d.kind === 'group' ? null : d.groupId,
    position: d.position,
    startDate: d.startDate,
    onlyShowIfDegraded: d.onlyShowIfDegraded === 'yes',
    heartbeatSeconds: d.kind === 'group' || d.heartbeatMinutes === null ? null : d.heartbeatMinutes * 60,
  };
  const actor = { id: staff.id, ip: context.clientIp, timeZone: context.config.timeZone };
  try {
    if (id) await updateComponent(context.db, id, input, actor);
    else await createComponent(context.db, input, actor);
  } catch (error) {
    if (!(error instanceof StatusRuleError)) throw error;
    return badRequest({ fieldErrors: { [error.field]: error.message }, values: form.fields }, { keep: KEEP });
  }
  return redirect(`/staff/service-status?${new URLSearchParams({ done: `${d.name} is saved.` })}`);
}
