import fs from 'node:fs';
import path from 'node:path';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { Kysely, PGliteDialect, PostgresDialect, sql, type Transaction } from 'kysely';
import { Migrator, type MigrationResultSet } from 'kysely/migration';
import pg from 'pg';
import { migrationProvider } from './migrations/index';
import type { Database } from './schema';

export type DB = Kysely<Database>;
/** A transaction: a function typed `(trx: Tx, ...)` must run inside one (locks, several writes that stand or fall together). */
export type Tx = Transaction<Database>;
export type Backend = 'pglite' | 'postgres';

export type DbConfig = {
  /** A PostgreSQL URL; without one the embedded PGlite is used. */
  databaseUrl?: string;
  /** PGlite's data folder; `memory://` (or omitted) keeps it in memory. */
  dataDir?: string;
  /** PGlite only: start from this dump of a data folder (`dumpDataDir`), as the tests' migrated template does. */
  loadDataDir?: Blob;
  poolSize?: number;
  /** Told about every connection-level error (PostgreSQL restarted, network gone); never throws. */
  onConnectionError?: (error: Error) => void;
};

// int8 (bigint ids, counts) comes back as a string from both backends, so a value never changes
// type with the database it came from (PGlite would otherwise give number or bigint by size).
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => value);
const PGLITE_PARSERS = { [pgliteTypes.INT8]: (value: string) => value, [pgliteTypes.BYTEA]: parseBytea };
const PGLITE_SERIALIZERS = { [pgliteTypes.BYTEA]: serializeBytea };

/**
 * bytea travels as hex text on PGlite. Its own codec goes a byte at a time through JavaScript
 * (`Array.from(bytes).map(...).join('')` one way, a `parseInt` per byte pair the other): for a
 * 32 KB value, two arrays of 32,768 elements and 65,536 short strings, and 80 times the CPU of
 * Node's native hex codec. That garbage, made in the server's own thread, cost a package build on
 * the embedded database 141 MB of resident memory (decision 218). Node's codec makes one string or
 * one Buffer per value, and a bytea comes back as a Buffer, as node-postgres gives it.
 */
function serializeBytea(value: unknown): string {
  if (!(value instanceof Uint8Array)) throw new TypeError('a bytea parameter must be a Uint8Array or Buffer');
  return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
}

function parseBytea(value: string): Buffer {
  // The server's bytea_output is hex, its default; nothing here sets it to escape.
  if (!value.startsWith('\\x')) throw new Error('bytea came back in a format other than hex');
  return Buffer.from(value.slice(2), 'hex');
}

/**
 * The PGlite instance behind an embedded handle is kept on the handle itself, not in a map of
 * this module: a second copy of this module (a bundle, a test's source import) must find it too.
 */
const EMBEDDED = Symbol.for('privacy-portal.embedded-pglite');

/** Extensions the migrations create (0110: pg_trgm for staff search); every PGlite that opens the data folder loads them. */
export const PGLITE_EXTENSIONS = { pg_trgm };

/** The PGlite instance behind an embedded database (for its own dump), or undefined on PostgreSQL. */
export function embeddedInstanceOf(db: DB): PGlite | undefined {
  return (db as unknown as { [EMBEDDED]?: PGlite })[EMBEDDED];
}

export function createDb(config: DbConfig): { db: DB; backend: Backend } {
  if (config.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: config.databaseUrl,
      max: config.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
    });
    // A client losing its server emits 'error'; without a listener that event kills the process.
    // The pool listens on idle clients; a checked-out client has no listener of the pool's, so
    // every client gets one of ours for its whole life. The query in flight still rejects (its
    // request answers 503), pg-pool drops the broken client on release, and the next query opens
    // a fresh connection: PostgreSQL coming back needs no restart of the app.
    const report = (error: Error) => {
      try {
        config.onConnectionError?.(error);
      } catch {
        // A reporting failure must not become the crash this listener prevents.
      }
    };
    pool.on('error', report);
    pool.on('connect', (client) => client.on('error', report));
    return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), backend: 'postgres' };
  }
  const dataDir = config.dataDir && config.dataDir !== 'memory://' ? config.dataDir : undefined;
  // Refused before anything is written when another live process holds the folder.
  const release = dataDir ? claimEmbeddedDatabase(dataDir) : () => {};
  if (dataDir) fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // wal_recycle=off: a finished WAL segment is deleted at the next checkpoint instead of being
  // renamed for reuse with its old bytes inside (issue 24.6: the erasure scrub relies on it).
  const pglite = new PGlite({ dataDir, ...(config.loadDataDir ? { loadDataDir: config.loadDataDir } : {}), parsers: PGLITE_PARSERS, serializers: PGLITE_SERIALIZERS, extensions: PGLITE_EXTENSIONS, startParams: [...PGlite.defaultStartParams, '-c', 'wal_recycle=off'] });
  yieldBeforeEachStatement(pglite);
  const close = pglite.close.bind(pglite);
  pglite.close = async () => {
    try {
      await close();
    } finally {
      release();
    }
  };
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  Object.defineProperty(db, EMBEDDED, { value: pglite });
  return { db, backend: 'pglite' };
}

