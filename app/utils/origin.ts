const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF defence in depth beside SameSite=Lax: a state-changing request that a browser marks
 * as coming from another site is refused. Requests without Origin (curl, scripts, the tests'
 * fetch) carry no ambient browser credentials to abuse, so they pass.
 *
 * The Origin is compared with the host the request was addressed to (X-Forwarded-Host from a
 * trusted proxy, else Host), exactly as Remix's own check does before an action runs: PUBLIC_URL
 * alone cannot vouch for a request, because Remix would then abort it with a 500 instead of our 403.
 */
export function isForeignOriginRequest(request: {
  method: string;
  origin: string | undefined;
  secFetchSite: string | undefined;
  host: string | undefined;
  forwardedHost?: string | undefined;
}): boolean {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return false;
  if (request.secFetchSite?.toLowerCase() === 'cross-site') return true;
  if (request.origin === undefined) return false;
  let origin: URL;
  try {
    origin = new URL(request.origin);
  } catch {
    return true; // includes the opaque "null" origin of sandboxed frames and data: URLs
  }
  if (origin.protocol !== 'http:' && origin.protocol !== 'https:') return true;
  const addressedTo = request.forwardedHost?.split(',')[0]?.trim() || request.host;
  return addressedTo === undefined || origin.host !== addressedTo.toLowerCase();
}
