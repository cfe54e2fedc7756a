import { createHash, timingSafeEqual } from 'node:crypto';
import { matchRoutes } from '@remix-run/react';
import type { ServerBuild } from '@remix-run/node';
import type express from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DB } from '../../db/client';
import { operationsSnapshot, pendingMigrations } from '~/models/operations.server';
import type { Config } from '~/utils/env.server';
import type { Logger } from '~/utils/logger.server';

type RouteNode = { id: string; path?: string; index?: boolean; caseSensitive?: boolean; children: RouteNode[] };

/** The build's routes as a tree, to name a request by its Remix route id (never its raw path). */
function routeTree(build: ServerBuild): RouteNode[] {
  const nodes = new Map<string, RouteNode>();
  for (const r of Object.values(build.routes)) {
    nodes.set(r.id, { id: r.id, path: r.path, index: r.index, caseSensitive: r.caseSensitive, children: [] });
  }
  const roots: RouteNode[] = [];
  for (const r of Object.values(build.routes)) {
    const node = nodes.get(r.id)!;
    const parent = r.parentId ? nodes.get(r.parentId) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

export type WorkerHeartbeat = { lastRunAt: () => Date | null };

/** A worker that has not polled for this long is not running. */
const WORKER_STALE_MS = 60_000;

/**
 * /readyz and /metrics, mounted before the Remix handler, plus the HTTP latency histogram.
 * Metric labels are route ids, job kinds, states and status codes: fixed sets, nothing personal.
 */
export function mountMonitoring(
  app: express.Express,
  deps: { db: DB; config: Config; logger: Logger; build: ServerBuild; worker: WorkerHeartbeat },
) {
  const { db, config, logger, build, worker } = deps;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'portal_process_' });
  const routes = routeTree(build);
  const routeIdOf = (pathname: string) => {
    const matches = matchRoutes(routes as never, pathname) as { route: RouteNode }[] | null;
    return matches?.length ? matches[matches.length - 1]!.route.id : 'unmatched';
  };

  const httpDuration = new Histogram({
    name: 'portal_http_request_duration_seconds',
    help: 'HTTP request latency by Remix route id (or a fixed name outside Remix), method and status code.',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const httpRequests = new Counter({
    name: 'portal_http_requests_total',
    help: 'HTTP requests by Remix route id (or a fixed name outside Remix), method and status code.',
    labelNames: ['route', 'method', 'status'],
    registers: [registry],
  });
  const scrapeErrors = new Counter({ name: 'portal_metrics_scrape_errors_total', help: 'Scrapes whose database figures could not be read.', registers: [registry] });
  const jobsGauge = new Gauge({ name: 'portal_jobs', help: 'Background jobs waiting (pending), running or failed for good, by kind.', labelNames: ['kind', 'state'], registers: [registry] });
  const outboxGauge = new Gauge({ name: 'portal_mail_outbox', help: 'Outgoing mail not yet sent (queued) or given up (failed).', labelNames: ['status'], registers: [registry] });
  const requestsGauge = new Gauge({ name: 'portal_requests', help: 'Data subject requests by state.', labelNames: ['state'], registers: [registry] });
  const overdueGauge = new Gauge({ name: 'portal_requests_overdue', help: 'Requests whose running clock passed its due date.', registers: [registry] });
  const backupAge = new Gauge({ name: 'portal_backup_age_seconds', help: 'Seconds since the last backup was written (-1: never).', registers: [registry] });
  const workerAge = new Gauge({ name: 'portal_job_worker_last_run_age_seconds', help: 'Seconds since this instance\'s job worker last polled (-1: never).', registers: [registry] });

  // prom-client hashes a label set on every observation; each (route, method, status) gets its
  // children once instead. The sets are few: route ids, the methods a page answers, status codes.
  const series = new Map<string, { duration: ReturnType<typeof httpDuration.labels>; count: ReturnType<typeof httpRequests.labels> }>();
  const observe = (route: string, method: string, status: number, seconds: number) => {
    const key = `${route} ${method} ${status}`;
    let s = series.get(key);
    if (!s) {
      if (series.size >= 2000) series.clear();
      const labels = { route, method, status: String(status) };
      s = { duration: httpDuration.labels(labels), count: httpRequests.labels(labels) };
      series.set(key, s);
    }
    s.duration.observe(seconds);
    s.count.inc();
  };

  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const path = req.path;
      const route =
        path === '/healthz' || path === '/readyz' || path === '/metrics' ? path.slice(1) : path.startsWith('/build/') ? 'static' : routeIdOf(path);
      observe(route, req.method, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  });

  app.get('/readyz', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const lastRun = worker.lastRunAt();
    const workerOk = lastRun !== null && Date.now() - lastRun.getTime() < WORKER_STALE_MS;
    try {
      const pending = await pendingMigrations(db);
      const ready = pending.length === 0 && workerOk;
      res.status(ready ? 200 : 503).json({
        status: ready ? 'ready' : 'not ready',
        migrations: pending.length === 0 ? 'current' : { pending },
        worker: workerOk ? 'running' : lastRun ? 'stalled' : 'not started',
        workerLastRunAt: lastRun?.toISOString() ?? null,
      });
    } catch (error) {
      logger.error({ err: error }, 'readiness check: database unreachable');
      res.status(503).json({ status: 'not ready', db: 'unreachable' });
    }
  });

  const expected = config.metricsToken ? createHash('sha256').update(config.metricsToken).digest() : undefined;
  app.get('/metrics', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    if (!expected) {
      res.status(404).type('text/plain').send('Not found');
      return;
    }
    const presented = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    if (!presented || !timingSafeEqual(createHash('sha256').update(presented).digest(), expected)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      res.status(401).type('text/plain').send('Unauthorized');
      return;
    }
    try {
      const now = new Date();
      const snap = await operationsSnapshot(db, { now, timeZone: config.timeZone });
      jobsGauge.reset();
      for (const j of snap.jobs) jobsGauge.set({ kind: j.kind, state: j.state }, j.count);
      outboxGauge.reset();
      for (const status of ['queued', 'failed']) outboxGauge.set({ status }, snap.outbox.find((o) => o.status === status)?.count ?? 0);
      requestsGauge.reset();
      for (const r of snap.requests) requestsGauge.set({ state: r.state }, r.count);
      overdueGauge.set(snap.overdueRequests);
      backupAge.set(snap.lastBackupAt ? Math.round((now.getTime() - snap.lastBackupAt.getTime()) / 1000) : -1);
    } catch (error) {
      scrapeErrors.inc();
      logger.error({ err: error }, 'metrics: database figures unavailable');
    }
    const lastRun = worker.lastRunAt();
    workerAge.set(lastRun ? Math.round((Date.now() - lastRun.getTime()) / 1000) : -1);
    res.type(registry.contentType).send(await registry.metrics());
  });

  return {
    routeIdOf,
    /** For answers given outside Express (the public document cache): the same histogram and count. */
    record(route: string, method: string, status: number, seconds: number) {
      observe(route, method, status, seconds);
    },
  };
}
