import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * `npm run test:faults`: the reliability suite. Real processes killed with SIGKILL, a throwaway
 * PostgreSQL cluster restarted under traffic, an SMTP server down then up, two instances behind
 * a proxy, and fuzzed forms. Files run one after another: each starts servers of its own.
 */
export default defineConfig({
  resolve: { alias: { '~': fileURLToPath(new URL('./app', import.meta.url)) } },
  test: {
    include: ['tests/faults/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
