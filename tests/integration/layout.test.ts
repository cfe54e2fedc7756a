import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RATE_LIMITS } from '../../app/models/policy';
import { addDays, todayIn } from '../../app/models/subprocessors/rules';
import { planAddition } from '../../app/models/subprocessors/registry.server';
import { withLockedRequest } from '../../app/models/requests/transitions.server';
import { fileRequest } from '../support/requests';
import { startTestPortal, type TestPortal } from '../support/portal';

let portal: TestPortal;
let changeId: string;
beforeAll(async () => {
  portal = await startTestPortal({ SUBPROCESSOR_DEMO: 'off' });
  const today = todayIn(portal.config.timeZone);
  ({ changeId } = await planAddition(
    portal.db,
    {
      details: {
        name: 'Layoutco',
        legalEntity: 'Layoutco GmbH',
        purpose: 'Testing the form dialect',
        dataCategories: ['Contact details'],
        locations: ['DE'],
        transferMechanism: 'eea-only',
        website: 'https://layoutco.example',
      },
      effectiveOn: addDays(today, 40),
    },
    { actorId: null, timeZone: portal.config.timeZone, noticeDays: 30 },
  ));
});
afterAll(async () => {
  await portal?.stop();
});

const brokenMultipart = {
  method: 'POST',
  headers: { 'Content-Type': 'multipart/form-data; boundary=b' },
  body: '--b\r\nContent-Disposition: form-data; name="email"\r\n\r\nada@example.org', // no closing boundary
};

describe('every subprocessor form goes through the strict reader', () => {
  it('answers broken multipart and JSON with 415 and the form again, not 500', async () => {
    for (const path of ['/subprocessors/subscribe', `/subprocessors/changes/${changeId}`, '/subprocessors/subscribe/confirm']) {
      const multipart = await fetch(`${portal.url}${path}`, brokenMultipart);
      expect(multipart.status, path).toBe(415);
      expect(await multipart.text(), path).toContain('The form could not be read');
      const json = await fetch(`${portal.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      expect(json.status, path).toBe(415);
    }
  });

  it('takes the objection limit from the policy table', async () => {
    const form = (i: number) => ({
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Forwarded-For': '198.51.100.77' },
      body: new URLSearchParams({ organisation: `Org ${i}`, email: `o${i}@example.org`, reason: 'We do not agree with this change.' }).toString(),
    });
    const statuses: number[] = [];
    for (let i = 0; i <= RATE_LIMITS.subprocessorObjection.limit; i++) {
      statuses.push((await fetch(`${portal.url}/subprocessors/changes/${changeId}`, form(i))).status);
    }
    expect(statuses.slice(0, -1).every((s) => s === 200)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe('withLockedRequest', () => {
  it('queues a second action on the same request behind the first, which it then sees', async () => {
    const { request } = await fileRequest(portal.db, { email: 'lock@example.org' });
    const order: string[] = [];
    let releaseFirst!: () => void;
    const firstHolds = new Promise<void>((resolve) => (releaseFirst = resolve));
    let firstLocked!: () => void;
    const locked = new Promise<void>((resolve) => (firstLocked = resolve));
    const first = withLockedRequest(portal.db, request.id, async (trx, row) => {
      order.push(`first saw ${row?.name}`);
      firstLocked();
      await firstHolds;
      await trx.updateTable('requests').set({ name: 'Changed by first' }).where('id', '=', request.id).execute();
      order.push('first wrote');
    });
    await locked;
    const second = withLockedRequest(portal.db, request.id, async (_trx, row) => {
      order.push(`second saw ${row?.name}`);
    });
    await new Promise((r) => setTimeout(r, 100));
    releaseFirst();
    await Promise.all([first, second]);
    expect(order).toEqual([`first saw ${request.name}`, 'first wrote', 'second saw Changed by first']);
  });

  it('hands the function undefined for an unknown request', async () => {
    expect(await withLockedRequest(portal.db, '999999999', async (_trx, row) => row)).toBeUndefined();
  });
});
