import type { AppLoadContext, EntryContext, HandleErrorFunction } from '@remix-run/node';
import { RemixServer } from '@remix-run/react';
import { renderToString } from 'react-dom/server';
import { NonceProvider } from '~/utils/nonce';

/**
 * Renders the document in one pass. No page suspends (no `defer`, no lazy components), so the
 * streaming renderer had nothing to stream: it cost a quarter of a page's CPU writing 2 KB chunks
 * through four stream layers, and React 18's chunking put U+0000 into German and French pages
 * (facebook/react#26228). A render error rejects, and Remix renders the error boundary instead.
 */
export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  const nonce = loadContext.cspNonce;
  const html = renderToString(
    <NonceProvider value={nonce}>
      <RemixServer context={remixContext} url={request.url} nonce={nonce} />
    </NonceProvider>,
  );
  responseHeaders.set('Content-Type', 'text/html; charset=utf-8');
  // Bytes, not a string: undici would otherwise scan the whole page for lone surrogates first.
  return new Response(Buffer.from(`<!DOCTYPE html>${html}`), { headers: responseHeaders, status: responseStatusCode });
}

export const handleError: HandleErrorFunction = (error, { request, context }) => {
  // A request the client abandoned is not a failure worth a log line.
  if (request.signal.aborted) return;
  context.logger.error({ err: error, method: request.method, url: request.url }, 'unhandled error in loader or action');
};

// server.ts runs the job worker on these exports of the build, so jobs and pages share one copy
// of every model (and of any state a module keeps) instead of a second one loaded from source.
export { createJobHandlers, scheduleBackup, scheduleMaintenance, scheduleReminders } from '~/models/job-handlers.server';
export { startWorker } from '~/models/jobs.server';
export { seedDemoRegistry } from '~/models/subprocessors/demo.server';
export { scheduleStatusSweep } from '~/models/status/sweep.server';
