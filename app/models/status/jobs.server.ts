import type { DB } from '../../../db/client';
import type { Config } from '~/utils/env.server';
import type { Logger } from '~/utils/logger.server';
import type { JobHandlers } from '~/models/jobs.server';
import { createStatusNotifyHandler } from '~/models/status/alerts.server';
import { STATUS_NOTIFY_JOB, STATUS_SWEEP_JOB } from '~/models/status/incidents.server';
import { scheduleStatusSweep, sweepStatus } from '~/models/status/sweep.server';

/** The status page's background work: the clock (maintenance, heartbeats) and the alerts. */
export function statusJobHandlers(deps: { db: DB; config: Config; logger: Logger }): JobHandlers {
  const { db, config, logger } = deps;
  return {
    [STATUS_SWEEP_JOB]: async () => {
      const now = new Date();
      // The next minute's sweep is queued first, so a failing sweep cannot break the chain.
      await scheduleStatusSweep(db, now);
      const result = await sweepStatus(db, now);
      if (result.reminders + result.started + result.ended + result.lapsed > 0) logger.info(result, 'status sweep: maintenance and heartbeats applied');
    },
    [STATUS_NOTIFY_JOB]: createStatusNotifyHandler(db, config, logger),
  };
}
