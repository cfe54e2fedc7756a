const BASE = 'http://portal.invalid';
/** C0 and C1 control characters: browsers strip tabs and newlines from URLs, and a header refuses them. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Where to send someone back to after signing in: a path on this site, or `fallback`.
 * Refused, at every level of percent-decoding: control characters (`/%09/evil.example`
 * becomes `//evil.example` in a browser), backslashes (`/\evil.example`), a leading `//`,
 * and anything that does not resolve to this origin (schemes). What is returned is the
 * normalised, percent-encoded path, so it is always a valid Location header value.
 */
export function safeRedirect(to: unknown, fallback = '/account'): string {
  if (typeof to !== 'string' || to.length === 0 || to.length > 2000) return fallback;
  let layer = to;
  for (let depth = 0; depth < 4; depth++) {
    if (CONTROL.test(layer) || layer.includes('\\') || !layer.startsWith('/') || layer.startsWith('//')) return fallback;
    let decoded: string;
    try {
      decoded = decodeURIComponent(layer);
    } catch {
      return fallback;
    }
    if (decoded === layer) break;
    layer = decoded;
  }
  let url: URL;
  try {
    url = new URL(to, BASE);
  } catch {
    return fallback;
  }
  if (url.origin !== BASE) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}
