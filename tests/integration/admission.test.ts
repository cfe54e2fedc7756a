import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPortal, type TestPortal } from '../support/portal';

/**
 * The bound on concurrent work per instance: beyond MAX_CONCURRENT_REQUESTS running and
 * MAX_QUEUED_REQUESTS waiting, a request is refused at once with 503 and Retry-After instead of
 * waiting for seconds; /healthz is never held up by it. (The public registry documents are
 * answered from memory before Express and the bound: /requests/new goes through Remix.)
 */
let portal: TestPortal;

beforeAll(async () => {
  portal = await startTestPortal({ MAX_CONCURRENT_REQUESTS: '1', MAX_QUEUED_REQUESTS: '2', SUBPROCESSOR_DEMO: 'on' });
});

afterAll(async () => {
  await portal?.stop();
});

describe('load shedding', () => {
  it('serves what fits, refuses the rest with 503 + Retry-After, and keeps /healthz answering', async () => {
    const burst = await Promise.all(
      Array.from({ length: 24 }, () =>
        fetch(`${portal.url}/requests/new`).then(async (r) => ({ status: r.status, retryAfter: r.headers.get('retry-after'), body: await r.text() })),
      ),
    );
    const shed = burst.filter((r) => r.status === 503);
    expect(burst.filter((r) => r.status !== 200 && r.status !== 503)).toEqual([]);
    expect(burst.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(3);
    expect(shed.length).toBeGreaterThan(0);
    expect(shed.every((r) => r.retryAfter === '5' && r.body.includes('The portal is busy'))).toBe(true);

    // A German visitor is told in German.
    const german = await Promise.all(
      Array.from({ length: 24 }, () => fetch(`${portal.url}/requests/new`, { headers: { 'Accept-Language': 'de-DE,de;q=0.9' } }).then(async (r) => ({ status: r.status, body: await r.text() }))),
    );
    const shedGerman = german.filter((r) => r.status === 503);
    expect(shedGerman.length).toBeGreaterThan(0);
    expect(shedGerman.every((r) => r.body.includes('<html lang="de">') && r.body.includes('Das Portal ist ausgelastet'))).toBe(true);

    const during = Promise.all(Array.from({ length: 10 }, () => fetch(`${portal.url}/requests/new`).then((r) => r.text())));
    expect((await fetch(`${portal.url}/healthz`)).status).toBe(200);
    await during;
    // Once the burst is over, the next request is served.
    expect((await fetch(`${portal.url}/requests/new`)).status).toBe(200);
  });

  it('does not shed at the default bound with 100 concurrent requests', async () => {
    const relaxed = await startTestPortal({ SUBPROCESSOR_DEMO: 'on' });
    try {
      const statuses = await Promise.all(Array.from({ length: 100 }, () => fetch(`${relaxed.url}/requests/new`).then(async (r) => (await r.arrayBuffer(), r.status))));
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
    } finally {
      await relaxed.stop();
    }
  });
});
