const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF defence in depth beside SameSite=Lax: a state-changing request that a browser marks
 * as coming from another site is refused. Requests without Origin (curl, scripts, the tests'
 * fetch) carry no ambient browser credentials to abuse, so they pass.
 */
export function isForeignOriginRequest(request: {
  method: string;
  origin: string | undefined;
  secFetchSite: string | undefined;
  host: string | undefined;
  publicUrl: string;
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
  if (origin.origin === new URL(request.publicUrl).origin) return false;
  return request.host === undefined || origin.host !== request.host.toLowerCase();
}
