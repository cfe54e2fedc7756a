/**
 * Where an outage hands over to the breach register (issue 23 item 5, another worktree): an
 * availability breach record is started from an incident with the incident's id, so the record
 * can cite it. The register's form reads `?incident=<id>`.
 */
export function breachRecordLink(incidentId: string): string {
  return `/staff/breaches/new?${new URLSearchParams({ incident: incidentId })}`;
}
