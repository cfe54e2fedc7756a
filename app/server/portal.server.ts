/**
 * The HTTP server: Express in front of the Remix build. Reads configuration once, opens the
 * database, applies migrations, serves, runs the job worker, and closes gracefully.
 *
 * It lives inside the Remix build (exported by app/entry.server.tsx) so that the server, the
 * pages and the job worker share one copy of every module that keeps state: the database
 * handle, the outbox key, caches, the argon2 queue. `server.ts` only loads the build and calls
 * `startPortal` (decision 090).
 */
import { scheduleSweep } from '~/models/systems/delivery.server';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequestHandler } from '@remix-run/express';
import { broadcastDevReady, createRequestHandler as createRemixHandler, type ServerBuild } from '@remix-run/node';
import compression from 'compression';
import express from 'express';
import helmet, { type HelmetOptions } from 'helmet';
import { pinoHttp } from 'pino-http';
import type { PortalContext } from '~/context';
import { ConfigError, loadConfig, type Config, type Env } from '~/utils/env.server';
import { createLogger, type Logger } from '~/utils/logger.server';
import { isForeignOriginRequest } from '~/utils/origin';
import { useOutboxKey } from '~/utils/outbox-crypto.server';
import { redactText } from '~/utils/redact';
import { createPublicCache } from '~/utils/public-cache.server';
import { refuseOverlongUrl, requestLogUrl } from '~/utils/request-line.server';
import { BODY_HARD_LIMIT_BYTES } from '~/utils/upload.server';
import { todayIn } from '~/utils/calendar';
import { mountMonitoring, type WorkerHeartbeat } from '~/utils/monitoring.server';
import { createJobHandlers, scheduleBackup, scheduleInboxPoll, scheduleMaintenance, scheduleReminders } from '~/models/job-handlers.server';
import { startWorker } from '~/models/jobs.server';
import { seedDemoRegistry } from '~/models/subprocessors/demo.server';
import { scheduleStatusSweep } from '~/models/status/sweep.server';
import { offerFirstAdminSetup } from '~/server/setup-link.server';
import { createDb, migrateToLatest, pingDb, type Backend, type DB } from '../../db/client';
import {
  answerDatabaseOutagesWith503,
  createAdmissionControl,
  discardUnreadBodies,
  retryAfterOn503,
} from '~/utils/availability.server';

// This module runs from the Remix build (build/index.js); the project root is the folder above.
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };


