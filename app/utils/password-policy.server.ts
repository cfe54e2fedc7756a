import { normalizeEmail } from '~/utils/email';
import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * NIST SP 800-63B: length, a list of common passwords, nothing else. No composition rules
 * (they make passwords worse, not better) and no upper bound beyond what argon2 needs.
 */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

let common: Set<string> | undefined;

/** zxcvbn-ts's list of ~49,000 passwords seen most often in breaches, lower-cased. */
export function commonPasswords(): Set<string> {
  common ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  return common;
}

/** Length counted in characters people see (code points), not UTF-16 units. */
export function passwordLength(password: string) {
  return [...password].length;
}

export type PasswordProblem = 'short' | 'long' | 'email' | 'common';

/** Why the password is refused, as a code a form turns into words in the visitor's language; null when acceptable. */
export function passwordProblem(password: string, email?: string): PasswordProblem | null {
  const length = passwordLength(password);
  if (length < PASSWORD_MIN_LENGTH) return 'short';
  if (length > PASSWORD_MAX_LENGTH) return 'long';
  const lower = password.normalize('NFKC').toLowerCase();
  if (email && lower === normalizeEmail(email)) return 'email';
  if (commonPasswords().has(lower)) return 'common';
  return null;
}

/** Returns why the password is refused, in English (for the command line), or null when it is acceptable. */
export function checkPasswordPolicy(password: string, email?: string): string | null {
  const problem = passwordProblem(password, email);
  if (problem === 'short') return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (problem === 'long') return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
  if (problem === 'email') return 'Your password cannot be your email address.';
  if (problem === 'common') return 'This password is too common. Choose one that is harder to guess.';
  return null;
}
