import type { DeadlineRules } from '~/models/requests/deadlines';
import type { Organisation } from '~/utils/env.server';

/**
 * What the request models need from the configuration: the deadline calendar, where links
 * point, and who the portal speaks for (named in every email; the demo identity when absent).
 */
export type RequestPolicy = DeadlineRules & {
  publicUrl: string;
  organisation?: Organisation;
  /** REMINDERS_TO: where staff mail about unassigned requests goes (else every staff account). */
  staffTeamAddress?: string;
};

export function requestPolicy(config: {
  timeZone: string;
  holidays: readonly string[];
  publicUrl: string;
  organisation?: Organisation;
  reminders?: { to?: string };
}): RequestPolicy {
  return {
    timeZone: config.timeZone,
    holidays: config.holidays,
    publicUrl: config.publicUrl,
    organisation: config.organisation,
    staffTeamAddress: config.reminders?.to,
  };
}
