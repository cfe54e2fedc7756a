import pino, { type Logger, type DestinationStream } from 'pino';
import { isSecretKey, REDACTED, redactSecrets, redactText } from '~/utils/redact';
import { requestLogUrl } from '~/utils/request-line.server';

export type { Logger };

/**
 * Keys whose values always go through a serializer that redacts its own output (below, and the
 * wrapped ones of every child): the formatter leaves them to it instead of deep-copying them
 * first. A raw `res` handed over by pino-http would otherwise be walked, socket and all, on every
 * request, only for the serializer to keep its status code.
 */
const SERIALIZED_KEYS = new Set(['req', 'res', 'err', 'error']);

function redactLogObject(object: Record<string, unknown>): Record<string, unknown> {
  // Copied only when something changes: most lines carry a few plain values and serialized keys.
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(object)) {
    if (SERIALIZED_KEYS.has(key)) continue;
    const value = object[key];
    const safe = isSecretKey(key) ? REDACTED : redactSecrets(value);
    if (safe !== value) (out ??= { ...object })[key] = safe;
  }
  return out ?? object;
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
  return { ...(r.id !== undefined ? { id: r.id } : {}), method: String(r.method ?? ''), url: requestLogUrl(String(url ?? '')) };
}

function serializeResponse(res: unknown): unknown {
  if (res === null || typeof res !== 'object') return redactSecrets(res);
  return { statusCode: (res as { statusCode?: unknown }).statusCode };
}

const atExit = new Set<() => void>();
process.once('exit', () => {
  for (const flush of atExit) flush();
});

/**
 * Where log lines go: pino's own asynchronous file writer (sonic-boom), fed in batches. Sonic-boom
 * measures the byte length of its whole pending buffer on every write, which under load costs
 * more than building the line; lines are gathered here and handed over once per event-loop turn
 * (or every 128 lines), a few microseconds' work shared by all of them. Nothing is lost at exit:
 * whatever is gathered goes to the writer, which then writes synchronously.
 */
export function logDestination(dest: string | number = 1): DestinationStream & { flush(cb?: (err?: Error) => void): void; flushSync(): void } {
  const writer = pino.destination({ dest, sync: false });
  let lines: string[] = [];
  let scheduled = false;
  const handOver = () => {
    scheduled = false;
    if (lines.length === 0) return;
    const batch = lines.length === 1 ? lines[0]! : lines.join('');
    lines = [];
    writer.write(batch);
  };
  atExit.add(() => {
    handOver();
    try {
      writer.flushSync();
    } catch {
      // Already closed (pino's own exit hook ran first and ended it), or the reader went away.
    }
  });
  return {
    write(line: string) {
      lines.push(line);
      if (lines.length >= 128) handOver();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(handOver);
      }
    },
    flush(cb?: (err?: Error) => void) {
      handOver();
      writer.flush(cb);
    },
    flushSync() {
      handOver();
      writer.flushSync();
    },
  };
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
          const line: unknown[] =
            first instanceof Error && typeof args[1] !== 'string' ? [{ err: first }, first.message, ...args.slice(1)] : args;
          for (let i = 0; i < line.length; i++) {
            if (typeof line[i] === 'string') line[i] = redactText(line[i] as string);
          }
          return method.apply(this, line as Parameters<typeof method>);
        },
      },
      serializers: {
        err: (err: unknown) => redactSecrets(err),
        error: (err: unknown) => redactSecrets(err),
        req: serializeRequest,
        res: serializeResponse,
      },
    },
    destination ?? logDestination(),
  );
  // A child's bindings are serialized once, at creation, without passing through formatters.log.
  // Bindings with a serializer (pino-http binds the whole `req` to every request's child) go to
  // that serializer as they are, and every serializer's output is redacted; the rest are
  // redacted here. Deep-copying a raw request on every request would cost more than the request.
  // Children inherit this `child` through their prototype, so grandchildren are covered too.
  const child = logger.child;
  logger.child = function redactedChild(this: Logger, bindings, options) {
    const inherited = (this as unknown as Record<symbol, Record<string, unknown> | undefined>)[pino.symbols.serializersSym] ?? {};
    // pino-http's child per request binds only `req`, which has a serializer: nothing to copy.
    if (options === undefined && Object.keys(bindings).every((key) => key in inherited)) return child.call(this, bindings, options);
    const added = options?.serializers ?? {};
    const wrapped = Object.fromEntries(
      Object.entries(added).map(([key, serialize]) => [key, (value: unknown) => redactSecrets(serialize(value))]),
    );
    const serializers = { ...inherited, ...wrapped };
    const entries = Object.entries(bindings);
    const safe = {
      ...(redactSecrets(Object.fromEntries(entries.filter(([key]) => !(key in serializers)))) as object),
      ...Object.fromEntries(entries.filter(([key]) => key in serializers)),
    };
    return child.call(this, safe as typeof bindings, options ? { ...options, serializers: wrapped } : options);
  } as typeof logger.child;
  return logger;
}
