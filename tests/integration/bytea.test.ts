import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../support/db';

/**
 * bytea on either database: PGlite is given Node's hex codec in db/client.ts (its own went a byte
 * at a time through JavaScript arrays; decision 218). What goes in comes out byte for byte, as a
 * Buffer on both databases, and the server stores the bytes themselves, not their hex text.
 */
let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  await sql`create temporary table bytea_round_trip (id int primary key, value bytea)`.execute(t.db);
});
afterAll(async () => {
  await t?.destroy();
});

const cases: Array<[string, Uint8Array]> = [
  ['empty', new Uint8Array(0)],
  ['every byte value', Uint8Array.from({ length: 256 }, (_, i) => i)],
  ['a view into the middle of a larger buffer', new Uint8Array(Buffer.from('xxABCDEFyy').buffer, 2 + Buffer.from('xxABCDEFyy').byteOffset, 6)],
  ['a 32 KB package chunk', randomBytes(32 * 1024)],
  ['1 MB', randomBytes(1024 * 1024)],
];

it.each(cases.map(([name, bytes], i) => [name, bytes, i] as const))('round-trips %s', async (_name, bytes, id) => {
  await sql`insert into bytea_round_trip (id, value) values (${id}, ${bytes})`.execute(t.db);
  const { rows } = await sql<{ value: Buffer; n: number; head: string | null }>`
    select value, octet_length(value) as n, encode(substring(value from 1 for 4), 'hex') as head from bytea_round_trip where id = ${id}`.execute(t.db);
  const row = rows[0]!;
  expect(Buffer.isBuffer(row.value), `a bytea comes back as a Buffer on ${t.backend}`).toBe(true);
  expect(Buffer.compare(row.value, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))).toBe(0);
  // The server holds the bytes (not the hex text, nor the whole of a view's underlying buffer).
  expect(Number(row.n)).toBe(bytes.byteLength);
  expect(row.head).toBe(Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(4, bytes.byteLength)).toString('hex'));
});

// node-postgres sends a string as text, which PostgreSQL reads as bytea's escape format; PGlite's
// serializer is ours, and refuses anything but bytes rather than store its text.
it.skipIf(Boolean(process.env.DATABASE_URL))('refuses a bytea parameter that is not bytes on the embedded database, naming the problem', async () => {
  await expect(sql`insert into bytea_round_trip (id, value) values (100, ${'not bytes' as unknown as Uint8Array})`.execute(t.db)).rejects.toThrow(
    /bytea parameter must be a Uint8Array or Buffer/,
  );
});
