import type { DeadlineRules } from '~/models/requests/deadlines';
import type { Organisation } from '~/utils/env.server';

/**
 * What the request models need from the configuration: the deadline calendar, where links
 * point, and who the portal speaks for (named in every email; the demo identity when absent).
 */
export type RequestPolicy = DeadlineRules & { publicUrl: string; organisation?: Organisation };

export function requestPolicy(config: {
  timeZone: string;
  holidays: readonly string[];
  publicUrl: string;
  organisation?: Organisation;
}): RequestPolicy {
  return { timeZone: config.timeZone, holidays: config.holidays, publicUrl: config.publicUrl, organisation: config.organisation };
}