/** Another live process holds the embedded database folder: opening it too would corrupt it. */
export class EmbeddedDatabaseInUseError extends Error {
  override name = 'EmbeddedDatabaseInUseError';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`the embedded database in ${dataDir} is open (a running portal owns it, process ${pid})`);
  }
}

function ownerFileOf(dataDir: string) {
  return `${dataDir}.owner`;
}

/** The pid named in the owner file, or undefined when there is none (or it names nothing). */
function readOwner(dataDir: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(ownerFileOf(dataDir), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the embedded database folder for this process: `DATA_DIR/pglite.owner` names the pid
 * that holds it (PGlite's own postmaster.pid always says -42). The file is made atomically (a
 * hard link of a complete temporary file), so two processes starting at once cannot both win;
 * a file naming a process that is gone (killed, power loss) is taken over. Throws
 * EmbeddedDatabaseInUseError, having written nothing, when a live process other than this one
 * holds it. Returns the release, run when the database is closed.
 */
export function claimEmbeddedDatabase(dataDir: string): () => void {
  const file = ownerFileOf(dataDir);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  for (let attempt = 0; ; attempt++) {
    const holder = readOwner(dataDir);
    if (holder === process.pid) break;
    if (holder !== undefined && isProcessAlive(holder)) throw new EmbeddedDatabaseInUseError(dataDir, holder);
    if (fs.existsSync(file)) fs.rmSync(file, { force: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${process.pid}\n`, { mode: 0o600 });
    try {
      fs.linkSync(tmp, file);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw error;
      // Another process made the file between our look and our link: look again.
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  return () => {
    if (readOwner(dataDir) === process.pid) fs.rmSync(file, { force: true });
  };
}

/**
 * Whether a running process other than this one holds the embedded database in `dataDir`
 * (see claimEmbeddedDatabase), so a command-line tool can refuse before it starts.
 */
export function embeddedDatabaseInUse(dataDir: string): boolean {
  const holder = readOwner(dataDir);
  return holder !== undefined && holder !== process.pid && isProcessAlive(holder);
}

/** Whether a process with this pid runs on this machine (EPERM: it does, under another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite runs in this thread and its queries resolve in microtasks: with many requests waiting
 * for it, one query follows the next without the event loop ever reaching I/O, so a new
 * connection (a health check, a visitor) waits for seconds while the queue drains (issue 14:
 * p99 of 6 s and timeouts at 100 connections). Each top-level statement first yields to the
 * event loop, so accepting and reading connections interleave with the queries. (Statements
 * inside a transaction do not: wrapping `transaction` too made closing the database hang.)
 */
function yieldBeforeEachStatement(pglite: PGlite) {
  const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));
  const query = pglite.query.bind(pglite);
  pglite.query = (async (...args: Parameters<typeof query>) => {
    await yieldToIo();
    return query(...args);
  }) as typeof pglite.query;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** Applies every pending migration in order; throws naming the migration that failed. */
export async function migrateToLatest(db: Kysely<any>): Promise<NonNullable<MigrationResultSet['results']>> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new MigrationError(
      `Migration ${failed?.migrationName ?? '(unknown)'} failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  return results ?? [];
}

/** One real round trip to the database. */
export async function pingDb(db: Kysely<any>): Promise<void> {
  await sql`select 1`.execute(db);
}

/**
 * PostgreSQL SQLSTATEs and socket errors that mean "the database is not reachable right now",
 * as opposed to a bug or bad data: the server shutting down or restarting (57P01-57P03), a
 * broken or refused connection (class 08), too many connections (53300), and what `pg` and
 * the pool say when a connection dies or cannot be had in time.
 */
const UNAVAILABLE_CODES = new Set([
  '57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006', '08P01',
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND',
]);
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/,
  /not queryable/,
  /^timeout exceeded when trying to connect/,
  /^Client was closed/,
  /the database system is (starting up|shutting down|in recovery mode)/,
];

/** True when `error` (or its cause) says the database is unreachable: answer 503, not 500. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((re) => re.test(message))) return true;
    if (e instanceof AggregateError && e.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
  }
  return false;
}

/**
 * Runs `work` again while the database is unreachable (up to `attempts` times, backing off from
 * 500 ms). Only for idempotent writes, such as marking an outbox message sent or a job done:
 * running them twice leaves the same row.
 */
export async function retryIdempotent<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isDatabaseUnavailable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
    }
  }
}
