import pino, { type Logger, type DestinationStream } from 'pino';
import { redactSecrets } from './redact';

export type { Logger };

/**
 * The one logger. Every object logged passes through `redactSecrets` inside pino's formatter,
 * so redaction does not depend on call sites remembering it.
 */
export function createLogger(
  options: { level?: string; name?: string } = {},
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      name: options.name ?? 'privacy-portal',
      level: options.level ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redactSecrets(object) as Record<string, unknown>,
      },
      hooks: {
        // The message string can carry a URL or cookie too.
        logMethod(args, method) {
          const redacted = args.map((arg) => (typeof arg === 'string' ? (redactSecrets(arg) as string) : arg));
          return method.apply(this, redacted as Parameters<typeof method>);
        },
      },
      serializers: { err: (err: unknown) => redactSecrets(err), error: (err: unknown) => redactSecrets(err) },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