const refusal = (title: string, text: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><main><h1>${title}</h1><p>${text}</p><p><a href="/">Go to the home page</a></p></main></body></html>`;

/**
 * Refuses oversized bodies up front. Browsers always send Content-Length with a form, so a
 * body without one (chunked) is refused too rather than read without a bound.
 */
function limitBodySize(req: express.Request, res: express.Response, next: express.NextFunction) {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
  const length = req.headers['content-length'];
  if (length === undefined) {
    if (req.headers['transfer-encoding']) {
      res.status(411).type('html').send(refusal('Length required', 'Send the form again from the page.'));
      return;
    }
    return next();
  }
  const limit = BODY_HARD_LIMIT_BYTES;
  if (!/^\d+$/.test(length) || Number(length) > limit) {
    res.setHeader('Connection', 'close');
    res
      .status(413)
      .type('html')
      .send(refusal('Too much data', `The form sent more than ${Math.round(limit / 1024 / 1024)} MB. Shorten it and try again.`));
    return;
  }
  next();
}

const PERMISSIONS_POLICY = 'camera=(), microphone=(), geolocation=(), interest-cohort=()';

type NonceSource = (req: IncomingMessage, res: ServerResponse) => string;

/** Helmet's settings, shared by Express and the public document cache so both send the same headers. */
function securityHeaderOptions(config: Config, nonce?: NonceSource): HelmetOptions {
  return {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: nonce ? ["'self'", nonce] : ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        // `remix dev` reloads the page over a websocket; only in development.
        connectSrc: config.env === 'development' ? ["'self'", 'ws://localhost:*'] : ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        upgradeInsecureRequests: config.publicUrl.startsWith('https:') ? [] : null,
      },
    },
    strictTransportSecurity: config.publicUrl.startsWith('https:'),
    referrerPolicy: { policy: 'same-origin' },
  };
}

/** The headers helmet sets with these options (run once, synchronously), plus Permissions-Policy. */
function helmetHeaders(options: HelmetOptions): Map<string, string> {
  const headers = new Map<string, string>();
  const res = {
    setHeader: (name: string, value: unknown) => void headers.set(name.toLowerCase(), String(value)),
    removeHeader: (name: string) => void headers.delete(name.toLowerCase()),
    getHeader: (name: string) => headers.get(name.toLowerCase()),
  };
  let done = false;
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, () => {
    done = true;
  });
  if (!done) throw new Error('helmet did not finish synchronously');
  headers.set('permissions-policy', PERMISSIONS_POLICY);
  return headers;
}

/**
 * The security headers of a cached public document, computed once by running helmet itself:
 * the same headers Express sends, with a CSP that has no nonce (those documents carry no script).
 */
export function staticSecurityHeaders(config: Config) {
  const full = [...helmetHeaders(securityHeaderOptions(config))];
  return { full, notModified: full.filter(([name]) => name !== 'content-security-policy') };
}

/**
 * The security headers of a page, computed once the same way, with the CSP split around its
 * nonce: each response gets the headers helmet would set, with a fresh nonce, without
 * rebuilding the policy string per request.
 */
export function pageSecurityHeaders(config: Config) {
  const slot = 'NONCE0SLOT0b6f1c2d9e';
  const headers = helmetHeaders(securityHeaderOptions(config, () => `'nonce-${slot}'`));
  const parts = headers.get('content-security-policy')?.split(slot) ?? [];
  if (parts.length !== 2) throw new Error('helmet did not produce a policy with one nonce');
  headers.delete('content-security-policy');
  const [before, after] = parts as [string, string];
  return { headers: [...headers], csp: (nonce: string) => before + nonce + after };
}

/** 16 random bytes in base64 per response, cut from a 4 KB draw of the system's CSPRNG. */
function nonceSource() {
  let pool = Buffer.alloc(0);
  let offset = 0;
  return () => {
    if (offset + 16 > pool.length) {
      pool = randomBytes(4096);
      offset = 0;
    }
    offset += 16;
    return pool.toString('base64', offset - 16, offset);
  };
}

/** The methods a page answers; anything else (TRACE, PROPFIND, ...) is refused before Remix sees it. */
const PAGE_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
export const ALLOWED_METHODS = 'GET, HEAD, POST';

function refuseUnexpectedMethods(req: express.Request, res: express.Response, next: express.NextFunction) {
  if (PAGE_METHODS.has(req.method)) return next();
  res.setHeader('Allow', ALLOWED_METHODS);
  if (req.method === 'OPTIONS') {
    res.status(204).end();
    return;
  }
  res.status(405).type('text/plain').send('Method not allowed.');
}

export type Portal = { server: Server; close: () => Promise<void>; port: number; db: DB; config: Config };

export function createApp(options: {
  build: ServerBuild;
  db: DB;
  backend: Backend;
  config: Config;
  logger: Logger;
  worker?: WorkerHeartbeat;
}) {
  const { db, backend, config, logger } = options;
  const build = answerDatabaseOutagesWith503(options.build, logger);
  const admission = createAdmissionControl(config.capacity);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  const security = pageSecurityHeaders(config);
  const nextNonce = nonceSource();
  app.use((_req, res, next) => {
    const nonce = nextNonce();
    res.locals.cspNonce = nonce;
    for (const [name, value] of security.headers) res.setHeader(name, value);
    res.setHeader('Content-Security-Policy', security.csp(nonce));
    // A 304 keeps the cached page, whose scripts carry the old nonce: a new CSP would block them.
    const writeHead = res.writeHead;
    res.writeHead = function (this: express.Response, ...args: unknown[]) {
      if ((typeof args[0] === 'number' ? args[0] : res.statusCode) === 304) res.removeHeader('Content-Security-Policy');
      return (writeHead as (...a: unknown[]) => express.Response).apply(this, args);
    } as typeof res.writeHead;
    next();
  });
  app.use(compression());

  app.use(
    pinoHttp({
      logger,
      // Only method, path (query credentials redacted) and status: never bodies or cookies.
      wrapSerializers: false,
      serializers: {
        req: (req: express.Request) => ({ id: req.id, method: req.method, url: requestLogUrl(req.originalUrl) }),
        res: (res: express.Response) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
      autoLogging: { ignore: (req) => req.url?.startsWith('/build/') === true || req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
    }),
  );

  app.use(retryAfterOn503);
  app.use(refuseUnexpectedMethods);
  app.use(limitBodySize);
  app.use(discardUnreadBodies);

  // /readyz, /metrics and the latency histogram (app/utils/monitoring.server.ts).
  const monitoring = mountMonitoring(app, { db, config, logger, build, worker: options.worker ?? { lastRunAt: () => null } });
  app.locals.monitoring = monitoring;

  // Fingerprinted by the compiler: cache for a year.
  app.use('/build', express.static(path.join(root, 'public/build'), { immutable: true, maxAge: '1y' }));
  // The few top-level public files, known at start: a page request never stats the disk.
  const publicDir = path.join(root, 'public');
  const publicFiles = new Set(
    fs.existsSync(publicDir) ? fs.readdirSync(publicDir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => `/${e.name}`) : [],
  );
  const servePublic = express.static(publicDir, { maxAge: '1h', index: false });
  app.use((req, res, next) => (publicFiles.has(req.path) ? servePublic(req, res, next) : next()));

  app.get('/healthz', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    try {
      await pingDb(db);
      res.json({ status: 'ok', db: 'ok', backend, version });
    } catch (error) {
      logger.error({ err: error }, 'health check: database unreachable');
      res.status(503).json({ status: 'error', db: 'unreachable', backend, version });
    }
  });

  // Below the health check and static files: those stay instant when the instance is busy.
  app.locals.admission = admission;
  app.use(admission.middleware);

  app.use((req, res, next) => {
    const foreign = isForeignOriginRequest({
      method: req.method,
      origin: req.get('origin'),
      secFetchSite: req.get('sec-fetch-site'),
      host: req.get('host'),
      forwardedHost: req.get('x-forwarded-host'),
    });
    if (!foreign) return next();
    res.status(403).type('text/plain').send('Forbidden: this request came from another site.');
  });

  app.all(
    '*',
    createRequestHandler({
      build,
      // Development mode sends error details to the browser: only when asked for explicitly.
      mode: config.env === 'development' ? 'development' : 'production',
      getLoadContext: (req, res): PortalContext => ({
        db,
        backend,
        config,
        logger,
        cspNonce: res.locals.cspNonce as string,
        clientIp: req.ip ?? null,
        buildVersion: build.assets.version,
        drained: () => drainedOf(res),
      }),
    }),
  );
  return app;
}

/** True once `res` takes more bytes without buffering them; false when the client has gone. */
function drainedOf(res: express.Response): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return Promise.resolve(false);
  if (!res.writableNeedDrain) return Promise.resolve(true);
  return new Promise((resolve) => {
    const settle = (ok: boolean) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => settle(true);
    const onClose = () => settle(false);
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}

/** The public registry documents, rendered by Remix once per registry version and served from memory. */
type PortalMonitoring = ReturnType<typeof mountMonitoring>;

function createPublicDocumentCache(options: { build: ServerBuild; db: DB; backend: Backend; config: Config; logger: Logger; monitoring?: PortalMonitoring }) {
  const { build, db, backend, config, logger, monitoring } = options;
  const remix = createRemixHandler(build, config.env === 'development' ? 'development' : 'production');
  const origin = new URL(config.publicUrl).origin;
  return createPublicCache({
    render: (url, headers) =>
      remix(new Request(origin + url, { headers }), {
        db,
        backend,
        config,
        logger,
        cspNonce: '',
        clientIp: null,
        buildVersion: build.assets.version,
        drained: () => Promise.resolve(true),
      } satisfies PortalContext),
    registryVersion: async () => String((await db.selectFrom('subprocessor_registry_state').select('version').where('id', '=', 1).executeTakeFirstOrThrow()).version),
    today: () => todayIn(config.timeZone),
    buildVersion: build.assets.version,
    securityHeaders: staticSecurityHeaders(config),
    logger,
    metrics: monitoring,
  });
}

/**
 * Starts the portal; resolves once it listens. `build` is the Remix build this module is part
 * of (server.ts hands it over: a module cannot import the bundle it sits in).
 */
export async function startPortal(options: { build: ServerBuild; env?: Env }): Promise<Portal> {
  const { build } = options;
  const config = loadConfig(options.env ?? process.env);
  useOutboxKey(config.secrets.exportKey);
  const logger = createLogger({ level: config.logLevel });
  const { db, backend } = createDb({
    databaseUrl: config.databaseUrl,
    dataDir: path.join(config.dataDir, 'pglite'),
    onConnectionError: (error) => logger.warn({ err: error }, 'database connection lost; the next query reconnects'),
  });
  try {
    await migrateToLatest(db);
    if (config.subprocessorDemo && (await seedDemoRegistry(db, { timeZone: config.timeZone }))) {
      logger.info('seeded the demo subprocessor registry (SUBPROCESSOR_DEMO)');
    }
  } catch (error) {
    await db.destroy().catch(() => {});
    throw error;
  }
  const workerHeartbeat: WorkerHeartbeat = { lastRunAt: () => null };
  const app = createApp({ build, db, backend, config, logger, worker: workerHeartbeat });
  const publicCache = createPublicDocumentCache({ build, db, backend, config, logger, monitoring: app.locals.monitoring as PortalMonitoring });
  const server = createServer((req, res) => {
    if (refuseOverlongUrl(req, res)) return;
    // Any state-changing request may have written the registry: re-read its version next time.
    if (req.method !== 'GET' && req.method !== 'HEAD') res.once('finish', publicCache.invalidate);
    publicCache.handle(req, res).then(
      (served) => {
        if (!served) app(req, res);
      },
      (error: unknown) => {
        // The cache could not tell (the database is away, say): Express answers as it would have.
        logger.warn({ err: error }, 'public document cache bypassed');
        if (!res.headersSent) app(req, res);
      },
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.keepAliveTimeout = 65_000;
  // Node hands CONNECT to this event rather than to Express; without a listener it drops the socket.
  server.on('connect', (_req, socket) => {
    socket.end(`HTTP/1.1 405 Method Not Allowed\r\nAllow: ${ALLOWED_METHODS}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ port, backend, version }, `Privacy Portal listening on http://localhost:${port}`);
  // PORT=0 without PUBLIC_URL: the address is known only now.
  const baseUrl = config.publicUrl.replace(/:0$/, `:${port}`);
  await offerFirstAdminSetup({ db, dataDir: config.dataDir, baseUrl, logger });
  await scheduleMaintenance(db);
  await scheduleBackup(db, config);
  await scheduleReminders(db, config);
  await scheduleInboxPoll(db, config);
  await scheduleStatusSweep(db);
  await scheduleSweep(db);
  if (config.env === 'development' && process.env.REMIX_DEV_ORIGIN) await broadcastDevReady(build);
  const admission = app.locals.admission as ReturnType<typeof createAdmissionControl>;
  const worker = startWorker(db, createJobHandlers({ db, config: { ...config, publicUrl: baseUrl }, logger }), logger, {
    busy: () => admission.stats().active > 0,
  });
  workerHeartbeat.lastRunAt = worker.lastRunAt;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      logger.info('shutting down: no new connections, finishing requests in flight');
      const force = setTimeout(() => server.closeAllConnections(), 10_000);
      force.unref();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      clearTimeout(force);
      await worker.stop();
      publicCache.close();
      await db.destroy();
      logger.info('stopped');
      logger.flush();
    })());
  return { server, close, port, db, config };
}

/** The one line `server.ts` prints when start-up fails: the variable at fault, or the reason with credentials masked. */
export function startupFailureMessage(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  return `Start-up failed: ${redactText(error instanceof Error ? error.message : String(error))}`;
}
