import type { AppLoadContext } from '@remix-run/node';

/**
 * A form answered with errors marks its request, so the root loader (which runs after the
 * action in the same document request) can say so and the page title can change to
 * "Error: ..." even without JavaScript. Keyed by the per-request load context.
 */
const failed = new WeakSet<object>();

export function markFormFailed(context: AppLoadContext) {
  failed.add(context);
}

export function formFailed(context: AppLoadContext): boolean {
  return failed.has(context);
}
