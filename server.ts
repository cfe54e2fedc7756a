/**
 * The HTTP server: Express in front of the Remix build. Reads configuration once, opens the
 * database, applies migrations, serves, and shuts down gracefully on SIGTERM/SIGINT.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequestHandler } from '@remix-run/express';
import { broadcastDevReady, type ServerBuild } from '@remix-run/node';
import compression from 'compression';
import express from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { PortalContext } from './app/context';
import { ConfigError, loadConfig, type Config, type Env } from './app/utils/env.server';
import { createLogger, type Logger } from './app/utils/logger.server';
import { isForeignOriginRequest } from './app/utils/origin';
import { useOutboxKey } from './app/utils/outbox-crypto.server';
import { redactText } from './app/utils/redact';
import { seedDemoRegistry } from './app/models/subprocessors/demo.server';
import { createJobHandlers, scheduleMaintenance } from './app/models/job-handlers.server';
import { startWorker } from './app/models/jobs.server';
import { createDb, migrateToLatest, pingDb, type Backend, type DB } from './db/client';

const root = path.dirname(fileURLToPath(import.meta.url));
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

/**
 * An action that answers without reading its body (a refused link, a one-click POST) leaves the
 * rest of it on the keep-alive connection, and the client's next request on it stalls: once the
 * answer is sent, what is left is read and dropped (limitBodySize bounds it).
 */
function drainUnreadBody(req: express.Request, res: express.Response, next: express.NextFunction) {
  res.once('finish', () => {
    if (req.complete) return;
    req.removeAllListeners('data');
    req.resume();
  });
  next();
}

export type Portal = { server: Server; close: () => Promise<void>; port: number; db: DB; config: Config };

export function createApp(options: {
  build: ServerBuild;
  db: DB;
  backend: Backend;
  config: Config;
  logger: Logger;
}) {
  const { build, db, backend, config, logger } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  app.use((_req, res, next) => {
    res.locals.cspNonce = randomBytes(16).toString('base64');
    next();
  });
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'", (_req, res) => `'nonce-${(res as express.Response).locals.cspNonce}'`],
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
    }),
  );
  app.use((_req, res, next) => {
    // A 304 keeps the cached page, whose scripts carry the old nonce: a new CSP would block them.
    const writeHead = res.writeHead;
    res.writeHead = function (this: express.Response, ...args: unknown[]) {
      if ((typeof args[0] === 'number' ? args[0] : res.statusCode) === 304) res.removeHeader('Content-Security-Policy');
      return (writeHead as (...a: unknown[]) => express.Response).apply(this, args);
    } as typeof res.writeHead;
    next();
  });
  app.use((_req, res, next) => {
    res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), interest-cohort=()');
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
      autoLogging: { ignore: (req) => req.url?.startsWith('/build/') === true || req.url === '/healthz' },
    }),
  );

  app.use(refuseUnexpectedMethods);
  app.use(limitBodySize);
  app.use(drainUnreadBody);

  // Fingerprinted by the compiler: cache for a year.
  app.use('/build', express.static(path.join(root, 'public/build'), { immutable: true, maxAge: '1y' }));
  app.use(express.static(path.join(root, 'public'), { maxAge: '1h', index: false }));

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

/** Starts the portal; resolves once it listens. Used by `npm start` and the tests. */
export async function startPortal(env: Env = process.env): Promise<Portal> {
  const config = loadConfig(env);
  useOutboxKey(config.secrets.exportKey);
  const logger = createLogger({ level: config.logLevel });
  const { db, backend } = createDb({ databaseUrl: config.databaseUrl, dataDir: path.join(config.dataDir, 'pglite') });
  try {
    await migrateToLatest(db);
    if (config.subprocessorDemo && (await seedDemoRegistry(db, { timeZone: config.timeZone }))) {
      logger.info('seeded the demo subprocessor registry (SUBPROCESSOR_DEMO)');
    }
  } catch (error) {
    await db.destroy().catch(() => {});
    throw error;
  }
  const build = (await import(pathToFileURL(path.join(root, 'build/index.js')).href)) as ServerBuild;
  const app = createApp({ build, db, backend, config, logger });

  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, () => resolve(s));
    s.once('error', reject);
  });
  server.keepAliveTimeout = 65_000;
  // Node hands CONNECT to this event rather than to Express; without a listener it drops the socket.
  server.on('connect', (_req, socket) => {
    socket.end(`HTTP/1.1 405 Method Not Allowed\r\nAllow: ${ALLOWED_METHODS}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ port, backend, version }, `Privacy Portal listening on http://localhost:${port}`);
  await scheduleMaintenance(db);
  if (config.env === 'development' && process.env.REMIX_DEV_ORIGIN) await broadcastDevReady(build);
  const worker = startWorker(db, createJobHandlers({ db, config, logger }), logger);

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
