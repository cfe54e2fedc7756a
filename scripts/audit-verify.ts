/**
 * `npm run audit:verify`: walks the audit chain of the configured database in keyset batches
 * (bounded memory at any length) and prints how many events were verified, or the first broken
 * row (id, time). `npm run audit:verify -- --file export.jsonl [--key audit-key.pem]` checks an
 * export from /staff/audit/export: its chain and its signed trailer, under the key from
 * /.well-known/audit-key (or this portal's own), and against the live chain when the database
 * can be reached. Exits 1 on a break, 2 on an error.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { sql } from 'kysely';
import { ChainVerifier, GENESIS_HASH, trailerSignatureValid, type ExportTrailer } from '../db/audit-chain';
import { auditSigningKey } from '../app/utils/audit-key.server';
import { ConfigError, loadConfig } from '../app/utils/env.server';
import { createDb, type DB } from '../db/client';
import { verifyAuditChain, type AuditVerifyResult } from '../app/models/audit.server';
import { refusalWhileRunning } from './refusal';

export type ExportVerifyResult =
  | { ok: true; count: number; live: 'matched' | 'not checked' }
  | { ok: false; count: number; line: number; reason: string };

/**
 * Checks an export offline: the chain from the header's prev_hash, then the signed trailer (the
 * count, the last hash and the header's range, under `publicKey`); nothing may follow it. With
 * `live` (the portal's database, when reachable) the trailer's head must also be in the live
 * chain, with the same number of events up to it in the range. A failure names the line.
 */
export async function verifyExportFile(file: string, options: { publicKey: KeyObject; live?: DB }): Promise<ExportVerifyResult> {
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  let header: { from: string; to: string; prev_hash: string | null } | undefined;
  let verifier: ChainVerifier | undefined;
  let trailer: ExportTrailer | undefined;
  let lineNo = 0;
  const fail = (line: number, reason: string): ExportVerifyResult => ({ ok: false, count: verifier?.count ?? 0, line, reason });
  for await (const text of lines) {
    lineNo += 1;
    if (!text.trim()) continue;
    if (trailer) return fail(lineNo, 'a line follows the signed trailer (lines were appended)');
    let record: Record<string, any>;
    try {
      record = JSON.parse(text) as Record<string, any>;
    } catch {
      return fail(lineNo, 'not a JSON line (the file was cut or altered)');
    }
    if (!header) {
      if (record.type !== 'audit-export' || (record.prev_hash !== null && typeof record.prev_hash !== 'string')) {
        return fail(lineNo, 'not an audit export header');
      }
      header = { from: record.from, to: record.to, prev_hash: record.prev_hash };
      // An empty export has no first event: its chain starts nowhere, and its trailer says 0.
      verifier = new ChainVerifier(record.prev_hash ?? GENESIS_HASH);
      continue;
    }
    if (record.type === 'audit-export-trailer') {
      trailer = record as ExportTrailer;
      if (!trailerSignatureValid(options.publicKey, trailer)) {
        return fail(lineNo, 'the trailer\'s signature does not match (the trailer was forged or the file was signed by another key)');
      }
      if (trailer.from !== header.from || trailer.to !== header.to || trailer.prev_hash !== header.prev_hash) {
        return fail(lineNo, 'the trailer does not match the header (the header was altered)');
      }
      const head = verifier!.count === 0 ? header.prev_hash : verifier!.prevHash;
      if (trailer.count !== verifier!.count || trailer.head_hash !== head) {
        return fail(lineNo, `the trailer signs ${trailer.count} events ending in ${String(trailer.head_hash).slice(0, 12)}, the file holds ${verifier!.count} ending in ${String(head).slice(0, 12)} (events were removed or added)`);
      }
      continue;
    }
    const broken = verifier!.check(record as any);
    if (broken) return fail(lineNo, `event id ${broken.id} (${broken.occurredAt}): ${broken.reason}`);
  }
  if (!header) return fail(1, 'the file is empty');
  if (!trailer) return fail(lineNo + 1, 'the file ends without its signed trailer (it was cut short)');
  if (!options.live) return { ok: true, count: verifier!.count, live: 'not checked' };
  const mismatch = await checkAgainstLiveChain(options.live, trailer);
  return mismatch ? fail(lineNo, mismatch) : { ok: true, count: verifier!.count, live: 'matched' };
}

