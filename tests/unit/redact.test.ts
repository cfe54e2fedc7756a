import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets, redactText } from '../../app/utils/redact';

describe('redactSecrets', () => {
  it('masks secret keys at any depth and in any case', () => {
    const out = redactSecrets({
      user: { email: 'a@example.org', Password: 'hunter2hunter2', nested: { API_KEY: 'k', apiKey: 'k2' } },
      headers: { Authorization: 'Bearer abc', 'set-cookie': ['__Host-session=abc'], Cookie: 'x=y' },
      sessionId: 's',
      csrf_token: 't',
      passcode: '1234',
      clientSecret: 'cs',
    });
    expect(out).toEqual({
      user: { email: 'a@example.org', Password: REDACTED, nested: { API_KEY: REDACTED, apiKey: REDACTED } },
      headers: { Authorization: REDACTED, 'set-cookie': REDACTED, Cookie: REDACTED },
      sessionId: REDACTED,
      csrf_token: REDACTED,
      passcode: REDACTED,
      clientSecret: REDACTED,
    });
  });

  it('masks inside arrays', () => {
    expect(redactSecrets([{ token: 'a' }, { name: 'b' }])).toEqual([{ token: REDACTED }, { name: 'b' }]);
  });

  it('masks errors, their messages and their causes', () => {
    const cause = Object.assign(new Error('inner'), { password: 'p4ss' });
    const error = new Error('GET /reset?token=abc123 failed', { cause });
    const out = redactSecrets({ err: error }) as { err: Record<string, unknown> };
    expect(out.err.message).toBe(`GET /reset?token=${REDACTED} failed`);
    expect(JSON.stringify(out)).not.toContain('abc123');
    expect(JSON.stringify(out)).not.toContain('p4ss');
    expect((out.err.cause as Record<string, unknown>).message).toBe('inner');
  });

  it('survives circular references', () => {
    const a: Record<string, unknown> = { name: 'a', secret: 's' };
    a.self = a;
    expect(redactSecrets(a)).toEqual({ name: 'a', secret: REDACTED, self: '[Circular]' });
  });

  it('keeps the same object seen twice (not a cycle)', () => {
    const shared = { x: 1 };
    expect(redactSecrets({ a: shared, b: shared })).toEqual({ a: { x: 1 }, b: { x: 1 } });
  });
});

describe('redactText', () => {
  it('masks secret query parameters and keeps the others', () => {
    expect(redactText('/login?redirectTo=%2Fme&password=abc&Token=t')).toBe(
      `/login?redirectTo=%2Fme&password=${REDACTED}&Token=${REDACTED}`,
    );
  });

  it('masks secret link paths', () => {
    expect(redactText('https://portal.example/verify/AbC123_x?x=1')).toBe(
      `https://portal.example/verify/${REDACTED}?x=1`,
    );
    expect(redactText('/download/abcdef')).toBe(`/download/${REDACTED}`);
  });

  it('masks session cookie values', () => {
    expect(redactText('Cookie: __Host-session=abcdef; theme=dark')).toBe(
      `Cookie: __Host-session=${REDACTED}; theme=dark`,
    );
  });

  it('leaves ordinary text alone', () => {
    expect(redactText('Request DSR-2026-000123 completed')).toBe('Request DSR-2026-000123 completed');
  });
});
