import type { DeadlineRules } from '~/models/requests/deadlines';
import type { Organisation } from '~/utils/env.server';
import type { VerificationLevelPolicy } from '~/models/policy';

/**
 * What the request models need from the configuration: the deadline calendar, where links
 * point, and who the portal speaks for (named in every email; the demo identity when absent).
 */
export type RequestPolicy = DeadlineRules & {
  publicUrl: string;
  organisation?: Organisation;
  /** REMINDERS_TO: where staff mail about unassigned requests goes (else every staff account). */
  staffTeamAddress?: string;
  /** The identity level each type needs (default: VERIFICATION_LEVEL_POLICY in app/models/policy.ts). */
  verificationLevels?: VerificationLevelPolicy;
  /** Keys the HMAC of one-time codes (SESSION_SECRET, domain-separated where used), so a database copy cannot test codes offline. */
  codeKey?: string;
};

export function requestPolicy(config: {
  timeZone: string;
  holidays: readonly string[];
  publicUrl: string;
  organisation?: Organisation;
  reminders?: { to?: string };
  secrets?: { sessionSecret: string };
}): RequestPolicy {
  return {
    timeZone: config.timeZone,
    holidays: config.holidays,
    publicUrl: config.publicUrl,
    organisation: config.organisation,
    staffTeamAddress: config.reminders?.to,
    codeKey: config.secrets?.sessionSecret,
  };
}
