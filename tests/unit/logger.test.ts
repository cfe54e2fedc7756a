import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../app/utils/logger.server';

/** The real pino logger writing into memory: what would reach stdout, line by line. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger({ level: 'trace' }, stream), lines };
}

describe('the logger redacts on its own', () => {
  const CANARY = 'Logger-Canary-9d2e-secret';

  it('writes JSON lines with no credential, however the call site passes it', async () => {
    const { logger, lines } = capture();
    logger.info({ user: { email: 'a@example.org', Password: CANARY } }, 'signed up');
    logger.info(`form body email=a&password=${CANARY}`);
    logger.warn({ req: { headers: { cookie: `session=pps_${'x'.repeat(43)}`, Authorization: `Bearer ${CANARY}` } } }, 'odd request');
    logger.error({ err: new Error(`wrapped`, { cause: new Error(`token=${CANARY}`) }) }, 'failed');
    logger.error(new Error(`{"password":"${CANARY}"}`));
    logger.info('message with args %s', `password=${CANARY}`);
    logger.child({ apiKey: CANARY }).info('child bindings');
    // As pino-http does: serializers on one child, then the raw request bound to a grandchild.
    logger
      .child({}, { serializers: { req: (r: { url: string; headers: object }) => ({ url: r.url, headers: r.headers }) } })
      .child({ req: { url: `/login?password=${CANARY}`, headers: { authorization: CANARY } } })
      .info('serialized binding');
    logger.info({ list: [{ secret: CANARY }, `/verify/${CANARY}`] }, 'arrays');
    logger.flush();
    await new Promise((r) => setTimeout(r, 50));
    expect(lines.length).toBeGreaterThanOrEqual(7);
    for (const line of lines) {
      expect(() => JSON.parse(line)).not.toThrow();
      expect(line).not.toContain(CANARY);
      expect(line).not.toContain('x'.repeat(43));
    }
    expect(lines.join('\n')).toContain('[REDACTED]');
  });
});

describe('the log writer', () => {
  it('keeps every line, in order, when the process exits right after logging', async () => {
    const { spawnSync } = await import('node:child_process');
    const script = `
      import { createLogger } from './app/utils/logger.server.ts';
      const logger = createLogger({ level: 'info' });
      for (let i = 0; i < 1000; i++) logger.info({ i, url: '/verify/Exit-Canary-77' }, 'line');
      process.exit(3);
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.status).toBe(3);
    const lines = run.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { i: number; url: string });
    expect(lines.map((l) => l.i)).toEqual([...Array(1000).keys()]);
    expect(run.stdout).not.toContain('Exit-Canary-77');
  });
});
