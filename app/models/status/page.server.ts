/**
 * Everything the public status page, its API and its feeds show, read at one `now`: the
 * components in their groups with their status at that moment (a lapsed heartbeat shows as
 * "no data"), the banner, open incidents, maintenance, and the 90-day bars.
 */
import type { DB } from '../../../db/client';
import type { ComponentStatus } from '../../../db/schema';
import { addDays, startOfDayIn, todayIn } from '~/utils/calendar';
import { listComponents, loadPageState, loadStatusChanges, type ComponentRow } from '~/models/status/components.server';
import { listOpen, listRecent, type IncidentRow } from '~/models/status/incidents.server';
import { effectiveStatus, heartbeatLapsedAt, rollup, worstStatus, type Rollup } from '~/models/status/rules';
import { dailyBars, type DayBar } from '~/models/status/uptime';

export type ComponentView = ComponentRow & { current: ComponentStatus; children: string[] };
export type StatusView = {
  now: Date;
  today: string;
  page: { pageId: string; version: string; updatedAt: Date };
  components: ComponentView[];
  rollup: Rollup;
  open: IncidentRow[];
  /** Open incidents (not maintenance). */
  unresolved: IncidentRow[];
  activeMaintenance: IncidentRow[];
  upcomingMaintenance: IncidentRow[];
};

/** Components with their status at `now`; a group shows the worst of its components. */
function withCurrentStatus(rows: ComponentRow[], now: Date): ComponentView[] {
  const views = rows.map((c) => ({ ...c, current: c.isGroup ? ('operational' as ComponentStatus) : effectiveStatus(c, now), children: [] as string[] }));
  const byId = new Map(views.map((v) => [v.id, v]));
  for (const v of views) if (v.groupId) byId.get(v.groupId)?.children.push(v.id);
  for (const v of views) if (v.isGroup) v.current = worstStatus(v.children.map((id) => byId.get(id)!.current));
  return views;
}

export async function loadStatusView(db: DB, options: { timeZone: string; now?: Date }): Promise<StatusView> {
  const now = options.now ?? new Date();
  const [page, rows, open] = await Promise.all([loadPageState(db), listComponents(db), listOpen(db)]);
  const components = withCurrentStatus(rows, now);
  const unresolved = open.filter((i) => i.kind === 'incident');
  const maintenance = open.filter((i) => i.kind === 'maintenance');
  const activeMaintenance = maintenance.filter((m) => m.status === 'in_progress' || m.status === 'verifying');
  return {
    now,
    today: todayIn(options.timeZone, now),
    page,
    components,
    rollup: rollup({
      componentStatuses: components.filter((c) => !c.isGroup).map((c) => c.current),
      unresolvedImpacts: unresolved.map((i) => i.impact),
      maintenanceInProgress: activeMaintenance.length > 0,
    }),
    open,
    unresolved,
    activeMaintenance,
    upcomingMaintenance: maintenance.filter((m) => m.status === 'scheduled'),
  };
}

export type ComponentBars = { componentId: string; bars: DayBar[]; uptime: number | null };

/**
 * The bars of every component for the `days` local days ending today. A heartbeat that has
 * lapsed but whose lapse the sweep has not recorded yet is counted from the instant it lapsed.
 */
export async function loadBars(db: DB, view: Pick<StatusView, 'components' | 'now' | 'today'>, options: { timeZone: string; days?: number }): Promise<ComponentBars[]> {
  const days = options.days ?? 90;
  const leaves = view.components.filter((c) => !c.isGroup);
  const since = startOfDayIn(addDays(view.today, -(days - 1)), options.timeZone);
  const changes = await loadStatusChanges(
    db,
    leaves.map((c) => c.id),
    since,
  );
  return leaves.map((c) => {
    const list = [...(changes.get(c.id) ?? [])];
    if (c.current === 'no_data' && c.status !== 'no_data') {
      const lapsed = heartbeatLapsedAt(c);
      if (lapsed) list.push({ status: 'no_data', at: lapsed });
    }
    const { bars, uptime } = dailyBars({ changes: list, startDate: c.startDate, timeZone: options.timeZone, today: view.today, now: view.now, days });
    return { componentId: c.id, bars, uptime };
  });
}

/** The 50 most recent incidents and maintenance windows, for the API and the feeds. */
export async function loadRecent(db: DB) {
  const [incidents, maintenance] = await Promise.all([listRecent(db, 'incident', 50), listRecent(db, 'maintenance', 50)]);
  return { incidents, maintenance };
}
