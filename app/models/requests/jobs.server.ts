import type { DB } from '../../../db/client';
import type { JobHandlers } from '~/models/jobs.server';
import { purgeAttachmentsOfClosedRequest } from '~/models/requests/attachments.server';
import { requestPolicy } from '~/models/requests/policy';
import { expireUnverifiedRequest, purgeUnverifiedPersonalData } from '~/models/requests/requests.server';
import { PACKAGE_PURGE_JOB, purgePackage } from '~/models/requests/packages.server';

function requestId(payload: Record<string, unknown>): string {
  // PGlite hands bigint ids back as numbers, pg as strings: both end up in payloads.
  const id = String(payload.requestId ?? '');
  if (!/^\d+$/.test(id)) throw new Error('job payload has no requestId');
  return id;
}

/**
 * The request lifecycle's timed work: expiry of unverified requests after 7 days, deletion of
 * their personal data after 30, deletion of attachments 30 days after a request closes, and
 * deletion of an access package's file once it expired or was downloaded its last time. Each
 * handler re-checks the request's state, so a job that runs late or twice does no harm.
 */
export function requestJobHandlers(deps: { db: DB; config: { timeZone: string; holidays: readonly string[]; publicUrl: string } }): JobHandlers {
  const { db, config } = deps;
  return {
    'request.expire': async (payload) => {
      await expireUnverifiedRequest(db, requestId(payload), { rules: requestPolicy(config) });
    },
    'request.purge-personal-data': async (payload) => {
      await purgeUnverifiedPersonalData(db, requestId(payload));
    },
    'request.purge-attachments': async (payload) => {
      await purgeAttachmentsOfClosedRequest(db, requestId(payload));
    },
    [PACKAGE_PURGE_JOB]: async (payload) => {
      await purgePackage(db, String(payload.packageId ?? ''));
    },
  };
}
