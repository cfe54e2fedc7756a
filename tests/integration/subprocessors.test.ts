import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoRegistry } from '../../app/models/subprocessors/demo.server';
import { addDays, todayIn } from '../../app/models/subprocessors/rules';
import {
  ALERT_JOB,
  getLatestDetails,
  loadRegistry,
  planAddition,
  planRemoval,
  planUpdate,
  RegistryRuleError,
  viewRegistry,
} from '../../app/models/subprocessors/registry.server';
import type { SubprocessorDetails } from '../../db/schema';
import { createTestDb, type TestDb } from '../support/db';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.destroy();
});

const timeZone = 'Europe/London';
const today = todayIn(timeZone);
const ctx = { actorId: null, timeZone, noticeDays: 30 };
const details = (name: string): SubprocessorDetails => ({
  name,
  legalEntity: `${name} GmbH`,
  purpose: 'Analytics',
  dataCategories: ['Usage data'],
  locations: ['DE'],
  transferMechanism: 'eea-only',
  website: 'https://example.org/',
});

describe('the registry on a real database', () => {
  it('plans an addition with notice, bumps the version and schedules both alerts', async () => {
    const before = await loadRegistry(t.db);
    const effectiveOn = addDays(today, 30);
    const { changeId, subprocessorId } = await planAddition(t.db, { details: details('Acme'), effectiveOn }, ctx);
    const after = await loadRegistry(t.db);
    expect(Number(after.version)).toBe(Number(before.version) + 1);
    const change = after.changes.find((c) => c.id === changeId)!;
    expect(change).toMatchObject({ kind: 'added', effectiveOn, slug: 'acme', name: 'Acme', subprocessorId });
    const view = viewRegistry(after, today);
    expect(view.planned.map((c) => c.id)).toContain(changeId);
    expect(view.active.map((e) => e.name)).not.toContain('Acme');
    expect(viewRegistry(after, today, effectiveOn).active.map((e) => e.name)).toContain('Acme');

    const jobs = await t.db.selectFrom('jobs').selectAll().where('kind', '=', ALERT_JOB).orderBy('id').execute();
    const mine = jobs.filter((j) => j.payload.changeId === changeId);
    expect(mine.map((j) => j.payload.stage)).toEqual(['announced', 'effective']);
    // The take-effect alert is due at midnight of the effective day in the portal's time zone.
    expect(todayIn(timeZone, mine[1]!.run_at)).toBe(effectiveOn);
    expect(todayIn(timeZone, new Date(mine[1]!.run_at.getTime() - 1000))).toBe(addDays(effectiveOn, -1));
  });

  it('refuses an addition inside the notice period and writes nothing', async () => {
    const before = await loadRegistry(t.db);
    await expect(planAddition(t.db, { details: details('Hasty'), effectiveOn: addDays(today, 29) }, ctx)).rejects.toThrow(
      RegistryRuleError,
    );
    const after = await loadRegistry(t.db);
    expect(after.version).toBe(before.version);
    expect(after.changes).toHaveLength(before.changes.length);
  });

  it('gives a second subprocessor of the same name its own slug', async () => {
    const { subprocessorId } = await planAddition(t.db, { details: details('Acme'), effectiveOn: addDays(today, 31) }, ctx);
    const latest = await getLatestDetails(t.db, subprocessorId);
    expect(latest?.slug).toBe('acme-2');
  });

  it('corrects today, updates with notice, retires and refuses changes after retirement', async () => {
    const { subprocessorId } = await planAddition(t.db, { details: details('Corrigo'), effectiveOn: addDays(today, 30) }, ctx);
    await planUpdate(
      t.db,
      { subprocessorId, details: { ...details('Corrigo'), purpose: 'Analytics (typo fixed)' }, effectiveOn: today, correction: true, summary: 'Typo' },
      ctx,
    );
    await expect(
      planUpdate(t.db, { subprocessorId, details: details('Corrigo'), effectiveOn: today, correction: false, summary: 'x' }, ctx),
    ).rejects.toThrow(/notice/);
    await planRemoval(t.db, { subprocessorId, effectiveOn: addDays(today, 40), summary: 'No longer needed' }, ctx);
    expect(await getLatestDetails(t.db, subprocessorId)).toBeUndefined();
    await expect(planRemoval(t.db, { subprocessorId, effectiveOn: addDays(today, 41), summary: 'again' }, ctx)).rejects.toThrow(
      /retired/,
    );
    const registry = await loadRegistry(t.db);
    const removal = registry.changes.find((c) => c.subprocessorId === subprocessorId && c.kind === 'removed')!;
    expect(removal.name).toBe('Corrigo');
    expect(viewRegistry(registry, today, addDays(today, 35)).active.find((e) => e.slug === 'corrigo')?.purpose).toBe(
      'Analytics (typo fixed)',
    );
    expect(viewRegistry(registry, today, addDays(today, 40)).active.find((e) => e.slug === 'corrigo')).toBeUndefined();
  });

  it('never dates a change before the one already planned for the same subprocessor', async () => {
    const zero = { ...ctx, noticeDays: 0 };
    const { subprocessorId } = await planAddition(t.db, { details: details('Ordered'), effectiveOn: addDays(today, 20) }, zero);
    await expect(
      planUpdate(t.db, { subprocessorId, details: details('Ordered'), effectiveOn: addDays(today, 10), correction: false, summary: 'x' }, zero),
    ).rejects.toThrow(`A change is already planned for ${addDays(today, 20)}`);
    await expect(planRemoval(t.db, { subprocessorId, effectiveOn: addDays(today, 5), summary: 'x' }, zero)).rejects.toThrow(/already planned/);
    const { changeId } = await planUpdate(
      t.db,
      { subprocessorId, details: { ...details('Ordered'), legalEntity: 'Ordered AG' }, effectiveOn: today, correction: true, summary: 'Entity name' },
      zero,
    );
    const change = (await loadRegistry(t.db)).changes.find((c) => c.id === changeId)!;
    expect(change.effectiveOn).toBe(addDays(today, 20));
  });

  it('reads effective dates as calendar dates, whatever the session time zone', async () => {
    const rows = await t.db.selectFrom('subprocessor_changes').select('id').execute();
    const registry = await loadRegistry(t.db);
    expect(registry.changes).toHaveLength(rows.length);
    for (const c of registry.changes) expect(c.effectiveOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});

describe('the demo registry', () => {
  it('seeds an empty registry once and never over existing data', async () => {
    const fresh = await createTestDb();
    try {
      expect(await seedDemoRegistry(fresh.db, { timeZone })).toBe(true);
      const registry = await loadRegistry(fresh.db);
      const view = viewRegistry(registry, today);
      expect(view.active.length).toBeGreaterThanOrEqual(6);
      expect(view.planned).toHaveLength(1);
      expect(view.history.some((c) => c.kind === 'removed')).toBe(true);
      expect(view.history.some((c) => c.kind === 'updated')).toBe(true);
      expect(await seedDemoRegistry(fresh.db, { timeZone })).toBe(false);
      expect((await loadRegistry(fresh.db)).changes).toHaveLength(registry.changes.length);
    } finally {
      await fresh.destroy();
    }
    // This file's registry holds real data: the seed leaves it alone.
    const before = await loadRegistry(t.db);
    expect(await seedDemoRegistry(t.db, { timeZone })).toBe(false);
    expect((await loadRegistry(t.db)).version).toBe(before.version);
  });
});
