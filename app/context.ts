import type { Backend, DB } from '../db/client';
import type { Config } from '~/utils/env.server';
import type { Logger } from '~/utils/logger.server';

/** What the server hands every loader and action (see server.ts `getLoadContext`). */
export type PortalContext = {
  db: DB;
  backend: Backend;
  config: Config;
  logger: Logger;
  cspNonce: string;
  /** The client's address (Express `req.ip`, proxies trusted per `trust proxy`), for throttling and audit. */
  clientIp: string | null;
  /** The compiled build's asset version: cached pages must change when the code does. */
  buildVersion: string;
  /**
   * Resolves once the response can take more bytes (true) or the client has gone (false). Remix's
   * adapter writes a streamed body without waiting for the socket; a large download paces itself
   * with this, so a slow client holds back the reads instead of filling the server's memory.
   */
  drained: () => Promise<boolean>;
};

declare module '@remix-run/node' {
  interface AppLoadContext extends PortalContext {}
}
