/**
 * Redaction of credentials, applied inside the logger so that no call site can forget it.
 * Pure: no I/O, safe to unit-test exhaustively.
 */
export const REDACTED = '[REDACTED]';

/** Key names (compared case-insensitively, ignoring `-` and `_`) whose values are secrets. */
const SECRET_KEY =
  /(password|passwd|passcode|passphrase|secret|token|authorization|cookie|session|apikey|credential|privatekey)/i;

/** Paths of links that carry a credential in the URL itself (verification, downloads, unsubscribe). */
const SECRET_PATH = /\/(verify|v|download|downloads|unsubscribe|confirm|reset|status\/s)\/[^/?#\s"']+/gi;

const QUERY_PARAM = /([?&;])([^=&#\s"']+)=([^&#\s"']*)/g;
/** A session cookie value written out anywhere: `__Host-session=...`, `session=...`. */
const COOKIE_VALUE = /\b((?:__Host-|__Secure-)?[\w-]*session[\w-]*)=([^;,\s"']+)/gi;

export function isSecretKey(key: string) {
  return SECRET_KEY.test(key.replace(/[-_\s]/g, ''));
}

/** Masks credentials in free text: URL query parameters, secret link paths, cookie values. */
export function redactText(text: string): string {
  if (text.length === 0) return text;
  return text
    .replace(QUERY_PARAM, (match, sep: string, key: string) =>
      isSecretKey(safeDecode(key)) ? `${sep}${key}=${REDACTED}` : match,
    )
    .replace(SECRET_PATH, (match) => `${match.slice(0, match.indexOf('/', 1) + 1)}${REDACTED}`)
    .replace(COOKIE_VALUE, (_match, name: string) => `${name}=${REDACTED}`);
}

function safeDecode(value: string) {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Returns a deep copy of `value` with secrets replaced: values under secret-looking keys at
 * any depth, in arrays, in Error objects and their causes; secrets inside strings (URLs,
 * cookie headers). Circular references become "[Circular]".
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
    }
    const entries =
      value instanceof Map ? [...value.entries()].map(([k, v]) => [String(k), v] as const) : Object.entries(value);
    for (const [key, child] of entries) {
      out[key] = isSecretKey(key) ? REDACTED : redactSecrets(child, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}