/** Null when the live chain holds the trailer's head with as many events up to it in the range; else why not. */
async function checkAgainstLiveChain(db: DB, trailer: ExportTrailer): Promise<string | null> {
  const range = { from: new Date(trailer.from), to: new Date(trailer.to) };
  if (trailer.last_id !== null) {
    const row = await db.selectFrom('audit_events').select('hash').where(sql`id`, '=', sql`${trailer.last_id}::bigint`).executeTakeFirst();
    if (!row) return `the live chain has no event id ${trailer.last_id}, the trailer's last event`;
    if (row.hash !== trailer.head_hash) return `the live chain's event id ${trailer.last_id} has another hash than the trailer's head`;
  }
  let query = db
    .selectFrom('audit_events')
    .select(sql<string>`count(*)`.as('n'))
    .where('occurred_at', '>=', range.from)
    .where('occurred_at', '<', range.to);
  if (trailer.last_id !== null) query = query.where(sql`id`, '<=', sql`${trailer.last_id}::bigint`);
  else query = query.where(sql<boolean>`false`);
  const { n } = await query.executeTakeFirstOrThrow();
  if (Number(n) !== trailer.count) return `the live chain holds ${n} events in the range up to the trailer's head, the trailer ${trailer.count}`;
  return null;
}

function reportExport(result: ExportVerifyResult, file: string): number {
  if (result.ok) {
    const live = result.live === 'matched' ? 'trailer matches the live chain' : 'live chain not reachable, checked offline only';
    console.log(`audit export OK: ${result.count} events verified, signed trailer valid; ${live} (${file})`);
    return 0;
  }
  console.log(`audit export BROKEN at line ${result.line}: ${result.reason}; ${result.count} events before it verified (${file})`);
  return 1;
}

function report(result: AuditVerifyResult, what: string): number {
  if (result.ok) {
    console.log(`audit chain OK: ${result.count} events verified (${what})`);
    return 0;
  }
  const b = result.broken;
  console.log(`audit chain BROKEN at event id ${b.id} (${b.occurredAt}): ${b.reason}; ${result.count} events before it verified (${what})`);
  return 1;
}

async function main(argv: string[]): Promise<number> {
  const flag = (name: string) => {
    const at = argv.indexOf(name);
    if (at === -1) return undefined;
    const value = argv[at + 1];
    if (!value) throw new Error(`${name} needs a path`);
    return value;
  };
  const file = flag('--file');
  if (file) {
    // The auditor's copy of /.well-known/audit-key, else the key this portal's configuration derives.
    const keyFile = flag('--key');
    const config = keyFile ? tryLoadConfig() : loadConfig();
    const publicKey = keyFile ? createPublicKey(fs.readFileSync(keyFile)) : auditSigningKey(config!.secrets.auditSigningKey).publicKey;
    const live = config ? await openLiveDb(config) : undefined;
    try {
      return reportExport(await verifyExportFile(file, { publicKey, live: live?.db }), file);
    } finally {
      await live?.db.destroy();
    }
  }
  const config = loadConfig();
  const { db, backend } = createDb({ databaseUrl: config.databaseUrl, dataDir: path.join(config.dataDir, 'pglite'), poolSize: 1 });
  try {
    return report(await verifyAuditChain(db), backend);
  } finally {
    await db.destroy();
  }
}

function tryLoadConfig() {
  try {
    return loadConfig();
  } catch {
    return undefined;
  }
}

/** The portal's database when it can be reached (PostgreSQL answering, or the embedded one on disk); else undefined. */
async function openLiveDb(config: ReturnType<typeof loadConfig>) {
  const dataDir = path.join(config.dataDir, 'pglite');
  if (!config.databaseUrl && !fs.existsSync(dataDir)) return undefined;
  try {
    const opened = createDb({ databaseUrl: config.databaseUrl, dataDir, poolSize: 1 });
    await sql`select 1 from audit_chain_head`.execute(opened.db);
    return opened;
  } catch {
    return undefined;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]).endsWith('audit-verify.ts')) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(
        refusalWhileRunning(error, 'stop the portal first, or check an export from /staff/audit/export with --file') ??
          (error instanceof ConfigError ? error.message : `audit:verify failed: ${(error as Error).message}`),
      );
      process.exit(2);
    },
  );
}
