/**
 * The HTTP server: Express in front of the Remix build. Reads configuration once, opens the
 * database, applies migrations, serves, and shuts down gracefully on SIGTERM/SIGINT.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequestHandler } from '@remix-run/express';
import { broadcastDevReady, createRequestHandler as createRemixHandler, type ServerBuild } from '@remix-run/node';
import compression from 'compression';
import express from 'express';
import helmet, { type HelmetOptions } from 'helmet';
import { pinoHttp } from 'pino-http';
import type { PortalContext } from './app/context';
import { ConfigError, loadConfig, type Config, type Env } from './app/utils/env.server';
import { createLogger, type Logger } from './app/utils/logger.server';
import { isForeignOriginRequest } from './app/utils/origin';
import { useOutboxKey } from './app/utils/outbox-crypto.server';
import { redactText } from './app/utils/redact';
import { createPublicCache } from './app/utils/public-cache.server';
import { todayIn } from './app/utils/calendar';
import type * as ServerEntry from './app/entry.server';
import { mountMonitoring, type WorkerHeartbeat } from './app/utils/monitoring.server';
import { createDb, migrateToLatest, pingDb, type Backend, type DB } from './db/client';
import {
  answerDatabaseOutagesWith503,
  createAdmissionControl,
  discardUnreadBodies,
  retryAfterOn503,
} from './app/utils/availability.server';

const here = path.dirname(fileURLToPath(import.meta.url));
// `npm start` runs the bundle in build/; tests and `npm run dev` run this file from the root.
const root = path.basename(here) === 'build' ? path.dirname(here) : here;
const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };

/**
 * No body larger than this is read by anyone. Forms get their friendly 1 MB limit from
 * readForm (app/utils/form.server.ts); this cap bounds what any route, uploads included, sees.
 */
export const BODY_HARD_LIMIT_BYTES = 50 * 1024 * 1024;

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
        req: (req: express.Request) => ({ id: req.id, method: req.method, url: redactText(req.originalUrl) }),
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
      }),
    }),
  );
  return app;
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
      } satisfies PortalContext),
    registryVersion: async () => String((await db.selectFrom('subprocessor_registry_state').select('version').where('id', '=', 1).executeTakeFirstOrThrow()).version),
    today: () => todayIn(config.timeZone),
    buildVersion: build.assets.version,
    securityHeaders: staticSecurityHeaders(config),
    logger,
    metrics: monitoring,
  });
}

/** Starts the portal; resolves once it listens. Used by `npm start` and the tests. */
export async function startPortal(env: Env = process.env): Promise<Portal> {
  const config = loadConfig(env);
  useOutboxKey(config.secrets.exportKey);
  const logger = createLogger({ level: config.logLevel });
  const build = (await import(pathToFileURL(path.join(root, 'build/index.js')).href)) as ServerBuild;
  const entry = build.entry.module as unknown as typeof ServerEntry;
  const { db, backend } = createDb({
    databaseUrl: config.databaseUrl,
    dataDir: path.join(config.dataDir, 'pglite'),
    onConnectionError: (error) => logger.warn({ err: error }, 'database connection lost; the next query reconnects'),
  });
  try {
    await migrateToLatest(db);
    if (config.subprocessorDemo && (await entry.seedDemoRegistry(db, { timeZone: config.timeZone }))) {
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
  await entry.scheduleMaintenance(db);
  await entry.scheduleBackup(db, config);
  await entry.scheduleReminders(db, config);
  await entry.scheduleStatusSweep(db);
  if (config.env === 'development' && process.env.REMIX_DEV_ORIGIN) await broadcastDevReady(build);
  const worker = entry.startWorker(db, entry.createJobHandlers({ db, config, logger }), logger);
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

async function main() {
  let portal: Portal;
  try {
    portal = await startPortal();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
    } else {
      process.stderr.write(`Start-up failed: ${redactText(error instanceof Error ? error.message : String(error))}\n`);
    }
    process.exit(1);
  }
  const stop = (signal: string) => {
    process.stderr.write(`\n${signal} received, stopping…\n`);
    portal.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void main();
}
