import { createHash, randomBytes } from 'node:crypto';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createPackage, downloadPackage, previewPackage } from '../../app/models/requests/packages.server';
import { SYSTEM_FILE_PURPOSE, systemFileAad } from '../../app/models/systems/answers.server';
import type { Organisation } from '../../app/utils/env.server';
import { sealBytes } from '../../app/utils/file-crypto.server';
import { createTestDb, type TestDb } from '../support/db';
import { fileRequest } from '../support/requests';

/**
 * Decision 218: packages are written as streams, files read from the database in slices, stored
 * as sealed chunks. The memory figure is measured on the built server (tests/built/package-memory).
 */
const exportKey = randomBytes(32).toString('base64url');
const organisation: Organisation = {
  name: 'Example Ltd',
  postalAddress: '1 Example Street',
  privacyEmail: 'privacy@example.test',
  dpo: undefined,
  representative: undefined,
  authority: { name: 'ICO', address: 'Wilmslow', url: 'https://ico.org.uk' },
  links: { privacyNotice: undefined, dpa: undefined, transfers: undefined },
  demo: false,
} as Organisation;

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.destroy();
});

it('keeps every system file intact, under systems/<system>/<file>, in a small package read whole', async () => {
  const { request } = await fileRequest(t.db);
  const expected = new Map<string, Buffer>();
  for (const name of ['CRM', 'CRM/../etc']) {
    const system = await t.db.insertInto('connected_systems').values({ name }).returning('id').executeTakeFirstOrThrow();
    const task = await t.db
      .insertInto('system_tasks')
      .values({ request_id: request.id, system_id: system.id, state: 'answered', outcome: 'data', answered_at: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const file of ['a.csv', 'a.csv']) {
      const bytes = randomBytes(3 * 1024 * 1024 + 17);
      const id = crypto.randomUUID();
      const sealed = sealBytes(bytes, exportKey, SYSTEM_FILE_PURPOSE, systemFileAad(id));
      await t.db
        .insertInto('system_task_files')
        .values({ id, task_id: task.id, name: file, content_type: 'text/csv', bytes: bytes.length, sha256: 'x', data: sealed.ciphertext, iv: sealed.iv, auth_tag: sealed.authTag })
        .execute();
      const folder = name.replace(/\//g, '_');
      expected.set(`systems/${folder}/${expected.has(`systems/${folder}/a.csv`) ? 'a (2).csv' : 'a.csv'}`, bytes);
    }
  }
  const row = await t.db.selectFrom('requests').selectAll().where('id', '=', request.id).executeTakeFirstOrThrow();
  await t.db.transaction().execute((trx) =>
    createPackage(trx, row, { id: null, ip: null }, { exportKey, organisation, answer: 'Here.', timeZone: 'Europe/London', publicUrl: 'http://portal.test', now: new Date() }),
  );
  const file = await downloadPackage(t.db, { requestId: request.id, via: 'status_link', userId: null, ip: null }, { exportKey });
  const zip = unzipSync(new Uint8Array(await new Response(file!.body).arrayBuffer()));
  for (const [path, bytes] of expected) expect(Buffer.from(zip[path]!).equals(bytes), path).toBe(true);
  expect(Object.keys(zip).filter((k) => k.startsWith('systems/')).sort()).toEqual([...expected.keys()].sort());
});

it('refuses a system file changed in the database: nothing is stored, and the preview stops before the file', async () => {
  const { request } = await fileRequest(t.db);
  const system = await t.db.insertInto('connected_systems').values({ name: 'Billing' }).returning('id').executeTakeFirstOrThrow();
  const task = await t.db
    .insertInto('system_tasks')
    .values({ request_id: request.id, system_id: system.id, state: 'answered', outcome: 'data', answered_at: new Date() })
    .returning('id')
    .executeTakeFirstOrThrow();
  const bytes = randomBytes(700 * 1024);
  const id = crypto.randomUUID();
  const sealed = sealBytes(bytes, exportKey, SYSTEM_FILE_PURPOSE, systemFileAad(id));
  // One bit flipped in the last slice: AES-GCM's tag is checked only after the whole file.
  sealed.ciphertext[sealed.ciphertext.length - 5]! ^= 1;
  await t.db
    .insertInto('system_task_files')
    .values({ id, task_id: task.id, name: 'invoices.csv', content_type: 'text/csv', bytes: bytes.length, sha256: 'x', data: sealed.ciphertext, iv: sealed.iv, auth_tag: sealed.authTag })
    .execute();
  const row = await t.db.selectFrom('requests').selectAll().where('id', '=', request.id).executeTakeFirstOrThrow();
  const chunksBefore = (await sql<{ n: string }>`select count(*) as n from package_chunks`.execute(t.db)).rows[0]!.n;
  await expect(
    t.db.transaction().execute((trx) =>
      createPackage(trx, row, { id: null, ip: null }, { exportKey, organisation, answer: 'Here.', timeZone: 'Europe/London', publicUrl: 'http://portal.test', now: new Date() }),
    ),
  ).rejects.toThrow(/authenticate/);
  expect(await t.db.selectFrom('access_packages').select('id').where('request_id', '=', request.id).execute()).toEqual([]);
  expect((await sql<{ n: string }>`select count(*) as n from package_chunks`.execute(t.db)).rows[0]!.n).toBe(chunksBefore);

  const preview = await previewPackage(t.db, request.id, { id: null, ip: null }, { exportKey, organisation, timeZone: 'Europe/London', publicUrl: 'http://portal.test' });
  const reader = preview!.body.getReader();
  const seen: Uint8Array[] = [];
  await expect(
    (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        seen.push(value);
      }
    })(),
  ).rejects.toThrow(/authenticate/);
  // The file was checked whole before any of it went out: nothing of the entry was sent.
  expect(Buffer.concat(seen).includes(Buffer.from('systems/Billing/invoices.csv'))).toBe(false);
});
