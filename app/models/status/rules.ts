/**
 * The service-status page's pure rules: statuses and their order, the page's rollup, what a
 * lapsed heartbeat means, and the incident templates. No database, no clock: `now` is passed in.
 * Field names and enums follow Atlassian Statuspage's public API (docs/decisions/150).
 */
import type { ComponentStatus, IncidentImpact, IncidentKind } from '../../../db/schema';

export const COMPONENT_STATUSES = ['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance'] as const;
/** What staff and monitors may set; `no_data` only ever comes from a lapsed heartbeat. */
export type SettableStatus = (typeof COMPONENT_STATUSES)[number];
export const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number] | 'postmortem';
export const MAINTENANCE_STATUSES = ['scheduled', 'in_progress', 'verifying', 'completed'] as const;
export type MaintenanceStatus = (typeof MAINTENANCE_STATUSES)[number];
export const INCIDENT_IMPACTS = ['none', 'minor', 'major', 'critical'] as const;
/** What an API key may do (tokens.server.ts). */
export const TOKEN_SCOPES = ['components', 'incidents'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export type Indicator = 'none' | 'minor' | 'major' | 'critical' | 'maintenance';

export function isSettableStatus(value: unknown): value is SettableStatus {
  return typeof value === 'string' && (COMPONENT_STATUSES as readonly string[]).includes(value);
}

/**
 * How bad a status is, for "worst of": a day's bar, a group's status, the page's banner. No data
 * ranks above maintenance and operational: a component nobody can see is never shown green.
 */
export const SEVERITY: Record<ComponentStatus, number> = {
  operational: 0,
  under_maintenance: 1,
  no_data: 2,
  degraded_performance: 3,
  partial_outage: 4,
  major_outage: 5,
};

export function worstStatus(statuses: Iterable<ComponentStatus>): ComponentStatus {
  let worst: ComponentStatus = 'operational';
  for (const s of statuses) if (SEVERITY[s] > SEVERITY[worst]) worst = s;
  return worst;
}

/** A monitor that has not reported within its interval: its component shows "no data". */
export function heartbeatLapsedAt(c: { heartbeatSeconds: number | null; lastReportAt: Date | null; createdAt: Date }): Date | null {
  if (!c.heartbeatSeconds) return null;
  const since = c.lastReportAt ?? c.createdAt;
  return new Date(since.getTime() + c.heartbeatSeconds * 1000);
}

/**
 * The status a component shows at `now`: its stored status, unless its heartbeat lapsed (then
 * `no_data`). Maintenance and incidents set the stored status themselves.
 */
export function effectiveStatus(
  c: { status: ComponentStatus; heartbeatSeconds: number | null; lastReportAt: Date | null; createdAt: Date },
  now: Date,
): ComponentStatus {
  const lapsed = heartbeatLapsedAt(c);
  if (lapsed && lapsed <= now && c.status !== 'under_maintenance') return 'no_data';
  return c.status;
}

/**
 * Statuspage's component enum has no "no data": the API reports a silent component as degraded,
 * never operational (docs/decisions/150).
 */
export function apiComponentStatus(status: ComponentStatus): SettableStatus {
  return status === 'no_data' ? 'degraded_performance' : status;
}

const INDICATOR_RANK: Record<Indicator, number> = { none: 0, maintenance: 1, minor: 2, major: 3, critical: 4 };

const STATUS_INDICATOR: Record<ComponentStatus, Indicator> = {
  operational: 'none',
  under_maintenance: 'maintenance',
  no_data: 'minor',
  degraded_performance: 'minor',
  partial_outage: 'major',
  major_outage: 'critical',
};

/** Statuspage's words for each indicator, used as the API's `status.description`. */
export const INDICATOR_DESCRIPTIONS: Record<Indicator, string> = {
  none: 'All Systems Operational',
  minor: 'Minor Service Outage',
  major: 'Partial System Outage',
  critical: 'Major System Outage',
  maintenance: 'Service Under Maintenance',
};

export type Rollup = { indicator: Indicator; description: string; worst: ComponentStatus };

/**
 * The page's banner: the worse of the worst component and the impact of the worst unresolved
 * incident; maintenance in progress shows when nothing is worse.
 */
export function rollup(input: {
  componentStatuses: ComponentStatus[];
  unresolvedImpacts: IncidentImpact[];
  maintenanceInProgress: boolean;
}): Rollup {
  const worst = worstStatus(input.componentStatuses);
  let indicator: Indicator = STATUS_INDICATOR[worst];
  for (const impact of input.unresolvedImpacts) {
    const i: Indicator = impact === 'maintenance' ? 'maintenance' : impact;
    if (INDICATOR_RANK[i] > INDICATOR_RANK[indicator]) indicator = i;
  }
  if (input.maintenanceInProgress && indicator === 'none') indicator = 'maintenance';
  return { indicator, description: INDICATOR_DESCRIPTIONS[indicator], worst };
}

/** Whether an incident or maintenance is over. */
export function isClosedStatus(kind: IncidentKind, status: string): boolean {
  return kind === 'incident' ? status === 'resolved' || status === 'postmortem' : status === 'completed';
}

export function isStatusOfKind(kind: IncidentKind, status: string): boolean {
  return kind === 'incident'
    ? (INCIDENT_STATUSES as readonly string[]).includes(status)
    : (MAINTENANCE_STATUSES as readonly string[]).includes(status);
}

/**
 * Statuspage's default incident templates, one per status: staff pick one and edit it. The
 * public page shows the words in the reader's language only where staff kept the template
 * (the English text is matched); edited text stays as staff wrote it.
 */
export const INCIDENT_TEMPLATES: Record<(typeof INCIDENT_STATUSES)[number], string> = {
  investigating: 'We are currently investigating this issue.',
  identified: 'The issue has been identified and a fix is being implemented.',
  monitoring: 'A fix has been implemented and we are monitoring the results.',
  resolved: 'This incident has been resolved.',
};

/** What the automatic maintenance transitions post. */
export const MAINTENANCE_TEMPLATES: Record<MaintenanceStatus, string> = {
  scheduled: 'The scheduled maintenance will be performed during the window announced.',
  in_progress: 'Scheduled maintenance is currently in progress. We will provide updates as necessary.',
  verifying: 'Verification is currently underway for the maintenance items.',
  completed: 'The scheduled maintenance has been completed.',
};

export type MaintenanceStage = 'reminder' | 'start' | 'end';

/**
 * What the clock owes a maintenance window at `now`: a reminder `remindMinutes` before it
 * starts (once), the start at scheduled_for, the end at scheduled_until. Only stages not yet
 * done are returned, in order; a window whose end has passed before it ever started owes both.
 */
export function dueMaintenanceStages(
  m: { status: string; autoTransition: boolean; scheduledFor: Date; scheduledUntil: Date; remindMinutes: number | null; reminded: boolean },
  now: Date,
): MaintenanceStage[] {
  const stages: MaintenanceStage[] = [];
  if (m.status === 'scheduled' && !m.reminded && m.remindMinutes !== null && now.getTime() >= m.scheduledFor.getTime() - m.remindMinutes * 60_000 && now < m.scheduledFor) {
    stages.push('reminder');
  }
  if (!m.autoTransition) return stages;
  if (m.status === 'scheduled' && now >= m.scheduledFor) stages.push('start');
  if ((m.status === 'scheduled' || m.status === 'in_progress' || m.status === 'verifying') && now >= m.scheduledUntil) stages.push('end');
  return stages;
}

/** The instants a maintenance window's clock needs the sweep to run at (jobs are queued for each). */
export function maintenanceWakeups(m: { scheduledFor: Date; scheduledUntil: Date; remindMinutes: number | null }): Date[] {
  const times = [m.scheduledFor, m.scheduledUntil];
  if (m.remindMinutes !== null) times.unshift(new Date(m.scheduledFor.getTime() - m.remindMinutes * 60_000));
  return times;
}
