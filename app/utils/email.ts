/**
 * The one form of an email address used for comparing, keying and rate-limiting: trimmed and
 * lower-cased. (The local part is case-sensitive in theory; no mail system people use treats
 * it so, and two accounts differing only in case would be a trap.) What is displayed and mailed
 * to is what the person typed.
 */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
