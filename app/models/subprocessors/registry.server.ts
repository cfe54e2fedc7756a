import { sql, type Transaction } from 'kysely';
import { recordAudit } from '~/models/audit.server';
import type { DB } from '../../../db/client';
import type { Database, SubprocessorCategory, SubprocessorChangeKind, SubprocessorDetails } from '../../../db/schema';
import { enqueueJob } from '~/models/jobs.server';
import { markRegistryChanged } from '~/utils/public-cache.server';
import {
  additionSummary,
  effectiveDateError,
  lastAnnouncementDate,
  lastChangeDate,
  pastChanges,
  plannedChanges,
  registryAsOf,
  slugify,
  startOfDayIn,
  todayIn,
  type RegistryChange,
} from '~/models/subprocessors/rules';

/** The subprocessor registry: reads derive from the change log, writes append to it. */

export type NamedChange = RegistryChange & { name: string };

export type Registry = {
  changes: NamedChange[];
  /** Each subprocessor's category (migration 0060), by subprocessor id. */
  categories?: Map<string, SubprocessorCategory>;
  version: string;
  updatedAt: Date;
};

export class RegistryRuleError extends Error {
  override name = 'RegistryRuleError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export const ALERT_JOB = 'subprocessors.alert';

/** Every change, each carrying the subprocessor's name (a removal has no details of its own). */
export async function loadRegistry(db: DB | Transaction<Database>): Promise<Registry> {
  const [rows, state] = await Promise.all([
    db
      .selectFrom('subprocessor_changes as c')
      .innerJoin('subprocessors as s', 's.id', 'c.subprocessor_id')
      .select([
        'c.id',
        'c.subprocessor_id',
        's.slug',
        'c.kind',
        sql<string>`c.effective_on::text`.as('effective_on'),
        'c.details',
        'c.summary',
        'c.announced_at',
        's.category',
      ])
      .orderBy('c.effective_on')
      .orderBy('c.id')
      .execute(),
    db
      .selectFrom('subprocessor_registry_state')
      .select(['version', 'updated_at'])
      .where('id', '=', 1)
      .executeTakeFirstOrThrow(),
  ]);
  const lastName = new Map<string, string>();
  const categories = new Map<string, SubprocessorCategory>();
  const changes = rows.map((row): NamedChange => {
    categories.set(String(row.subprocessor_id), row.category);
    const name = row.details?.name ?? lastName.get(String(row.subprocessor_id)) ?? row.slug;
    lastName.set(String(row.subprocessor_id), name);
    return {
      id: String(row.id),
      subprocessorId: String(row.subprocessor_id),
      slug: row.slug,
      kind: row.kind,
      effectiveOn: row.effective_on,
      details: row.details,
      summary: row.summary,
      announcedAt: row.announced_at,
      name,
    };
  });
  // PGlite reads bigint as a number, pg as a string: ids and versions are strings here.
  return { changes, categories, version: String(state.version), updatedAt: state.updated_at };
}

/**
 * Just what the cache validators need, in one small query: a conditional request that ends
 * in 304 never loads the change log.
 */
export async function loadRegistryState(db: DB, today: string) {
  const row = await db
    .selectFrom('subprocessor_registry_state')
    .select([
      'version',
      'updated_at',
      (eb) =>
        eb
          .selectFrom('subprocessor_changes')
          .select(sql<string | null>`max(effective_on)::text`.as('d'))
          .where('effective_on', '<=', sql<string>`${today}::date`)
          .as('last_effective'),
    ])
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();
  return { version: String(row.version), updatedAt: row.updated_at, lastEffective: row.last_effective ?? undefined };
}

/** What the public page, JSON and feeds show: the list on `at` (default today), planned and past changes. */
export function viewRegistry(registry: Registry, today: string, at: string = today, timeZone?: string) {
  return {
    today,
    at,
    active: registryAsOf(registry.changes, at).map((e) => ({ ...e, category: registry.categories?.get(e.subprocessorId) ?? 'other' })),
    planned: at === today ? (plannedChanges(registry.changes, today) as NamedChange[]) : [],
    history: pastChanges(registry.changes, at) as NamedChange[],
    // "Last updated" is the day the list last changed on paper: the latest announcement (a
    // planned change is news the day it is announced), or the latest change in effect if later.
    lastUpdated: latestOf(
      timeZone ? lastAnnouncementDate(registry.changes, at, timeZone) : undefined,
      lastChangeDate(registry.changes, at),
    ),
  };
}

function latestOf(...dates: Array<string | undefined>): string | undefined {
  return dates.filter((d): d is string => !!d).sort().at(-1);
}

export async function getChange(db: DB, changeId: string): Promise<NamedChange | undefined> {
  if (!/^\d{1,18}$/.test(changeId)) return undefined;
  const { changes } = await loadRegistry(db);
  return changes.find((c) => c.id === changeId);
}

/** A change with the subprocessor as it stood just before it (undefined when it was not one then), for a before/after view. */
export async function getChangeWithBefore(db: DB, changeId: string) {
  if (!/^\d{1,18}$/.test(changeId)) return undefined;
  const registry = await loadRegistry(db);
  const index = registry.changes.findIndex((c) => c.id === changeId);
  if (index === -1) return undefined;
  const change = registry.changes[index]!;
  const previous = registry.changes.slice(0, index).filter((c) => c.subprocessorId === change.subprocessorId).at(-1);
  const before = previous?.kind === 'removed' || !previous?.details ? undefined : { ...previous.details, since: previous.effectiveOn };
  return { change, before, category: registry.categories?.get(change.subprocessorId) ?? 'other' };
}

/** The newest details of a subprocessor, planned or in effect, or undefined once removed. */
export async function getLatestDetails(
  db: DB,
  subprocessorId: string,
): Promise<{ details: SubprocessorDetails; slug: string; category: SubprocessorCategory } | undefined> {
  if (!/^\d{1,18}$/.test(subprocessorId)) return undefined;
  const { changes, categories } = await loadRegistry(db);
  const latest = changes.filter((c) => c.subprocessorId === subprocessorId).at(-1);
  return latest?.details
    ? { details: latest.details, slug: latest.slug, category: categories?.get(subprocessorId) ?? 'other' }
    : undefined;
}

type ChangeInput = {
  kind: SubprocessorChangeKind;
  subprocessorId: string;
  effectiveOn: string;
  details: SubprocessorDetails | null;
  summary: string;
  actorId: string | null;
  /** Only for importing history; a new change is announced now. */
  announcedAt?: Date;
};

/**
 * Appends one change, bumps the registry version (every instance's ETag moves with it) and
 * schedules the alerts: now for the announcement, at the start of the effective day for the
 * change taking effect. Must run inside the caller's transaction.
 */
export async function appendChange(
  trx: Transaction<Database>,
  input: ChangeInput,
  options: { timeZone: string; now?: Date },
): Promise<string> {
  const inserted = await trx
    .insertInto('subprocessor_changes')
    .values({
      subprocessor_id: input.subprocessorId,
      kind: input.kind,
      effective_on: input.effectiveOn,
      details: input.details ? JSON.stringify(input.details) : null,
      summary: input.summary,
      actor_id: input.actorId,
      announced_at: input.announcedAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const id = String(inserted.id);
  await trx
    .updateTable('subprocessor_registry_state')
    .set({ version: sql<string>`version + 1`, updated_at: sql<Date>`now()` })
    .where('id', '=', 1)
    .execute();
  const today = todayIn(options.timeZone, options.now);
  await enqueueJob(trx, {
    kind: ALERT_JOB,
    payload: { changeId: id, stage: 'announced' },
    dedupeKey: `${ALERT_JOB}:${id}:announced`,
  });
  if (input.effectiveOn > today) {
    await enqueueJob(trx, {
      kind: ALERT_JOB,
      payload: { changeId: id, stage: 'effective' },
      runAt: startOfDayIn(input.effectiveOn, options.timeZone),
      dedupeKey: `${ALERT_JOB}:${id}:effective`,
    });
  }
  return id;
}

/** The actor (`actorId`, `ip`) is written to the change and to the audit trail in the same transaction. */
type WriteContext = { actorId: string | null; ip?: string | null; timeZone: string; noticeDays: number; now?: Date };

function checkDate(kind: SubprocessorChangeKind, effectiveOn: string, ctx: WriteContext, correction = false) {
  const error = effectiveDateError({
    kind,
    effectiveOn,
    today: todayIn(ctx.timeZone, ctx.now),
    noticeDays: ctx.noticeDays,
    correction,
  });
  if (error) throw new RegistryRuleError('effectiveOn', error);
}

async function assertNotRemoved(trx: Transaction<Database>, subprocessorId: string) {
  const { changes } = await loadRegistry(trx);
  const own = changes.filter((c) => c.subprocessorId === subprocessorId);
  if (own.length === 0) throw new RegistryRuleError('form', 'No such subprocessor');
  if (own.at(-1)!.kind === 'removed') throw new RegistryRuleError('form', 'This subprocessor has been retired');
  return own.at(-1)!;
}

function assertAfter(latest: RegistryChange, effectiveOn: string) {
  if (effectiveOn < latest.effectiveOn) {
    throw new RegistryRuleError('effectiveOn', `A change is already planned for ${latest.effectiveOn}: choose that date or later`);
  }
}

/** Plans a new subprocessor, announced now and effective after the notice period. */
/** Tells this process's public document cache once a registry write has committed. */
async function committed<T>(write: Promise<T>): Promise<T> {
  const result = await write;
  markRegistryChanged();
  return result;
}

export async function planAddition(
  db: DB,
  input: { details: SubprocessorDetails; effectiveOn: string; category?: SubprocessorCategory },
  ctx: WriteContext,
) {
  checkDate('added', input.effectiveOn, ctx);
  return committed(db.transaction().execute(async (trx) => {
    const base = slugify(input.details.name);
    const taken = await trx.selectFrom('subprocessors').select('slug').where('slug', 'like', `${base}%`).execute();
    const names = new Set(taken.map((t) => t.slug));
    let slug = base;
    for (let n = 2; names.has(slug); n++) slug = `${base}-${n}`;
    const inserted = await trx.insertInto('subprocessors').values({ slug, category: input.category ?? 'other' }).returning('id').executeTakeFirstOrThrow();
    const subprocessorId = String(inserted.id);
    const changeId = await appendChange(
      trx,
      {
        kind: 'added',
        subprocessorId,
        effectiveOn: input.effectiveOn,
        details: input.details,
        summary: additionSummary(input.details),
        actorId: ctx.actorId,
      },
      ctx,
    );
    await recordAudit(trx, {
      actorId: ctx.actorId,
      action: 'subprocessor.plan_addition',
      targetType: 'subprocessor',
      targetId: subprocessorId,
      details: { changeId, name: input.details.name, effectiveOn: input.effectiveOn },
      ip: ctx.ip,
    });
    return { subprocessorId, changeId };
  }));
}

/** Changes an existing subprocessor: with notice, or today when it only corrects the record. */
export async function planUpdate(
  db: DB,
  input: {
    subprocessorId: string;
    details: SubprocessorDetails;
    effectiveOn: string;
    correction: boolean;
    summary: string;
    category?: SubprocessorCategory;
  },
  ctx: WriteContext,
) {
  checkDate('updated', input.effectiveOn, ctx, input.correction);
  return committed(db.transaction().execute(async (trx) => {
    const latest = await assertNotRemoved(trx, input.subprocessorId);
    // The group is a label of the listing, not part of the dated history: it changes at once.
    if (input.category) {
      await trx.updateTable('subprocessors').set({ category: input.category }).where('id', '=', input.subprocessorId).execute();
    }
    // A correction to a change still planned amends it on its own date, or the planned one would undo it.
    const effectiveOn =
      input.correction && latest.effectiveOn > input.effectiveOn ? latest.effectiveOn : input.effectiveOn;
    assertAfter(latest, effectiveOn);
    const { category: _category, ...change } = input;
    const changeId = await appendChange(trx, { kind: 'updated', ...change, effectiveOn, actorId: ctx.actorId }, ctx);
    await recordAudit(trx, {
      actorId: ctx.actorId,
      action: input.correction ? 'subprocessor.correct' : 'subprocessor.plan_update',
      targetType: 'subprocessor',
      targetId: input.subprocessorId,
      details: { changeId, name: input.details.name, effectiveOn: input.effectiveOn, summary: input.summary },
      ip: ctx.ip,
    });
    return { changeId };
  }));
}

/** Retires a subprocessor on a date (today or later); no notice is owed for a removal. */
export async function planRemoval(
  db: DB,
  input: { subprocessorId: string; effectiveOn: string; summary: string },
  ctx: WriteContext,
) {
  checkDate('removed', input.effectiveOn, ctx);
  return committed(db.transaction().execute(async (trx) => {
    assertAfter(await assertNotRemoved(trx, input.subprocessorId), input.effectiveOn);
    const changeId = await appendChange(
      trx,
      { kind: 'removed', details: null, ...input, actorId: ctx.actorId },
      ctx,
    );
    await recordAudit(trx, {
      actorId: ctx.actorId,
      action: 'subprocessor.retire',
      targetType: 'subprocessor',
      targetId: input.subprocessorId,
      details: { changeId, effectiveOn: input.effectiveOn, summary: input.summary },
      ip: ctx.ip,
    });
    return { changeId };
  }));
}
