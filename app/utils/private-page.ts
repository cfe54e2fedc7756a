import type { HeadersFunction } from '@remix-run/node';

/**
 * Pages behind a private link: never cached by a browser or proxy, and the link is not
 * leaked to other sites in the Referer header.
 */
export const PRIVATE_HEADERS = { 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' } as const;

// Remix takes a document's headers from the route's `headers` export, not from the loader.
export const privateHeaders: HeadersFunction = () => PRIVATE_HEADERS;
