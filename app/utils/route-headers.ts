import type { HeadersFunction } from '@remix-run/node';

/**
 * A route's `headers` export that keeps what its loader and action set (Retry-After,
 * Cache-Control): without one, Remix drops them from document responses.
 */
export const loaderAndActionHeaders: HeadersFunction = ({ actionHeaders, loaderHeaders }) => {
  const merged = new Headers(loaderHeaders);
  actionHeaders.forEach((value, key) => merged.set(key, value));
  return merged;
};
