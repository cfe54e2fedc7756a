/**
 * The process under test for `npm run bench`: the real portal, and beside it on a second port
 * a minimal Remix app made from the same build (its entry, one root route whose loader runs one
 * query and whose action inserts one row and redirects) — the floor a Remix page can reach here.
 * Writes its ports and pid as JSON to BENCH_INFO once both listen.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequestHandler } from '@remix-run/express';
import { json, redirect, type ServerBuild } from '@remix-run/node';
import express from 'express';
import { sql } from 'kysely';
import { createElement } from 'react';
import { startPortal } from '../../server';

const portal = await startPortal({ ...process.env, PORT: '0' });
const db = portal.db;
await sql`create table if not exists bench_inserts (id bigserial primary key, body text not null, created_at timestamptz not null default now())`.execute(db);

const build = (await import(pathToFileURL(path.resolve('build/index.js')).href)) as ServerBuild;
const MinimalPage = () =>
  createElement('html', { lang: 'en' }, createElement('head', null, createElement('title', null, 'Minimal')), createElement('body', null, createElement('p', null, 'One query.')));
const minimalBuild: ServerBuild = {
  ...build,
  assets: { ...build.assets, routes: { root: build.assets.routes.root! } },
  routes: {
    root: {
      ...build.routes.root!,
      module: {
        default: MinimalPage,
        loader: async () => json({ one: (await sql<{ one: number }>`select 1 as one`.execute(db)).rows[0]!.one }),
        action: async ({ request }) => {
          const form = await request.formData();
          await db.insertInto('bench_inserts' as never).values({ body: String(form.get('body') ?? '') } as never).execute();
          return redirect('/');
        },
      },
    },
  },
};
const app = express();
app.disable('x-powered-by');
app.all('*', createRequestHandler({ build: minimalBuild, mode: 'production', getLoadContext: () => ({ logger: { error: (o: unknown) => console.error('minimal app error', o) } }) as never }));
const minimal = http.createServer(app);
await new Promise<void>((resolve) => minimal.listen(0, '127.0.0.1', resolve));
const address = minimal.address();
fs.writeFileSync(
  process.env.BENCH_INFO!,
  JSON.stringify({ portalPort: portal.port, minimalPort: typeof address === 'object' && address ? address.port : 0, pid: process.pid }),
);
process.once('SIGTERM', () => {
  minimal.close();
  portal.close().then(() => process.exit(0));
});
