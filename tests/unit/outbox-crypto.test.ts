import { describe, expect, it } from 'vitest';
import { deriveOutboxKey, isSealed, openMailText, OutboxKeyError, sealMailText, useOutboxKey } from '../../app/utils/outbox-crypto.server';

describe('sealed outbox mail', () => {
  it('seals with a fresh IV each time and opens to the same words', () => {
    useOutboxKey('a secret of at least thirty-two characters, for the test');
    const text = 'Confirm: https://portal.example/verify/abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ — ünïcode';
    const a = sealMailText(text);
    const b = sealMailText(text);
    expect(isSealed(a)).toBe(true);
    expect(a).not.toBe(b);
    expect(a).not.toContain('verify');
    expect(openMailText(a)).toBe(text);
    expect(openMailText(b)).toBe(text);
  });

  it('derives the key from the secret and its label, not the secret itself', () => {
    const key = deriveOutboxKey('another secret, long enough to be one');
    expect(key).toHaveLength(32);
    expect(key.equals(deriveOutboxKey('another secret, long enough to be one'))).toBe(true);
    expect(key.equals(deriveOutboxKey('another secret, long enough to be two'))).toBe(false);
    expect(key.toString('utf8')).not.toContain('another secret');
  });

  it('refuses a tampered value, and one sealed under a key it never had', () => {
    useOutboxKey('first secret, long enough to be a secret');
    const sealed = sealMailText('hello');
    const last = sealed.at(-2) === 'A' ? 'B' : 'A';
    expect(() => openMailText(`${sealed.slice(0, -2)}${last}${sealed.at(-1)}`)).toThrow();
    const foreign = sealed.replace(/^(pp-sealed-1:)[0-9a-f]{12}/, '$1000000000000');
    expect(() => openMailText(foreign)).toThrow(OutboxKeyError);
  });

  it('passes through a body stored before sealing existed', () => {
    expect(openMailText('plain old body')).toBe('plain old body');
  });
});
