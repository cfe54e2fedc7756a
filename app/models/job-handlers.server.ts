import type { JobHandlers } from './jobs.server';

/**
 * Every kind of background job the worker runs, by name. Features register their handlers
 * here (mail delivery, expiry, reminders, announcements) so one worker serves them all.
 */
export function createJobHandlers(): JobHandlers {
  return {};
}
