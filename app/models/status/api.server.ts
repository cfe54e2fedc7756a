/**
 * The Statuspage-compatible public API (`/api/v2/*.json`): Atlassian Statuspage's field names
 * and enums, so its clients and widgets read this portal unchanged. Lists hold the 50 most
 * recent. Schema the tests check every endpoint against: tests/support/statuspage-schema.ts.
 */
import type { Config } from '~/utils/env.server';
import type { ComponentView, StatusView } from '~/models/status/page.server';
import type { IncidentRow } from '~/models/status/incidents.server';
import { apiComponentStatus } from '~/models/status/rules';

export type ApiDocument = 'summary' | 'status' | 'components' | 'incidents' | 'unresolved' | 'maintenances' | 'upcoming' | 'active';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function statusPageUrl(config: Config) {
  return `${config.publicUrl}/service-status`;
}

function pageJson(view: StatusView, config: Config) {
  return {
    id: view.page.pageId,
    name: config.organisation.name,
    url: statusPageUrl(config),
    time_zone: config.timeZone,
    updated_at: view.page.updatedAt.toISOString(),
  };
}

export function componentJson(c: ComponentView, pageId: string) {
  return {
    id: c.id,
    name: c.name,
    status: apiComponentStatus(c.current),
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
    position: c.position,
    description: c.description,
    showcase: !c.isGroup,
    start_date: c.isGroup ? null : c.startDate,
    group_id: c.groupId,
    page_id: pageId,
    group: c.isGroup,
    only_show_if_degraded: c.onlyShowIfDegraded,
    ...(c.isGroup ? { components: c.children } : {}),
  };
}

export function incidentJson(i: IncidentRow, view: StatusView, config: Config) {
  const pageId = view.page.pageId;
  const byId = new Map(view.components.map((c) => [c.id, c]));
  const base = {
    id: i.id,
    name: i.name,
    status: i.status,
    created_at: i.createdAt.toISOString(),
    updated_at: i.updatedAt.toISOString(),
    monitoring_at: iso(i.monitoringAt),
    resolved_at: iso(i.resolvedAt),
    impact: i.impact,
    shortlink: `${config.publicUrl}/service-status/incidents/${i.id}`,
    started_at: i.startedAt.toISOString(),
    page_id: pageId,
    incident_updates: i.updates.map((u) => ({
      id: u.id,
      status: u.status,
      body: u.body,
      incident_id: i.id,
      created_at: u.createdAt.toISOString(),
      updated_at: u.createdAt.toISOString(),
      display_at: u.createdAt.toISOString(),
      affected_components: u.affected.map((a) => ({ code: a.code, name: a.name, old_status: apiComponentStatus(a.old_status), new_status: apiComponentStatus(a.new_status) })),
      deliver_notifications: u.notify,
      custom_tweet: null,
      tweet_id: null,
    })),
    components: i.componentIds.flatMap((id) => {
      const c = byId.get(id);
      return c ? [componentJson(c, pageId)] : [];
    }),
  };
  if (i.kind === 'incident') return base;
  return { ...base, scheduled_for: iso(i.scheduledFor), scheduled_until: iso(i.scheduledUntil) };
}

/** One of the API's documents, built from a view read at one moment and the recent lists. */
export function apiDocument(
  which: ApiDocument,
  view: StatusView,
  recent: { incidents: IncidentRow[]; maintenance: IncidentRow[] },
  config: Config,
): Record<string, unknown> {
  const page = pageJson(view, config);
  const status = { indicator: view.rollup.indicator, description: view.rollup.description };
  const components = () => view.components.map((c) => componentJson(c, view.page.pageId));
  const incidents = (list: IncidentRow[]) => list.map((i) => incidentJson(i, view, config));
  const upcoming = view.upcomingMaintenance;
  const active = view.activeMaintenance;
  switch (which) {
    case 'summary':
      return { page, components: components(), incidents: incidents(view.unresolved), scheduled_maintenances: incidents([...active, ...upcoming]), status };
    case 'status':
      return { page, status };
    case 'components':
      return { page, components: components() };
    case 'incidents':
      return { page, incidents: incidents(recent.incidents) };
    case 'unresolved':
      return { page, incidents: incidents(view.unresolved) };
    case 'maintenances':
      return { page, scheduled_maintenances: incidents(recent.maintenance) };
    case 'upcoming':
      return { page, scheduled_maintenances: incidents(upcoming) };
    case 'active':
      return { page, scheduled_maintenances: incidents(active) };
  }
}
