/** The status page's job kinds (handlers: jobs.server.ts). */
export const STATUS_NOTIFY_JOB = 'status.notify';
export const STATUS_SWEEP_JOB = 'status.sweep';
