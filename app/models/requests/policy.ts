import type { DeadlineRules } from '~/models/requests/deadlines';

/** What the request models need from the configuration: the deadline calendar and where links point. */
export type RequestPolicy = DeadlineRules & { publicUrl: string };

export function requestPolicy(config: { timeZone: string; holidays: readonly string[]; publicUrl: string }): RequestPolicy {
  return { timeZone: config.timeZone, holidays: config.holidays, publicUrl: config.publicUrl };
}
