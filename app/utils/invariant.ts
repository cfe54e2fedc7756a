/**
 * Throws a Response (404 "Not found" style) when `condition` is falsy, so loaders and actions
 * stay flat: `invariantResponse(objection, 'Not found', { status: 404 })`. Remix renders the
 * nearest error boundary for it. The default status is 400, as in the Epic Stack.
 */
export function invariantResponse(
  condition: unknown,
  message: string | (() => string),
  init?: ResponseInit,
): asserts condition {
  if (!condition) {
    throw new Response(typeof message === 'function' ? message() : message, { status: 400, ...init });
  }
}
