import type { AppLoadContext, EntryContext, HandleErrorFunction } from '@remix-run/node';
import { RemixServer } from '@remix-run/react';
import { renderToString } from 'react-dom/server';
import { NonceProvider } from '~/utils/nonce';
import { renderTurn } from '~/utils/render-turn.server';
import { requestLogUrl } from '~/utils/request-line.server';

/**
 * Renders the document in one pass. No page suspends (no `defer`, no lazy components), so the
 * streaming renderer had nothing to stream: it cost a quarter of a page's CPU writing 2 KB chunks
 * through four stream layers, and React 18's chunking put U+0000 into German and French pages
 * (facebook/react#26228). A render error rejects, and Remix renders the error boundary instead.
 */
export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  await renderTurn();
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
  const url = new URL(request.url);
  context.logger.error({ err: error, method: request.method, url: requestLogUrl(url.pathname + url.search) }, 'unhandled error in loader or action');
};

// server.ts starts the portal from these exports of the build, so the HTTP server, the pages and
// the job worker share one copy of every module (and of any state a module keeps) instead of a
// second one bundled beside it (decision 090).
export { startPortal, startupFailureMessage } from '~/server/portal.server';
