import { describe, expect, it } from 'vitest';
import { blockSecondsAfter, THROTTLE_LIMITS, throttleKeys } from '../../app/models/accounts/login-throttle.server';
import { safeRedirect } from '../../app/utils/safe-redirect';
import { isForeignOriginRequest } from '../../app/utils/origin';
import { checkPasswordPolicy, commonPasswords, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../app/utils/password-policy.server';
import {
  generateSessionToken,
  hashSessionToken,
  readSessionToken,
  serializeSessionCookie,
  sessionCookieName,
} from '../../app/utils/session-token.server';

describe('password policy (NIST SP 800-63B)', () => {
  it('bundles a list of at least 10,000 common passwords', () => {
    expect(commonPasswords().size).toBeGreaterThanOrEqual(10_000);
  });

  it.each([
    ['', 'Use at least 12 characters.'],
    ['elevenchars', 'Use at least 12 characters.'],
    ['x'.repeat(PASSWORD_MAX_LENGTH + 1), 'Use at most 256 characters.'],
    ['qwertyuiopasdfghjkl', null],
    ['1qaz2wsx3edc', 'This password is too common. Choose one that is harder to guess.'],
    ['QWERTY123456', 'This password is too common. Choose one that is harder to guess.'],
    ['password1234', 'This password is too common. Choose one that is harder to guess.'],
    ['administrator', 'This password is too common. Choose one that is harder to guess.'],
    ['correct horse battery staple', null],
    ['aaaaaaaaaaaa', null],
    ['ÄÖÜ 日本語 パスワード', null],
  ])('%j -> %j', (password, expected) => {
    expect(checkPasswordPolicy(password, 'someone@example.org')).toBe(expected);
  });

  it('counts characters, not UTF-16 units: 12 emoji are enough, 256 emoji are allowed', () => {
    expect(checkPasswordPolicy('🔑'.repeat(11))).toBe('Use at least 12 characters.');
    expect(checkPasswordPolicy('🔑'.repeat(12))).toBeNull();
    expect(checkPasswordPolicy('🔑'.repeat(PASSWORD_MAX_LENGTH))).toBeNull();
    expect(checkPasswordPolicy('🔑'.repeat(PASSWORD_MAX_LENGTH + 1))).toBe('Use at most 256 characters.');
  });

  it('refuses the email address itself, in any case or with spaces around it', () => {
    expect(checkPasswordPolicy('Alice.Long@Example.org', 'alice.long@example.org ')).toBe(
      'Your password cannot be your email address.',
    );
    expect(checkPasswordPolicy('alice.long@example.org!', 'alice.long@example.org')).toBeNull();
  });

  it('has no composition rules', () => {
    expect(checkPasswordPolicy('all lower case words here')).toBeNull();
    expect(checkPasswordPolicy('123498761234987')).toBeNull();
    expect(PASSWORD_MIN_LENGTH).toBe(12);
  });
});

describe('sign-in throttling rules', () => {
  const account = THROTTLE_LIMITS.account;

  it('lets the first failures through, then doubles the delay, then locks out', () => {
    const delays = Array.from({ length: 12 }, (_, i) => blockSecondsAfter(i + 1, account));
    expect(delays).toEqual([0, 0, 0, 0, 1, 2, 4, 8, 16, 900, 900, 900]);
  });

  it('caps the delay before lockout', () => {
    const limits = { freeFailures: 0, lockoutAfter: 50, lockoutSeconds: 600, maxDelaySeconds: 30 };
    expect(blockSecondsAfter(1, limits)).toBe(1);
    expect(blockSecondsAfter(6, limits)).toBe(30);
    expect(blockSecondsAfter(49, limits)).toBe(30);
    expect(blockSecondsAfter(50, limits)).toBe(600);
  });

  it('is looser per address than per account', () => {
    expect(THROTTLE_LIMITS.ip.freeFailures).toBeGreaterThan(account.freeFailures);
    expect(THROTTLE_LIMITS.ip.lockoutAfter).toBeGreaterThan(account.lockoutAfter);
  });

  it('keys accounts by normalised email and adds the address when known', () => {
    expect(throttleKeys('  Alice@Example.ORG ', '203.0.113.5').map((k) => k.key)).toEqual([
      'account:alice@example.org',
      'ip:203.0.113.5',
    ]);
    expect(throttleKeys('a@b.org', null).map((k) => k.key)).toEqual(['account:a@b.org']);
  });
});

describe('session tokens and cookies', () => {
  it('makes 256-bit random tokens with a recognisable prefix', () => {
    const tokens = new Set(Array.from({ length: 200 }, generateSessionToken));
    expect(tokens.size).toBe(200);
    for (const t of tokens) expect(t).toMatch(/^pps_[A-Za-z0-9_-]{43}$/);
    expect(hashSessionToken('pps_x')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names the cookie __Host-session with Secure in production only', () => {
    expect(sessionCookieName('production')).toBe('__Host-session');
    expect(sessionCookieName('test')).toBe('session');
    expect(serializeSessionCookie('production', 'pps_t', 60)).toBe('__Host-session=pps_t; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure');
    expect(serializeSessionCookie('development', 'pps_t', 60)).toBe('session=pps_t; Path=/; HttpOnly; SameSite=Lax; Max-Age=60');
  });

  it('reads only a well-formed token from the right cookie', () => {
    const token = generateSessionToken();
    expect(readSessionToken(`theme=dark; session=${token}`, 'test')).toBe(token);
    expect(readSessionToken(`__Host-session=${token}`, 'test')).toBeNull();
    expect(readSessionToken(`__Host-session=${token}`, 'production')).toBe(token);
    expect(readSessionToken('session=garbage', 'test')).toBeNull();
    expect(readSessionToken(`session=${token}x`, 'test')).toBeNull();
    expect(readSessionToken(null, 'test')).toBeNull();
    expect(readSessionToken('=;;session', 'test')).toBeNull();
  });
});

describe('redirect targets', () => {
  it.each([
    ['/account', '/account'],
    ['/requests/1?x=2', '/requests/1?x=2'],
    ['//evil.example', '/account'],
    ['/\\evil.example', '/account'],
    ['https://evil.example', '/account'],
    ['javascript:alert(1)', '/account'],
    ['', '/account'],
    [undefined, '/account'],
    // Browsers drop tabs and newlines from URLs: `/\t/evil.example` would become `//evil.example`.
    ['/\t/evil.example', '/account'],
    ['/\n/evil.example', '/account'],
    ['/\r\n/evil.example', '/account'],
    ['/%09/evil.example', '/account'],
    ['/%0A/evil.example', '/account'],
    ['/%0D%0ALocation:%20x', '/account'],
    ['/%2509/evil.example', '/account'],
    ['/\u0085/evil.example', '/account'],
    ['/\u007f', '/account'],
    ['/%5Cevil.example', '/account'],
    ['/%2F/evil.example', '/account'],
    ['/%E0%A4%A', '/account'],
    ['\\evil.example', '/account'],
    ['http:/evil.example', '/account'],
    ['/account#top', '/account#top'],
    ['/requests/new?q=a b', '/requests/new?q=a%20b'],
    ['/caf\u00e9', '/caf%C3%A9'],
    ['/\u20ac', '/%E2%82%AC'],
  ])('%j -> %j', (input, expected) => {
    expect(safeRedirect(input)).toBe(expected);
  });
});

describe('foreign-origin check', () => {
  const base = { origin: undefined, secFetchSite: undefined, host: 'portal.example' } as const;
  it.each([
    [{ ...base, method: 'GET', origin: 'https://evil.example' }, false],
    [{ ...base, method: 'POST' }, false],
    [{ ...base, method: 'POST', origin: 'https://portal.example' }, false],
    [{ ...base, method: 'post', origin: 'http://portal.example', secFetchSite: 'same-origin' }, false],
    [{ ...base, method: 'POST', origin: 'https://evil.example' }, true],
    [{ ...base, method: 'PUT', origin: 'https://portal.example.evil.example' }, true],
    [{ ...base, method: 'DELETE', origin: 'null' }, true],
    [{ ...base, method: 'PATCH', origin: 'file://' }, true],
    [{ ...base, method: 'POST', secFetchSite: 'cross-site' }, true],
    [{ ...base, method: 'POST', origin: 'https://portal.example', secFetchSite: 'Cross-Site' }, true],
    [{ ...base, method: 'POST', origin: 'https://portal.example:8443' }, true],
    [{ ...base, method: 'POST', origin: 'https://portal.example', host: undefined }, true],
    [{ ...base, method: 'POST', origin: 'https://portal.example', host: 'internal:3000', forwardedHost: 'portal.example' }, false],
  ])('%j -> %j', (request, foreign) => {
    expect(isForeignOriginRequest(request)).toBe(foreign);
  });
});
