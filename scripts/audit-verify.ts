/**
 * `npm run audit:verify`: walks the audit chain of the configured database in keyset batches
 * (bounded memory at any length) and prints how many events were verified, or the first broken
 * row (id, time). `npm run audit:verify -- --file export.jsonl` checks an export from
 * /staff/audit/export offline, without a database. Exits 1 on a break, 2 on an error.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { ChainVerifier } from '../db/audit-chain';
import { ConfigError, loadConfig } from '../app/utils/env.server';
import { createDb } from '../db/client';
import { verifyAuditChain, type AuditVerifyResult } from '../app/models/audit.server';
import { refusalWhileRunning } from './refusal';

export async function verifyExportFile(file: string): Promise<AuditVerifyResult> {
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  let verifier: ChainVerifier | undefined;
  let lineNo = 0;
  for await (const line of lines) {
    lineNo += 1;
    if (!line.trim()) continue;
    const record = JSON.parse(line) as Record<string, any>;
    if (!verifier) {
      if (record.type !== 'audit-export' || typeof record.prev_hash !== 'string') {
        throw new Error('line 1 is not an audit export header');
      }
      verifier = new ChainVerifier(record.prev_hash);
      continue;
    }
    const broken = verifier.check(record as any);
    if (broken) return { ok: false, count: verifier.count, broken };
  }
  if (!verifier) throw new Error('the file is empty');
  return { ok: true, count: verifier.count };
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
  const fileFlag = argv.indexOf('--file');
  if (fileFlag !== -1) {
    const file = argv[fileFlag + 1];
    if (!file) throw new Error('--file needs a path');
    return report(await verifyExportFile(file), file);
  }
  const config = loadConfig();
  const { db, backend } = createDb({ databaseUrl: config.databaseUrl, dataDir: path.join(config.dataDir, 'pglite'), poolSize: 1 });
  try {
    return report(await verifyAuditChain(db), backend);
  } finally {
    await db.destroy();
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
