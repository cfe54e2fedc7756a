/**
 * The process under test for `npm run bench`: the real portal, and beside it on a second port
 * a minimal Remix app made from the same build (its entry, one root route whose loader runs one
 * query and whose action inserts one row and redirects) — the floor a Remix page can reach here.
 * Writes its ports and pid as JSON to BENCH_INFO once both listen, with a subject's status link
 * and session and a staff session for the pages only they can see.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequestHandler } from '@remix-run/express';
import { json, redirect, type ServerBuild } from '@remix-run/node';
import express from 'express';
import { sql } from 'kysely';
import pg from 'pg';
import { createElement } from 'react';
import { randomUUID } from 'node:crypto';
import { startPortal } from '../../server';
import { createSession } from '../../app/models/accounts/sessions.server';
import { insertUser } from '../../app/models/accounts/users.server';
import { requestPolicy } from '../../app/models/requests/policy';
import { createRequest } from '../../app/models/requests/requests.server';
import { issueToken } from '../../app/models/requests/tokens.server';
import { sessionCookieName } from '../../app/utils/session-token.server';

// Statements sent to PostgreSQL by this process (the portal, its worker and the minimal app),
// read by the bench before and after a run: how many round trips one intake takes.
let statements = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  statements += 1;
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

const portal = await startPortal({ ...process.env, PORT: '0' });
const db = portal.db;
await sql`create table if not exists bench_inserts (id bigserial primary key, body text not null, created_at timestamptz not null default now())`.execute(db);

// The pages the issue names that only a person can see: a subject's status page (by its link),
// their account, and the staff queue, with a few dozen requests in it.
const subject = await insertUser(db, { email: 'bench-subject@example.org', password: 'bench subject passphrase 1', emailVerified: true });
const staff = await insertUser(db, { email: 'bench-staff@example.org', password: 'bench staff passphrase 1', role: 'staff', emailVerified: true });
const rules = requestPolicy(portal.config);
let statusToken = '';
for (let i = 0; i < 40; i++) {
  const filed = await createRequest(
    db,
    { type: 'access', email: i === 0 ? subject.email : `bench-queue-${i}@example.org`, name: 'Bench Person', accountIdentifier: '', details: '', requesterRole: 'self', confirm: 'yes', submissionId: randomUUID(), userId: i === 0 ? subject.id : null },
    { rules },
  );
  if (i === 0 && filed.outcome === 'created') statusToken = await issueToken(db, filed.request.id, 'status');
}
const cookieName = sessionCookieName(portal.config.env);
const subjectCookie = `${cookieName}=${(await createSession(db, subject)).token}`;
const staffCookie = `${cookieName}=${(await createSession(db, staff)).token}`;

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
app.get('/__statements', (_req, res) => void res.json({ statements }));
app.all('*', createRequestHandler({ build: minimalBuild, mode: 'production', getLoadContext: () => ({ logger: { error: (o: unknown) => console.error('minimal app error', o) } }) as never }));
const minimal = http.createServer(app);
await new Promise<void>((resolve) => minimal.listen(0, '127.0.0.1', resolve));
const address = minimal.address();
fs.writeFileSync(
  process.env.BENCH_INFO!,
  JSON.stringify({
    portalPort: portal.port,
    minimalPort: typeof address === 'object' && address ? address.port : 0,
    pid: process.pid,
    statusPath: `/status/s/${statusToken}`,
    subjectCookie,
    staffCookie,
  }),
);
process.once('SIGTERM', () => {
  minimal.close();
  portal.close().then(() => process.exit(0));
});
