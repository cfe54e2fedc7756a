/**
 * How the staff queue reads its search box. Pure: no database here.
 *
 * - A whole reference (DSR-2026-000123) finds that request.
 * - Anything else is split into words; a request matches when every word is part of what the
 *   subject gave (reference, name, email, account id, other names and identifiers, the person an
 *   agent acts for, the details), case-insensitively. "anna example.org" finds Anna Smith
 *   <anna@example.org>; "4711" finds the account id CUST-4711.
 * - The trigram index answers a word of at least MIN_WORD characters; a search needs at least
 *   one such word, or it would read every request.
 */
export const MIN_SEARCH_WORD = 3;
export const MAX_SEARCH_WORDS = 8;

export type QueueSearch =
  | { kind: 'reference'; reference: string }
  | { kind: 'text'; patterns: string[] }
  | { kind: 'too_short' };

const WHOLE_REFERENCE = /^DSR-\d{4}-\d{6,}$/i;

/** `%`, `_` and `\` are LIKE's own characters: a search for "50%" means the text "50%". */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function parseQueueSearch(q: string): QueueSearch {
  const term = q.trim();
  if (WHOLE_REFERENCE.test(term)) return { kind: 'reference', reference: term.toUpperCase() };
  const words = [...new Set(term.split(/\s+/).filter(Boolean))].slice(0, MAX_SEARCH_WORDS);
  if (!words.some((w) => [...w].length >= MIN_SEARCH_WORD)) return { kind: 'too_short' };
  return { kind: 'text', patterns: words.map((w) => `%${escapeLike(w)}%`) };
}
