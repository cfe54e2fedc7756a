/**
 * Redaction of credentials, applied inside the logger so that no call site can forget it.
 * Pure: no I/O, safe to unit-test exhaustively.
 */
export const REDACTED = '[REDACTED]';

/** Key names (compared case-insensitively, ignoring `-`, `_`, `.` and spaces) whose values are secrets. */
const SECRET_KEY =
  /(password|passwd|passcode|passphrase|secret|token|authorization|cookie|session|apikey|accesskey|credential|privatekey|bearer|jwt|csrf|xsrf)/i;
/** Short names that would match too much as substrings ("pin" in "shipping"): whole names only. */
const SECRET_EXACT = new Set(['pass', 'pwd', 'pin', 'otp', 'auth', 'sig', 'signature', 'mfacode', 'totp']);

/** Paths of links that carry a credential in the URL itself (verification, downloads, unsubscribe, password reset, setup, invitations). */
const SECRET_PATH = /\/(verify|v|download|downloads|unsubscribe|confirm|reset|reset-password|setup|invitation|status\/s)\/[^/?#\s"']+/gi;

/** `key=value` in URL query strings, form bodies and cookie headers (also at the start of the text). */
const KEY_EQUALS = /(^|[?&;,\s])([^=&#\s"',;?]+)=([^&#\s"',;]*)/g;
/**
 * `key: value` and `"key": "value"` in free text and JSON written into a message. Only secret
 * key names are matched, so that `Error: token: x` still finds `token` after `Error:`.
 */
const SECRET_WORDS =
  '[\\w.-]*(?:password|passwd|passcode|passphrase|secret|token|authorization|cookie|session|api[-_]?key|access[-_]?key|credential|private[-_]?key|bearer|jwt|csrf|xsrf)[\\w.-]*|pass|pwd|pin|otp|auth|sig|signature|totp';
const KEY_COLON = new RegExp(
  `(["']?)\\b(${SECRET_WORDS})\\b\\1(\\s*:\\s*)(\\[REDACTED\\]|"(?:[^"\\\\]|\\\\.)*"|'[^']*'|(?:Bearer|Basic|Token)\\s+[^\\s,;]+|[^\\s,;}\\]]+)`,
  'gi',
);
/** The words AUTH_SCHEME starts with: a cheap test before the full pattern. */
const AUTH_WORD = /bearer|basic|token|digest/i;
/** Credentials after an HTTP auth scheme, wherever they appear. */
const AUTH_SCHEME = /\b(Bearer|Basic|Token|Digest)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
/** Our session tokens carry a prefix (see session-token.server.ts) so they are caught anywhere. */
const SESSION_TOKEN = /\bpps_[A-Za-z0-9_-]{16,}/g;
/** A session cookie value written out anywhere: `__Host-session=...`, `session=...`. */
const COOKIE_VALUE = /\b((?:__Host-|__Secure-)?[\w-]*session[\w-]*)=([^;,&\s"']+)/gi;

const secretKeyCache = new Map<string, boolean>();

export function isSecretKey(key: string) {
  // Log objects reuse a handful of key names: remember the answer (bounded, keys are short).
  const known = secretKeyCache.get(key);
  if (known !== undefined) return known;
  const compact = key.replace(/[-_.\s]/g, '').toLowerCase();
  const secret = SECRET_KEY.test(compact) || SECRET_EXACT.has(compact);
  if (secretKeyCache.size < 1000 && key.length <= 64) secretKeyCache.set(key, secret);
  return secret;
}

/** Masks credentials in free text: query strings, form bodies, `key: value`, auth headers, secret link paths, session tokens. */
export function redactText(text: string): string {
  if (text.length === 0) return text;
  // Each pattern needs a character or word the text may not hold at all; the replacements add
  // none of them, so a pattern whose trigger is absent from the original cannot match. Log lines
  // are mostly plain messages and short paths: most of them skip most of the patterns.
  let out = text;
  if (out.includes('pps_')) out = out.replace(SESSION_TOKEN, REDACTED);
  if (AUTH_WORD.test(out)) out = out.replace(AUTH_SCHEME, (_match, scheme: string) => `${scheme} ${REDACTED}`);
  const equals = out.includes('=');
  if (equals) {
    out = out.replace(KEY_EQUALS, (match, sep: string, key: string) => (isSecretKey(safeDecode(key)) ? `${sep}${key}=${REDACTED}` : match));
  }
  if (out.includes(':')) {
    out = out.replace(KEY_COLON, (match, quote: string, key: string, colon: string, value: string) => {
      // `Cookie: a=b; c=d` keeps its pairs: the session one was masked by KEY_EQUALS/COOKIE_VALUE.
      if (!isSecretKey(key) || value.includes(REDACTED) || (/^[^"']/.test(value) && value.includes('='))) return match;
      const quoted = value.startsWith('"') ? `"${REDACTED}"` : value.startsWith("'") ? `'${REDACTED}'` : REDACTED;
      return `${quote}${key}${quote}${colon}${quoted}`;
    });
  }
  if (out.includes('/')) out = out.replace(SECRET_PATH, (match) => `${match.slice(0, match.indexOf('/', 1) + 1)}${REDACTED}`);
  if (equals) out = out.replace(COOKIE_VALUE, (_match, name: string) => `${name}=${REDACTED}`);
  return out;
}

function safeDecode(value: string) {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

type Entries = Iterable<readonly [string, unknown]>;

function entriesOf(value: object): Entries {
  if (value instanceof Map) return [...value.entries()].map(([k, v]) => [String(k), v] as const);
  // FormData and fetch Headers: a form body or request headers handed to the logger whole.
  if (typeof FormData !== 'undefined' && value instanceof FormData) return [...value.entries()];
  if (typeof Headers !== 'undefined' && value instanceof Headers) return [...value.entries()];
  return Object.entries(value);
}

/**
 * Returns a deep copy of `value` with secrets replaced: values under secret-looking keys at
 * any depth, in arrays, in Error objects and their causes; secrets inside strings (URLs,
 * form bodies, cookie headers). Circular references become "[Circular]".
 */
export function redactSecrets(value: unknown, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => redactSecrets(item, seen));
    if (value instanceof Date) return value;
    if (value instanceof URL) return redactText(value.href);
    if (value instanceof URLSearchParams) return redactText(`?${value.toString()}`).slice(1);
    if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.constructor.name}]`;
    const out: Record<string, unknown> = {};
    if (value instanceof Error) {
      out.type = value.name;
      out.message = redactText(value.message);
      if (value.stack) out.stack = redactText(value.stack);
      if ('cause' in value && value.cause !== undefined) out.cause = redactSecrets(value.cause, seen);
      // AggregateError: every inner error is redacted like the outer one.
      if (value instanceof AggregateError) out.errors = redactSecrets(value.errors, seen);
    }
    for (const [key, child] of entriesOf(value)) {
      out[key] = isSecretKey(key) ? REDACTED : redactSecrets(child, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}
