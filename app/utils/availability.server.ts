import type { ServerBuild } from '@remix-run/node';
import type { NextFunction, Request, Response } from 'express';
import { isDatabaseUnavailable } from '../../db/client';
import type { Logger } from '~/utils/logger.server';
import { DEFAULT_LANGUAGE, LANGUAGES, tFor, type Language } from '~/utils/i18n';
import { languageFromAcceptLanguage } from '~/utils/language.server';
import { escapeHtml } from '~/utils/mail-template';

/** The page a shed request gets, one per language, built once. */
const busyPages = new Map<Language, string>(
  LANGUAGES.map((lang) => {
    const t = tFor(lang);
    const title = escapeHtml(t('error.busyTitle'));
    return [
      lang,
      `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title></head>` +
        `<body><main><h1>${title}</h1><p>${escapeHtml(t('error.busy'))}</p></main></body></html>`,
    ];
  }),
);

function busyPage(lang: Language): string {
  return busyPages.get(lang) ?? busyPages.get(DEFAULT_LANGUAGE)!;
}

/** How long a client is asked to wait before trying again after a 503. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * Wraps every loader and action of the build so that an error saying the database is
 * unreachable (PostgreSQL restarting, a connection cut mid-query) becomes a thrown 503
 * Response: the route's error boundary shows "temporarily unavailable" and the request ends,
 * while the process and every other request carry on. Any other error is left as it was (500).
 */
export function answerDatabaseOutagesWith503(build: ServerBuild, logger: Logger): ServerBuild {
  const guard =
    <A extends unknown[], R>(fn: (...args: A) => R, routeId: string) =>
    async (...args: A): Promise<Awaited<R>> => {
      try {
        return await fn(...args);
      } catch (error) {
        if (error instanceof Response || !isDatabaseUnavailable(error)) throw error;
        logger.warn({ err: error, routeId }, 'database unavailable: answered 503');
        throw new Response('The service is temporarily unavailable. Please try again in a moment.', {
          status: 503,
          statusText: 'Service Unavailable',
          headers: { 'Retry-After': String(RETRY_AFTER_SECONDS), 'Content-Type': 'text/plain; charset=utf-8' },
        });
      }
    };
  const routes: ServerBuild['routes'] = {};
  for (const [id, route] of Object.entries(build.routes)) {
    const { loader, action } = route.module;
    routes[id] = {
      ...route,
      module: {
        ...route.module,
        ...(loader ? { loader: guard(loader, id) } : {}),
        ...(action ? { action: guard(action, id) } : {}),
      },
    };
  }
  return { ...build, routes };
}

/**
 * Every 503 carries Retry-After, including documents rendered by an error boundary (Remix does
 * not pass a thrown Response's headers on to the page unless the route exports `headers`).
 */
export function retryAfterOn503(_req: Request, res: Response, next: NextFunction) {
  const writeHead = res.writeHead;
  res.writeHead = function (this: Response, ...args: unknown[]) {
    const status = typeof args[0] === 'number' ? args[0] : res.statusCode;
    if (status === 503 && !res.getHeader('Retry-After')) res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    return (writeHead as (...a: unknown[]) => Response).apply(this, args);
  } as typeof res.writeHead;
  next();
}

export type AdmissionOptions = {
  /** Requests worked on at once; the rest wait in arrival order. */
  maxActive: number;
  /** Requests allowed to wait; one more is refused at once with 503 + Retry-After. */
  maxQueued: number;
  /** Paths that bypass the bound (health checks, fingerprinted assets). */
  bypass?: (path: string) => boolean;
};

/**
 * A bound on concurrent work per instance. Up to `maxActive` requests run; the next
 * `maxQueued` wait in FIFO order; beyond that the instance is over capacity and says so at
 * once (503, Retry-After) instead of letting requests pile up for seconds.
 *
 * The FIFO also makes the embedded database fair: PGlite runs one query at a time, so with 100
 * requests in flight each request's queries interleave with everyone else's and a page needing
 * several queries finishes last (p99 of seconds). Admitting a few at a time lets each finish
 * before the next starts; the wait is the same for all and bounded by the queue.
 */
export function createAdmissionControl(options: AdmissionOptions) {
  let active = 0;
  const queue: Array<() => void> = [];
  let shed = 0;

  const release = () => {
    const next = queue.shift();
    if (next) next();
    else active--;
  };

  const middleware = (req: Request, res: Response, next: NextFunction) => {
    if (options.bypass?.(req.path)) return next();
    const admit = () => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        release();
      };
      res.once('finish', finish);
      res.once('close', finish);
      next();
    };
    if (active < options.maxActive) {
      active++;
      admit();
      return;
    }
    if (queue.length >= options.maxQueued) {
      shed++;
      res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Connection', 'close');
      // In the visitor's language, from the header alone: no work beyond a lookup while overloaded.
      res.setHeader('Vary', 'Accept-Language');
      res
        .status(503)
        .type('html')
        .send(busyPage(languageFromAcceptLanguage(req.headers['accept-language']) ?? DEFAULT_LANGUAGE));
      return;
    }
    const waiter = () => {
      // The slot passes straight to this request (active stays the same).
      if (res.writableEnded || req.socket.destroyed) {
        release();
        return;
      }
      admit();
    };
    queue.push(waiter);
    // A client that gives up while waiting leaves the queue rather than taking a slot later.
    res.once('close', () => {
      const at = queue.indexOf(waiter);
      if (at >= 0) queue.splice(at, 1);
    });
  };
  return { middleware, stats: () => ({ active, queued: queue.length, shed }) };
}

/**
 * A response sent before its request body was read (a guard's 403, a 404, a refusal) leaves
 * the unread rest on a keep-alive connection: the client cannot finish sending it, and its next
 * request on that connection waits forever. Once the response is out, whatever is left of the
 * body is read and dropped (bounded by the body-size limit in front of this), so the connection
 * serves the next request. Found by the fuzz suite.
 */
export function discardUnreadBodies(req: Request, res: Response, next: NextFunction) {
  res.once('finish', () => {
    if (req.complete) return;
    req.unpipe();
    req.removeAllListeners('data');
    req.on('data', () => {});
    req.resume();
  });
  next();
}
