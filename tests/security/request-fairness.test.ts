import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { renderTurn } from '../../app/utils/render-turn.server';

/**
 * Issue 24 item 10: at 100 connections on the embedded database some first requests got no
 * answer within 10 s, because admitted requests rendered back to back in one turn of the event
 * loop and no connection was accepted meanwhile. Renders now take one loop turn each: a
 * connection opened while renders wait is accepted between two of them, not after all of them.
 * (The job worker's part, giving way to requests, is in tests/integration/jobs.test.ts.) The
 * figures come from `npm run bench:load -- --route "GET /requests/new" --connections 100`.
 */
const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe('renders waiting their turn', () => {
  it('let the server accept a connection between any two of them', async () => {
    const events: string[] = [];
    const server = net.createServer((socket) => {
      events.push('accepted');
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as net.AddressInfo;
      // The kernel completes the connection during the first render; only a turn of the loop can accept it.
      const client = net.connect(port, '127.0.0.1');
      client.on('error', () => undefined);
      const renders = [1, 2, 3, 4].map((n) =>
        renderTurn().then(() => {
          events.push(`render ${n}`);
          busy(20);
        }),
      );
      await Promise.all(renders);
      client.destroy();
      expect(events.indexOf('accepted')).toBeGreaterThanOrEqual(0);
      expect(events.indexOf('accepted'), events.join(', ')).toBeLessThan(events.indexOf('render 4'));
    } finally {
      server.close();
    }
  });
});
