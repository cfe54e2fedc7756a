import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * `npm run test:built`: what users run. `npm run build` first (as `npm start` does), then
 * `node build/server.js` in its own process in production mode, on PGlite, or on PostgreSQL
 * when DATABASE_URL is set: every scheduled job kind through its job runner, every
 * command-line tool against a stopped database and against the running portal. Files run one
 * after another: each starts a server of its own.
 */
export default defineConfig({
  resolve: { alias: { '~': fileURLToPath(new URL('./app', import.meta.url)) } },
  test: {
    include: ['tests/built/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
