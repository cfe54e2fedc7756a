import { Transform } from "node:stream";
import type {
  AppLoadContext,
  EntryContext,
  HandleErrorFunction,
} from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { NonceProvider } from "~/utils/nonce";

const ABORT_DELAY = 5_000;

export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext
) {
  const nonce = loadContext.cspNonce;
  // Bots get the whole document at once; browsers get it streamed as soon as the shell is ready.
  const bot = isbot(request.headers.get("user-agent") ?? "");
  return new Promise<Response>((resolve, reject) => {
    let shellRendered = false;
    // Cleared once everything has rendered: a pending abort would keep the whole render alive.
    let abortTimer: ReturnType<typeof setTimeout> | undefined;
    const start = () => {
      shellRendered = true;
      const body = withoutPaddingNulls();
      responseHeaders.set("Content-Type", "text/html; charset=utf-8");
      resolve(
        new Response(createReadableStreamFromReadable(body), {
          headers: responseHeaders,
          status: responseStatusCode,
        })
      );
      pipe(body);
    };
    const { pipe, abort } = renderToPipeableStream(
      <NonceProvider value={nonce}>
        <RemixServer
          context={remixContext}
          url={request.url}
          abortDelay={ABORT_DELAY}
          nonce={nonce}
        />
      </NonceProvider>,
      {
        nonce,
        onShellReady() {
          if (!bot) start();
        },
        onAllReady() {
          clearTimeout(abortTimer);
          if (bot) start();
        },
        onShellError(error: unknown) {
          clearTimeout(abortTimer);
          reject(error);
        },
        onError(error: unknown) {
          responseStatusCode = 500;
          if (shellRendered)
            loadContext.logger.error({ err: error }, "render failed");
        },
      }
    );
    abortTimer = setTimeout(abort, ABORT_DELAY);
  });
}

/**
 * React 18's streaming renderer can end a chunk with zero bytes when a multi-byte character
 * (ä, é, —) does not fit the rest of its 2 KB buffer (facebook/react#26228, fixed in React 19
 * only): the German and French pages then carry U+0000, which the Nu checker rejects and some
 * parsers stop at. HTML from React never contains a real NUL, so trailing zeros are dropped.
 */
function withoutPaddingNulls() {
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      let end = chunk.length;
      while (end > 0 && chunk[end - 1] === 0 && chunk.length - end < 3)
        end -= 1;
      callback(null, end === chunk.length ? chunk : chunk.subarray(0, end));
    },
  });
  // React ends its destination again when the stream closes after a finished render; Node then
  // builds an ERR_STREAM_ALREADY_FINISHED (stack trace and all) on every page. Ending twice is a no-op.
  const end = stream.end.bind(stream);
  stream.end = ((...args: Parameters<typeof end>) =>
    stream.writableEnded ? stream : end(...args)) as typeof stream.end;
  return stream;
}

export const handleError: HandleErrorFunction = (
  error,
  { request, context }
) => {
  // A request the client abandoned is not a failure worth a log line.
  if (request.signal.aborted) return;
  context.logger.error(
    { err: error, method: request.method, url: request.url },
    "unhandled error in loader or action"
  );
};

// server.ts runs the job worker on these exports of the build, so jobs and pages share one copy
// of every model (and of any state a module keeps) instead of a second one loaded from source.
export {
  createJobHandlers,
  scheduleBackup,
  scheduleMaintenance,
  scheduleReminders,
} from "~/models/job-handlers.server";
export { startWorker } from "~/models/jobs.server";
export { seedDemoRegistry } from "~/models/subprocessors/demo.server";
