import type { DB } from '../../db/client';
import type { Config } from '~/utils/env.server';
import type { Logger } from '~/utils/logger.server';
import type { JobHandlers } from '~/models/jobs.server';
import { createMailDeliveryHandler, createMailSender, MAIL_DELIVER_JOB } from '~/models/mail.server';
import { enqueueJob } from '~/models/jobs.server';
import { deleteStaleThrottleRows } from '~/models/accounts/login-throttle.server';
import { pruneRateLimits } from '~/models/rate-limits.server';
import { requestJobHandlers } from '~/models/requests/jobs.server';
import { deleteExpiredSessions } from '~/models/accounts/sessions.server';
import { createAlertHandler } from '~/models/subprocessors/alerts.server';
import { ALERT_JOB } from '~/models/subprocessors/registry.server';

export const MAINTENANCE_JOB = 'maintenance.daily';

/**
 * Every kind of background job the worker runs, by name. Features register their handlers
 * here (mail delivery, expiry, reminders, announcements) so one worker serves them all.
 */
export function createJobHandlers(deps: { db: DB; config: Config; logger: Logger }): JobHandlers {
  const { db, config, logger } = deps;
  const sender = createMailSender(config);
  return {
    ...requestJobHandlers({ db, config }),
    [MAIL_DELIVER_JOB]: createMailDeliveryHandler(db, config, sender),
    [ALERT_JOB]: createAlertHandler(db, config, logger),
    [MAINTENANCE_JOB]: async () => {
      const pruned = await pruneRateLimits(db);
      // Expired sessions are refused when presented anyway; this only keeps the tables small.
      // (Log keys avoid "session", which the logger would mask.)
      const expiredLogins = await deleteExpiredSessions(db);
      const staleThrottles = await deleteStaleThrottleRows(db);
      logger.info({ pruned, expiredLogins, staleThrottles }, 'daily maintenance: expired rate-limit windows, sign-ins and throttle rows removed');
      await scheduleMaintenance(db, new Date(Date.now() + 24 * 3600 * 1000));
    },
  };
}

/** Ensures the next daily maintenance run is queued (one per day, whatever the number of instances). */
export async function scheduleMaintenance(db: DB, at: Date = new Date()) {
  await enqueueJob(db, { kind: MAINTENANCE_JOB, runAt: at, dedupeKey: `${MAINTENANCE_JOB}:${at.toISOString().slice(0, 10)}` });
}
