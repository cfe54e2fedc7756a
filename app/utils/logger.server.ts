import pino, { type Logger, type DestinationStream } from 'pino';
import { isSecretKey, REDACTED, redactSecrets, redactText } from '~/utils/redact';

export type { Logger };

/**
 * Keys whose values always go through a serializer that redacts its own output (below, and the
 * wrapped ones of every child): the formatter leaves them to it instead of deep-copying them
 * first. A raw `res` handed over by pino-http would otherwise be walked, socket and all, on every
 * request, only for the serializer to keep its status code.
 */
const SERIALIZED_KEYS = new Set(['req', 'res', 'err', 'error']);

function redactLogObject(object: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(object)) {
    const value = object[key];
    out[key] = SERIALIZED_KEYS.has(key) ? value : isSecretKey(key) ? REDACTED : redactSecrets(value);
  }
  return out;
}

let lastMs = 0;
let lastTime = '';
/** pino's ISO timestamp, formatted once per millisecond (a busy server writes many lines in one). */
function isoTimeOncePerMillisecond(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

/** What a request says in a log line: method and path, query credentials masked; never headers or bodies. */
function serializeRequest(req: unknown): unknown {
  if (req === null || typeof req !== 'object') return redactSecrets(req);
  const r = req as { id?: unknown; method?: unknown; originalUrl?: unknown; url?: unknown };
  const url = typeof r.originalUrl === 'string' ? r.originalUrl : r.url;
  return { ...(r.id !== undefined ? { id: r.id } : {}), method: String(r.method ?? ''), url: redactText(String(url ?? '')) };
}

function serializeResponse(res: unknown): unknown {
  if (res === null || typeof res !== 'object') return redactSecrets(res);
  return { statusCode: (res as { statusCode?: unknown }).statusCode };
}

/**
 * The one logger. Every object logged is redacted: values under `req`, `res`, `err` and `error`
 * by their serializers (which redact their output), every other value by `redactSecrets` in
 * pino's formatter, so redaction does not depend on call sites remembering it.
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
      timestamp: isoTimeOncePerMillisecond,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redactLogObject(object),
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
      serializers: {
        err: (err: unknown) => redactSecrets(err),
        error: (err: unknown) => redactSecrets(err),
        req: serializeRequest,
        res: serializeResponse,
      },
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
