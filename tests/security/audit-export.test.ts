import { execFile } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalRow, chainHash, signTrailer, type ExportTrailer } from '../../db/audit-chain';
import { recordAudit } from '../../app/models/audit.server';
import { auditSigningKey } from '../../app/utils/audit-key.server';
import { verifyExportFile } from '../../scripts/audit-verify';
import { startTestPortal, type TestPortal } from '../support/portal';
import { createSessionCookie, createUser } from '../support/users';

/**
 * Issue 24 item 4: an audit export could be cut or rewritten and still pass
 * `audit:verify --file`. Now its last line is a trailer with the count and the head hash,
 * signed with an Ed25519 key kept outside the database and published at /.well-known/audit-key;
 * the check names the line where a file goes wrong, and matches the trailer to the live chain.
 */
let portal: TestPortal;
let adminCookie = '';
let dir = '';
let exported = '';
let publicKey: ReturnType<typeof createPublicKey>;

beforeAll(async () => {
  portal = await startTestPortal({ NODE_ENV: 'production' });
  const admin = await createUser(portal.db, { role: 'admin' });
  adminCookie = await createSessionCookie(portal.db, admin, 'production');
  for (let i = 0; i < 5; i++) await recordAudit(portal.db, { actorId: admin.id, action: 'test.event', details: { i } });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-audit-export-sec-'));
  const today = new Date().toISOString().slice(0, 10);
  exported = await (await fetch(`${portal.url}/staff/audit/export?from=${today}&to=${today}`, { headers: { Cookie: adminCookie } })).text();
  publicKey = createPublicKey(await (await fetch(`${portal.url}/.well-known/audit-key`)).text());
}, 120_000);
afterAll(async () => {
  await portal?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const linesOf = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
const write = (name: string, lines: Array<Record<string, unknown> | string>) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return file;
};

describe('the public key', () => {
  it('is published at /.well-known/audit-key to anyone, as PEM', async () => {
    const res = await fetch(`${portal.url}/.well-known/audit-key`);
    expect(res.status).toBe(200);
    const pem = await res.text();
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(createPublicKey(pem).asymmetricKeyType).toBe('ed25519');
  });

  it('is signed with a private key that no table holds', async () => {
    const { privateKey } = auditSigningKey(portal.config.secrets.auditSigningKey);
    expect(createPublicKey(privateKey).export({ type: 'spki', format: 'pem' })).toBe(await (await fetch(`${portal.url}/.well-known/audit-key`)).text());
    const seed = privateKey.export({ type: 'pkcs8', format: 'der' }).subarray(-32);
    const tables = await portal.db.introspection.getTables();
    for (const table of tables) {
      const rows = JSON.stringify(await portal.db.selectFrom(table.name as any).selectAll().execute());
      for (const form of [seed.toString('base64'), seed.toString('base64url'), seed.toString('hex')]) expect(rows).not.toContain(form);
    }
  });
});

describe('an export', () => {
  it('ends in a signed trailer with the count and the head hash, and verifies, against the live chain too', async () => {
    const lines = linesOf(exported);
    const trailer = lines.at(-1) as ExportTrailer;
    expect(trailer).toMatchObject({ type: 'audit-export-trailer', count: lines.length - 2, head_hash: lines.at(-2)!.hash, last_id: lines.at(-2)!.id });
    const file = write('whole.jsonl', lines);
    expect(await verifyExportFile(file, { publicKey, live: portal.db })).toEqual({ ok: true, count: lines.length - 2, live: 'matched' });
  });

  it('of an empty range verifies', async () => {
    const res = await fetch(`${portal.url}/staff/audit/export?from=2001-01-01&to=2001-01-31`, { headers: { Cookie: adminCookie } });
    expect(res.status).toBe(200);
    const lines = linesOf(await res.text());
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ type: 'audit-export-trailer', count: 0, last_id: null, head_hash: null });
    expect(await verifyExportFile(write('empty.jsonl', lines), { publicKey, live: portal.db })).toEqual({ ok: true, count: 0, live: 'matched' });
  });

  it('cut short (last events and trailer gone) fails, naming the line after the last one', async () => {
    const lines = linesOf(exported).slice(0, -3);
    const result = await verifyExportFile(write('cut.jsonl', lines), { publicKey });
    expect(result).toMatchObject({ ok: false, line: lines.length + 1 });
    if (!result.ok) expect(result.reason).toContain('without its signed trailer');
  });

  it('cut in the middle of a line fails, naming that line', async () => {
    const text = exported.slice(0, exported.lastIndexOf('\n', exported.length - 2) - 20);
    const file = path.join(dir, 'torn.jsonl');
    fs.writeFileSync(file, text);
    const result = await verifyExportFile(file, { publicKey });
    expect(result).toMatchObject({ ok: false, line: text.split('\n').length });
  });

  it('with its last events removed and the trailer kept fails at the trailer', async () => {
    const lines = linesOf(exported);
    const kept = [...lines.slice(0, -3), lines.at(-1)!];
    const result = await verifyExportFile(write('dropped.jsonl', kept), { publicKey });
    expect(result).toMatchObject({ ok: false, line: kept.length });
    if (!result.ok) expect(result.reason).toContain('events were removed');
  });

  it('rewritten with the chain recomputed fails at the trailer: its signature no longer matches', async () => {
    const lines = linesOf(exported);
    let prev = lines[0]!.prev_hash as string;
    const forged = lines.map((l, i) => {
      if (i === 0 || l.type === 'audit-export-trailer') return l;
      const row = i === 2 ? { ...l, details: { rewritten: true } } : l;
      const hash = chainHash(prev, row as any);
      const out = { ...row, prev_hash: prev, hash };
      prev = hash;
      return out;
    });
    // The forger writes a new trailer too, but has only their own key.
    const { privateKey } = generateKeyPairSync('ed25519');
    const { signature: _, ...unsigned } = forged.at(-1) as ExportTrailer;
    forged[forged.length - 1] = signTrailer(privateKey, { ...unsigned, head_hash: prev });
    expect(canonicalRow(forged[2] as any)).toContain('rewritten');
    const result = await verifyExportFile(write('forged.jsonl', forged), { publicKey });
    expect(result).toMatchObject({ ok: false, line: forged.length });
    if (!result.ok) expect(result.reason).toContain('signature');
  });

  it('with the trailer\'s count changed fails at the trailer', async () => {
    const lines = linesOf(exported);
    lines[lines.length - 1] = { ...lines.at(-1)!, count: 1 };
    expect(await verifyExportFile(write('count.jsonl', lines), { publicKey })).toMatchObject({ ok: false, line: lines.length });
  });

  it('with a line appended after the trailer fails at that line', async () => {
    const lines = linesOf(exported);
    const appended = [...lines, lines[1]!];
    expect(await verifyExportFile(write('appended.jsonl', appended), { publicKey })).toMatchObject({ ok: false, line: appended.length });
  });

  it('whose header range was changed fails at the trailer', async () => {
    const lines = linesOf(exported);
    lines[0] = { ...lines[0]!, from: '2000-01-01T00:00:00.000Z' };
    const result = await verifyExportFile(write('header.jsonl', lines), { publicKey });
    expect(result).toMatchObject({ ok: false, line: lines.length });
  });

  it('signed by this portal but not matching the live chain fails: the trailer\'s head is not there', async () => {
    const other = await startTestPortal({ NODE_ENV: 'production', EXPORT_KEY: 'x'.repeat(40), AUDIT_SIGNING_KEY: 'y'.repeat(40) });
    try {
      const admin = await createUser(other.db, { role: 'admin' });
      const cookie = await createSessionCookie(other.db, admin, 'production');
      const today = new Date().toISOString().slice(0, 10);
      const text = await (await fetch(`${other.url}/staff/audit/export?from=${today}&to=${today}`, { headers: { Cookie: cookie } })).text();
      const otherKey = createPublicKey(await (await fetch(`${other.url}/.well-known/audit-key`)).text());
      const file = write('elsewhere.jsonl', linesOf(text));
      expect(await verifyExportFile(file, { publicKey: otherKey, live: other.db })).toMatchObject({ ok: true, live: 'matched' });
      // This portal's key does not sign it, and this portal's chain does not hold it.
      expect(await verifyExportFile(file, { publicKey })).toMatchObject({ ok: false, line: linesOf(text).length });
      const result = await verifyExportFile(file, { publicKey: otherKey, live: portal.db });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).toMatch(/live chain/);
    } finally {
      await other.stop();
    }
  }, 120_000);

  it('is checked by `npm run audit:verify -- --file F --key K`, which exits 1 naming the line', async () => {
    const keyFile = path.join(dir, 'audit-key.pem');
    fs.writeFileSync(keyFile, await (await fetch(`${portal.url}/.well-known/audit-key`)).text());
    const good = write('cli-good.jsonl', linesOf(exported));
    const cut = write('cli-cut.jsonl', linesOf(exported).slice(0, -1));
    const run = (file: string) =>
      promisify(execFile)('npx', ['tsx', 'scripts/audit-verify.ts', '--file', file, '--key', keyFile], {
        env: { ...process.env, DATA_DIR: path.join(dir, 'no-portal-here'), DATABASE_URL: '' },
      }).then(
        (r) => ({ code: 0, out: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
      );
    const ok = await run(good);
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toContain('audit export OK');
    const broken = await run(cut);
    expect(broken.code).toBe(1);
    expect(broken.out).toContain(`BROKEN at line ${linesOf(exported).length}`);
  }, 60_000);
});
