/**
 * The launcher `npm start` runs (bundled to build/server.js): it loads the Remix build and
 * starts the portal that lives inside it (app/server/portal.server.ts), then stops it on
 * SIGTERM/SIGINT. It imports nothing of the app at run time, only types: the HTTP server, the
 * pages and the job worker must share one copy of every module that keeps state, and a second
 * bundled copy here would split that state silently (decision 090).
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ServerBuild } from '@remix-run/node';
import type * as ServerEntry from './app/entry.server';
import type { Portal } from './app/server/portal.server';
import type { Env } from './app/utils/env.server';

export type { Portal };

const here = path.dirname(fileURLToPath(import.meta.url));
// `npm start` runs the bundle in build/; tests and `npm run dev` run this file from the root.
const root = path.basename(here) === 'build' ? path.dirname(here) : here;

/** The Remix build (`npm run build`) and its server entry, which carries the portal. */
export async function loadBuild(): Promise<{ build: ServerBuild; entry: typeof ServerEntry }> {
  const build = (await import(pathToFileURL(path.join(root, 'build/index.js')).href)) as ServerBuild;
  return { build, entry: build.entry.module as unknown as typeof ServerEntry };
}

/** Starts the portal from the build; resolves once it listens. Used by `npm start` and the tests. */
export async function startPortal(env: Env = process.env): Promise<Portal> {
  const { build, entry } = await loadBuild();
  return entry.startPortal({ build, env });
}

async function main() {
  let entry: typeof ServerEntry;
  try {
    ({ entry } = await loadBuild());
  } catch (error) {
    process.stderr.write(`Start-up failed: the build is missing or broken (run npm run build): ${(error as Error).message}\n`);
    process.exit(1);
  }
  let portal: Portal;
  try {
    portal = await startPortal();
  } catch (error) {
    process.stderr.write(`${entry.startupFailureMessage(error)}\n`);
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
