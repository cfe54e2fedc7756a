/**
 * Redaction of credentials, applied inside the logger so that no call site can forget it.
 * Pure: no I/O, safe to unit-test exhaustively.
 */
export const REDACTED = '[REDACTED]';

/** Key names (compared case-insensitively, ignoring `-`, `_`, `.` and spaces) whose values are secrets. */
const SECRET_KEY =
  /(password|passwd|passcode|passphrase|secret|token|authorization|cookie|session|apikey|accesskey|credential|privatekey|bearer|jwt|csrf|xsrf|signature)/i;
/** Short names that would match too much as substrings ("pin" in "shipping"): whole names only. */
const SECRET_EXACT = new Set(['pass', 'pwd', 'pin', 'otp', 'auth', 'sig', 'signature', 'mfacode', 'totp']);

/** Paths of links that carry a credential in the URL itself (verification, downloads, unsubscribe, password reset, setup, invitations). */
const SECRET_PATH = /\/(verify|v|download|downloads|unsubscribe|confirm|reset|reset-password|setup|invitation|status\/s|task)\/[^/?#\s"']+/gi;

/** `key=value` in URL query strings, form bodies and cookie headers (also at the start of the text). */
const KEY_EQUALS = /(^|[?&;,\s])([^=&#\s"',;?]+)=([^&#\s"',;]*)/g;
/**
 * `key: value` and `"key": "value"` in free text and JSON written into a message. Names are found
 * whole, one after another, by NAME (it never backtracks: a name ends where its characters do),
 * and COLON is tried only where a name ends: each character is looked at a bounded number of
 * times, however the text is shaped. Whether the name is a secret is decided in code; a name
 * that is not one leaves its value to be searched in turn, so `Error: token: x` still finds `token`.
 */
const NAME = /[\w.-]+/g;
const COLON = /\s*:\s*/y;
/** The value after a secret `key:`, matched where the colon ends (sticky). */
const COLON_VALUE = /\[REDACTED\]|"(?:[^"\\]|\\.)*"|'[^']*'|(?:Bearer|Basic|Token)\s+[^\s,;]+|[^\s,;}\]]+/iy;
/** The words AUTH_SCHEME starts with: a cheap test before the full pattern. */
const AUTH_WORD = /bearer|basic|token|digest/i;
/** Credentials (8 characters or more) after an HTTP auth scheme, wherever they appear. */
const AUTH_SCHEME = /\b(Bearer|Basic|Token|Digest)\s+[A-Za-z0-9._~+/=-]+/gi;
/** Our session tokens carry a prefix (see session-token.server.ts) so they are caught anywhere (16 characters or more). */
const SESSION_TOKEN = /\bpps_[A-Za-z0-9_-]+/g;
/** A session cookie written out anywhere (`__Host-session=...`, `x.session=...`): a cookie name found whole, as NAME does. */
const COOKIE_NAME = /[\w-]+/g;
const COOKIE_VALUE = /=[^;,&\s"']+/y;
const SESSION_NAME = /session/i;

/**
 * Every pattern redaction runs on text, for the linear-time tests (tests/security/linear-patterns.test.ts):
 * log lines carry URLs and messages that anyone can shape.
 */
export const REDACTION_PATTERNS = {
  SECRET_KEY,
  SECRET_PATH,
  KEY_EQUALS,
  NAME,
  COLON,
  COLON_VALUE,
  AUTH_WORD,
  AUTH_SCHEME,
  SESSION_TOKEN,
  COOKIE_NAME,
  COOKIE_VALUE,
  SESSION_NAME,
} as const;

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
  if (out.includes('pps_')) out = out.replace(SESSION_TOKEN, (match) => (match.length >= 20 ? REDACTED : match));
  if (AUTH_WORD.test(out)) {
    out = out.replace(AUTH_SCHEME, (match, scheme: string) => (match.slice(scheme.length).trimStart().length >= 8 ? `${scheme} ${REDACTED}` : match));
  }
  const equals = out.includes('=');
  if (equals) {
    out = out.replace(KEY_EQUALS, (match, sep: string, key: string) => (isSecretKey(safeDecode(key)) ? `${sep}${key}=${REDACTED}` : match));
  }
  if (out.includes(':')) out = redactKeyColon(out);
  if (out.includes('/')) out = out.replace(SECRET_PATH, (match) => `${match.slice(0, match.indexOf('/', 1) + 1)}${REDACTED}`);
  if (equals) out = redactSessionCookies(out);
  return out;
}

function isSecretColonKey(name: string) {
  if (isSecretKey(name)) return true;
  // `x.pin` and `x-pin` end in the name `pin`; `x_pin` is one word.
  const cut = Math.max(name.lastIndexOf('.'), name.lastIndexOf('-'));
  return cut >= 0 && SECRET_EXACT.has(name.slice(cut + 1).toLowerCase());
}

/** `key: value` pairs whose key is a secret get their value masked; the rest are left as they are. */
function redactKeyColon(text: string): string {
  let out = '';
  let copied = 0;
  NAME.lastIndex = 0;
  for (let m = NAME.exec(text); m !== null; m = NAME.exec(text)) {
    const name = m[0];
    let end = m.index + name.length;
    // `"key":` and `'key':` too.
    const quote = text[m.index - 1];
    if ((quote === '"' || quote === "'") && text[end] === quote) end += 1;
    COLON.lastIndex = end;
    if (!COLON.test(text) || !isSecretColonKey(name)) continue;
    const valueAt = COLON.lastIndex;
    COLON_VALUE.lastIndex = valueAt;
    const value = COLON_VALUE.exec(text)?.[0];
    // `Cookie: a=b; c=d` keeps its pairs: the session one was masked by KEY_EQUALS/COOKIE_VALUE.
    if (value === undefined || value.includes(REDACTED) || (/^[^"']/.test(value) && value.includes('='))) continue;
    const quoted = value.startsWith('"') ? `"${REDACTED}"` : value.startsWith("'") ? `'${REDACTED}'` : REDACTED;
    out += text.slice(copied, valueAt) + quoted;
    copied = valueAt + value.length;
    NAME.lastIndex = copied;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** `name=value` where the name holds `session`, wherever it is written: the value is masked. */
function redactSessionCookies(text: string): string {
  let out = '';
  let copied = 0;
  COOKIE_NAME.lastIndex = 0;
  for (let m = COOKIE_NAME.exec(text); m !== null; m = COOKIE_NAME.exec(text)) {
    const end = m.index + m[0].length;
    if (text[end] !== '=' || !SESSION_NAME.test(m[0])) continue;
    COOKIE_VALUE.lastIndex = end;
    const value = COOKIE_VALUE.exec(text)?.[0];
    if (value === undefined || value === `=${REDACTED}`) continue;
    out += `${text.slice(copied, end)}=${REDACTED}`;
    copied = end + value.length;
    COOKIE_NAME.lastIndex = copied;
  }
  return copied === 0 ? text : out + text.slice(copied);
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
