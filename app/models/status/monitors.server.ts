/**
 * Reports from external monitors (Statuspage-shaped API calls, Uptime Kuma webhooks). Every
 * report keeps the component's heartbeat alive; it changes the status only when no open
 * incident or maintenance in progress holds the component (then staff own it, as Statuspage's
 * component automation does). A change records its source and token and is audited.
 */
import type { DB } from '../../../db/client';
import type { ComponentStatus } from '../../../db/schema';
import { changeComponentStatus, StatusRuleError, touchStatusPage } from '~/models/status/components.server';
import { heldComponents } from '~/models/status/incidents.server';
import type { SettableStatus } from '~/models/status/rules';
import { tokenCovers, type ApiToken } from '~/models/status/tokens.server';

export type MonitorOutcome =
  | { outcome: 'changed' | 'unchanged'; status: ComponentStatus }
  | { outcome: 'ignored'; status: ComponentStatus; reason: 'incident' | 'maintenance' };

export class MonitorRefused extends Error {
  override name = 'MonitorRefused';
  constructor(
    message: string,
    readonly status: 403 | 404 | 422,
  ) {
    super(message);
  }
}

export async function applyMonitorReport(
  db: DB,
  input: { componentId: string; status: SettableStatus | null; source: 'api' | 'uptime_kuma'; token: ApiToken; ip?: string | null },
  now: Date = new Date(),
): Promise<MonitorOutcome> {
  if (!/^\d{1,18}$/.test(input.componentId)) throw new MonitorRefused('No such component.', 404);
  if (!tokenCovers(input.token, input.componentId)) throw new MonitorRefused('The API key may not report on this component.', 403);
  if (input.status === 'under_maintenance') throw new MonitorRefused('Maintenance is scheduled on the status page, not reported by a monitor.', 422);
  const held = (await heldComponents(db)).get(input.componentId);
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('status_components').select(['status', 'is_group']).where('id', '=', input.componentId).forUpdate().executeTakeFirst();
    if (!row || row.is_group) throw new MonitorRefused('No such component.', 404);
    await trx.updateTable('status_components').set({ last_report_at: now }).where('id', '=', input.componentId).execute();
    if (held || row.status === 'under_maintenance') {
      return { outcome: 'ignored' as const, status: row.status, reason: held ?? ('maintenance' as const) };
    }
    // A report without a status (Kuma's "pending") only says the monitor is alive: after a lapse
    // the component stays "no data" until a monitor says how it is.
    const status: ComponentStatus = input.status ?? row.status;
    try {
      const old = await changeComponentStatus(trx, {
        componentId: input.componentId,
        status,
        source: input.source,
        actorId: null,
        ip: input.ip,
        tokenId: input.token.id,
        at: now,
      });
      if (old !== null) await touchStatusPage(trx, now);
      return { outcome: old === null ? ('unchanged' as const) : ('changed' as const), status };
    } catch (error) {
      if (error instanceof StatusRuleError) throw new MonitorRefused('No such component.', 404);
      throw error;
    }
  });
}

/**
 * Uptime Kuma's webhook body: `heartbeat.status` 0 down, 1 up, 2 pending, 3 maintenance; null
 * for the "test" notification. Down is a major outage, up is operational; pending and
 * maintenance only keep the heartbeat alive.
 */
export function statusFromUptimeKuma(body: unknown): { ok: true; status: SettableStatus | null; test: boolean } | { ok: false; message: string } {
  if (!body || typeof body !== 'object') return { ok: false, message: 'Expected an Uptime Kuma webhook body (a JSON object).' };
  const heartbeat = (body as { heartbeat?: unknown }).heartbeat;
  if (heartbeat === null || heartbeat === undefined) {
    return typeof (body as { msg?: unknown }).msg === 'string' ? { ok: true, status: null, test: true } : { ok: false, message: 'The body has neither a heartbeat nor a message.' };
  }
  const status = typeof heartbeat === 'object' ? (heartbeat as { status?: unknown }).status : undefined;
  switch (status) {
    case 0:
      return { ok: true, status: 'major_outage', test: false };
    case 1:
      return { ok: true, status: 'operational', test: false };
    case 2:
    case 3:
      return { ok: true, status: null, test: false };
    default:
      return { ok: false, message: 'heartbeat.status must be 0 (down), 1 (up), 2 (pending) or 3 (maintenance).' };
  }
}
