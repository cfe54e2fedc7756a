import pino, { type Logger, type DestinationStream } from 'pino';
import { redactSecrets } from '~/utils/redact';

export type { Logger };

/**
 * The one logger. Every object logged passes through `redactSecrets` inside pino's formatter,
 * so redaction does not depend on call sites remembering it.
 */
export function createLogger(
  options: { level?: string; name?: string } = {},
  destination?: DestinationStream,
): Logger {
  const logger = pino(
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
          // `logger.error(err)` makes pino use err.message as the line's msg, outside formatters.log.
          const first = args[0] as unknown;
          const normalized: unknown[] =
            first instanceof Error && typeof args[1] !== 'string' ? [{ err: first }, first.message, ...args.slice(1)] : args;
          const redacted = normalized.map((arg) => (typeof arg === 'string' ? (redactSecrets(arg) as string) : arg));
          return method.apply(this, redacted as Parameters<typeof method>);
        },
      },
      serializers: { err: (err: unknown) => redactSecrets(err), error: (err: unknown) => redactSecrets(err) },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
  // A child's bindings are serialized once, at creation, without passing through formatters.log.
  // Bindings with a serializer (pino-http binds the whole `req` to every request's child) go to
  // that serializer as they are, and every serializer's output is redacted; the rest are
  // redacted here. Deep-copying a raw request on every request would cost more than the request.
  // Children inherit this `child` through their prototype, so grandchildren are covered too.
  const child = logger.child;
  logger.child = function redactedChild(this: Logger, bindings, options) {
    const added = options?.serializers ?? {};
    const wrapped = Object.fromEntries(
      Object.entries(added).map(([key, serialize]) => [key, (value: unknown) => redactSecrets(serialize(value))]),
    );
    const serializers = { ...(this as unknown as Record<symbol, Record<string, unknown>>)[pino.symbols.serializersSym], ...wrapped };
    const entries = Object.entries(bindings);
    const safe = {
      ...(redactSecrets(Object.fromEntries(entries.filter(([key]) => !(key in serializers)))) as object),
      ...Object.fromEntries(entries.filter(([key]) => key in serializers)),
    };
    return child.call(this, safe as typeof bindings, options ? { ...options, serializers: wrapped } : options);
  } as typeof logger.child;
  return logger;
}
