import { EmbeddedDatabaseInUseError } from '../db/client';

/**
 * The one line a command-line tool prints when a running portal owns the embedded database
 * (createDb refuses before touching anything): what happened and what to do instead.
 */
export function refusalWhileRunning(error: unknown, instead: string): string | undefined {
  return error instanceof EmbeddedDatabaseInUseError ? `${error.message}: ${instead}` : undefined;
}
