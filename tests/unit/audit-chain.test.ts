import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalRow, chainHash, ChainVerifier, GENESIS_HASH } from '../../db/audit-chain';

const row = {
  id: '1',
  occurred_at: new Date('2026-01-02T03:04:05.678Z'),
  actor_id: null,
  action: 'auth.sign_in',
  target_type: 'user',
  target_id: 'u1',
  details: { z: 1, a: { y: [2, { b: true, a: null }], x: 'é' } },
  ip: '192.0.2.1',
};

describe('the audit chain rule', () => {
  it('canonical JSON sorts keys at every depth, keeps array order, drops undefined', () => {
    expect(canonicalJson({ b: 1, a: [3, { d: undefined, c: 'x' }] })).toBe('{"a":[3,{"c":"x"}],"b":1}');
    expect(canonicalRow(row)).toBe(
      '{"action":"auth.sign_in","actor_id":null,"details":{"a":{"x":"é","y":[2,{"a":null,"b":true}]},"z":1},"id":"1","ip":"192.0.2.1","occurred_at":"2026-01-02T03:04:05.678Z","target_id":"u1","target_type":"user"}',
    );
  });

  it('hash = sha256_hex(prev_hash || canonical row), reproducible with any sha256 tool', () => {
    const expected = createHash('sha256').update(GENESIS_HASH + canonicalRow(row), 'utf8').digest('hex');
    expect(chainHash(GENESIS_HASH, row)).toBe(expected);
    expect(chainHash(GENESIS_HASH, { ...row, occurred_at: '2026-01-02T03:04:05.678Z' })).toBe(expected);
  });

  it('the verifier names a changed row, a removed row and a reordered row', () => {
    const rows = [1, 2, 3].map((n) => ({ ...row, id: String(n), target_id: `u${n}` }));
    let prev = GENESIS_HASH;
    const chained = rows.map((r) => {
      const hash = chainHash(prev, r);
      const out = { ...r, prev_hash: prev, hash };
      prev = hash;
      return out;
    });
    const check = (list: typeof chained) => {
      const v = new ChainVerifier();
      for (const r of list) {
        const broken = v.check(r);
        if (broken) return broken.id;
      }
      return null;
    };
    expect(check(chained)).toBeNull();
    expect(check([chained[0]!, { ...chained[1]!, ip: '203.0.113.1' }, chained[2]!])).toBe('2');
    expect(check([chained[0]!, chained[2]!])).toBe('3');
    expect(check([chained[1]!, chained[0]!])).toBe('2');
  });
});
