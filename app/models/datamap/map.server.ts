import { sql, type Selectable, type Transaction } from 'kysely';
import { recordAudit, type Actor } from '~/models/audit.server';
import { declarationSchema, type Declaration } from '~/models/datamap/declarations.server';
import { MapFileError, parseMapFile, type MapSystem } from '~/models/datamap/fideslang-io';
import { PORTAL_DECLARATIONS, PORTAL_FIDES_KEY, PORTAL_SYSTEM } from '~/models/datamap/portal-declarations';
import { findingsFor, type Finding, type KnownRecipients } from '~/models/datamap/validation';
import { buildVocabulary, type Vocabulary } from '~/models/datamap/vocabulary';
import { loadRegistry, viewRegistry } from '~/models/subprocessors/registry.server';
import { slugify, todayIn } from '~/models/subprocessors/rules';
import { markRegistryChanged } from '~/utils/public-cache.server';
import type { DB } from '../../../db/client';
import type { ConnectedSystemsTable, Database, DatamapTermKind } from '../../../db/schema';

/**
 * The data map's reads and writes. Declarations are versions: saving one appends a row, so the
 * map (and the Art. 30 record drawn from it) as it stood at any instant can be read back.
 */

type Conn = DB | Transaction<Database>;
export type SystemRow = Selectable<ConnectedSystemsTable>;
export type Activity = {
  activityId: string;
  systemId: string;
  systemName: string;
  version: number;
  declaration: Declaration;
  recordedAt: Date;
};

export class MapRuleError extends Error {
  override name = 'MapRuleError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

async function inTransaction<T>(db: Conn, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db as Transaction<Database>) : (db as DB).transaction().execute(fn);
}

/**
 * The portal's own row, with its own declarations, made on first use (idempotent across
 * instances: the unique index on is_portal lets one insert win).
 */
export async function ensurePortalSystem(db: Conn): Promise<string> {
  const existing = await db.selectFrom('connected_systems').select('id').where('is_portal', '=', true).executeTakeFirst();
  if (existing) return existing.id;
  return inTransaction(db, async (trx) => {
    const inserted = await sql<{ id: string }>`
      insert into connected_systems (name, description, security_measures, fides_key, is_portal, kind, request_types)
      values (${PORTAL_SYSTEM.name}, ${PORTAL_SYSTEM.description}, ${PORTAL_SYSTEM.securityMeasures}, ${PORTAL_FIDES_KEY}, true, 'none', '{}')
      on conflict do nothing
      returning id`.execute(trx);
    const id = inserted.rows[0]?.id;
    if (!id) {
      const row = await trx.selectFrom('connected_systems').select('id').where('is_portal', '=', true).executeTakeFirstOrThrow();
      return row.id;
    }
    for (const input of PORTAL_DECLARATIONS) {
      await appendVersion(trx, { systemId: id, systemName: PORTAL_SYSTEM.name, activityId: null, declaration: declarationSchema.parse(input), actorId: null });
    }
    await recordAudit(trx, { actorId: null, action: 'datamap.portal_declared', targetType: 'system', targetId: id, details: { activities: PORTAL_DECLARATIONS.length } });
    return id;
  });
}

export async function listSystems(db: Conn) {
  await ensurePortalSystem(db);
  const rows = await db.selectFrom('connected_systems').selectAll().orderBy('is_portal', 'desc').orderBy(sql`lower(name)`).execute();
  return rows;
}

export async function getSystem(db: Conn, id: string): Promise<SystemRow | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  return db.selectFrom('connected_systems').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The subprocessors in the registry today, for linking a system and naming recipients. */
export async function currentSubprocessors(db: Conn, timeZone: string) {
  const view = viewRegistry(await loadRegistry(db as DB), todayIn(timeZone));
  return view.active.map((s) => ({ id: s.subprocessorId, slug: s.slug, name: s.name, locations: s.locations, transferMechanism: s.transferMechanism }));
}

async function uniqueFidesKey(db: Conn, name: string): Promise<string> {
  const base = slugify(name).replace(/-/g, '_') || 'system';
  for (let n = 1; ; n++) {
    const key = n === 1 ? base : `${base}_${n}`;
    const taken = await db.selectFrom('connected_systems').select('id').where('fides_key', '=', key).executeTakeFirst();
    if (!taken) return key;
  }
}

export type SystemInput = {
  name: string;
  description: string;
  ownerName: string;
  ownerEmail: string | null;
  securityMeasures: string;
  subprocessorId: string | null;
  requestTypes: string[];
};

async function checkSystemInput(db: Conn, input: SystemInput, exceptId?: string) {
  let same = db.selectFrom('connected_systems').select('id').where(sql`lower(name)`, '=', input.name.toLowerCase());
  if (exceptId) same = same.where('id', '<>', exceptId);
  if (await same.executeTakeFirst()) throw new MapRuleError('name', 'Another system already has this name.');
  if (input.subprocessorId) {
    const exists = await db.selectFrom('subprocessors').select('id').where('id', '=', input.subprocessorId).executeTakeFirst();
    if (!exists) throw new MapRuleError('subprocessorId', 'Choose a subprocessor from the list.');
    let linked = db.selectFrom('connected_systems').select('name').where('subprocessor_id', '=', input.subprocessorId);
    if (exceptId) linked = linked.where('id', '<>', exceptId);
    const other = await linked.executeTakeFirst();
    if (other) throw new MapRuleError('subprocessorId', `This subprocessor is already the system "${other.name}".`);
  }
}

export async function createSystem(db: DB, input: SystemInput, actor: Actor): Promise<string> {
  return db.transaction().execute(async (trx) => {
    await checkSystemInput(trx, input);
    const row = await trx
      .insertInto('connected_systems')
      .values({
        name: input.name,
        description: input.description,
        owner_name: input.ownerName,
        owner_email: input.ownerEmail,
        security_measures: input.securityMeasures,
        subprocessor_id: input.subprocessorId,
        request_types: input.requestTypes,
        fides_key: await uniqueFidesKey(trx, input.name),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, { actorId: actor.id, ip: actor.ip, action: 'system.created', targetType: 'system', targetId: row.id, details: { name: input.name } });
    return row.id;
  });
}

export async function updateSystem(db: DB, id: string, input: SystemInput, actor: Actor): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('connected_systems').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!before) throw new MapRuleError('name', 'This system no longer exists.');
    await checkSystemInput(trx, input, id);
    await trx
      .updateTable('connected_systems')
      .set({
        name: input.name,
        description: input.description,
        owner_name: input.ownerName,
        owner_email: input.ownerEmail,
        security_measures: input.securityMeasures,
        subprocessor_id: before.is_portal ? null : input.subprocessorId,
        request_types: before.is_portal ? [] : input.requestTypes,
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .execute();
    const changed = (['name', 'description', 'owner_name', 'owner_email', 'security_measures', 'subprocessor_id'] as const).filter((k) => {
      const next = { name: input.name, description: input.description, owner_name: input.ownerName, owner_email: input.ownerEmail, security_measures: input.securityMeasures, subprocessor_id: input.subprocessorId }[k];
      return String(before[k] ?? '') !== String(next ?? '');
    });
    await recordAudit(trx, { actorId: actor.id, ip: actor.ip, action: 'system.updated', targetType: 'system', targetId: id, details: { changed } });
  });
}

// ---- Declarations ------------------------------------------------------------------------

type VersionRow = { activity_id: string; system_id: string; system_name: string; version: number; declaration: unknown; retired: boolean; recorded_at: Date };

function toActivity(row: VersionRow): Activity {
  return {
    activityId: row.activity_id,
    systemId: row.system_id,
    systemName: row.system_name,
    version: Number(row.version),
    declaration: declarationSchema.parse(row.declaration),
    recordedAt: row.recorded_at,
  };
}

/** The activities in force at `at` (default now): each one's latest version, unless retired. */
export async function currentActivities(db: Conn, options: { at?: Date; systemId?: string } = {}): Promise<Activity[]> {
  let q = db
    .selectFrom('processing_activities')
    .select(['activity_id', 'system_id', 'system_name', 'version', 'declaration', 'retired', 'recorded_at'])
    .distinctOn('activity_id')
    .orderBy('activity_id')
    .orderBy('version', 'desc');
  if (options.at) q = q.where('recorded_at', '<=', options.at);
  if (options.systemId) q = q.where('system_id', '=', options.systemId);
  const rows = (await q.execute()) as VersionRow[];
  return rows
    .filter((r) => !r.retired)
    .map(toActivity)
    .sort((a, b) => a.systemName.localeCompare(b.systemName, 'en') || a.declaration.name.localeCompare(b.declaration.name, 'en'));
}

/** Every version of one activity, newest first. */
export async function activityHistory(db: Conn, activityId: string) {
  if (!/^[0-9a-f-]{36}$/i.test(activityId)) return [];
  const rows = await db
    .selectFrom('processing_activities')
    .select(['activity_id', 'system_id', 'system_name', 'version', 'declaration', 'retired', 'recorded_at', 'recorded_by'])
    .where('activity_id', '=', activityId)
    .orderBy('version', 'desc')
    .execute();
  return rows.map((r) => ({ ...toActivity(r as VersionRow), retired: r.retired, recordedBy: r.recorded_by }));
}

async function appendVersion(
  trx: Transaction<Database>,
  input: { systemId: string; systemName: string; activityId: string | null; declaration: Declaration; actorId: string | null; retired?: boolean },
): Promise<{ activityId: string; version: number }> {
  const activityId = input.activityId ?? (await sql<{ id: string }>`select gen_random_uuid()::text as id`.execute(trx)).rows[0]!.id;
  const last = await trx
    .selectFrom('processing_activities')
    .select(sql<number>`coalesce(max(version), 0)`.as('v'))
    .where('activity_id', '=', activityId)
    .executeTakeFirstOrThrow();
  const version = Number(last.v) + 1;
  await trx
    .insertInto('processing_activities')
    .values({
      activity_id: activityId,
      system_id: input.systemId,
      version,
      system_name: input.systemName,
      declaration: JSON.stringify(input.declaration),
      retired: input.retired ?? false,
      recorded_by: input.actorId,
    })
    .execute();
  return { activityId, version };
}

/**
 * Runs `fn` with the system's row locked: two writes to one system's activities take turns.
 * The audit event of the version written is recorded after the lock, in the same transaction.
 */
async function withLockedSystem<T>(db: DB, systemId: string, fn: (trx: Transaction<Database>, system: { id: string; name: string }) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    const system = await trx.selectFrom('connected_systems').select(['id', 'name']).where('id', '=', systemId).forUpdate().executeTakeFirst();
    if (!system) throw new MapRuleError('name', 'This system no longer exists.');
    return fn(trx, system);
  });
}

function auditVersion(trx: Transaction<Database>, actor: Actor, action: 'datamap.activity_saved' | 'datamap.activity_retired', systemId: string, saved: { activityId: string; version: number }) {
  return recordAudit(trx, { actorId: actor.id, ip: actor.ip, action, targetType: 'system', targetId: systemId, details: { activity: saved.activityId, version: saved.version } });
}

/** Saves a declaration as the next version of its activity (or a new activity). */
export async function saveActivity(
  db: DB,
  input: { systemId: string; activityId?: string | null; declaration: Declaration },
  actor: Actor,
): Promise<{ activityId: string; version: number }> {
  return withLockedSystem(db, input.systemId, async (trx, system) => {
    const current = await currentActivities(trx, { systemId: system.id });
    if (input.activityId && !current.some((a) => a.activityId === input.activityId)) throw new MapRuleError('name', 'This activity is retired or belongs to another system.');
    if (current.some((a) => a.activityId !== input.activityId && a.declaration.name.toLowerCase() === input.declaration.name.toLowerCase())) {
      throw new MapRuleError('name', 'This system already declares an activity with this name.');
    }
    const saved = await appendVersion(trx, { systemId: system.id, systemName: system.name, activityId: input.activityId ?? null, declaration: input.declaration, actorId: actor.id });
    await auditVersion(trx, actor, 'datamap.activity_saved', system.id, saved);
    return saved;
  });
}

/** Retires an activity (a version of its own: the record keeps it for the days it was in force). */
export async function retireActivity(db: DB, input: { systemId: string; activityId: string }, actor: Actor): Promise<boolean> {
  if (!(await getSystem(db, input.systemId))) return false;
  return withLockedSystem(db, input.systemId, async (trx, system) => {
    const current = (await currentActivities(trx, { systemId: system.id })).find((a) => a.activityId === input.activityId);
    if (!current) return false;
    const saved = await appendVersion(trx, { systemId: system.id, systemName: system.name, activityId: current.activityId, declaration: current.declaration, actorId: actor.id, retired: true });
    await auditVersion(trx, actor, 'datamap.activity_retired', system.id, saved);
    return true;
  });
}

// ---- Vocabulary --------------------------------------------------------------------------

export async function loadVocabulary(db: Conn): Promise<Vocabulary> {
  const custom = await db.selectFrom('datamap_terms').select(['kind', 'fides_key', 'name', 'description', 'parent_key']).orderBy('fides_key').execute();
  return buildVocabulary(custom);
}

export async function addTerm(
  db: DB,
  input: { kind: DatamapTermKind; key: string; name: string; description: string; parentKey: string },
  actor: Actor,
): Promise<void> {
  const vocabulary = await loadVocabulary(db);
  if (vocabulary[input.kind].has(input.key)) throw new MapRuleError('key', 'This key is already in the vocabulary.');
  if (!vocabulary[input.kind].has(input.parentKey)) throw new MapRuleError('parentKey', 'Choose a parent key that is in the vocabulary.');
  if (!input.key.startsWith(`${input.parentKey}.`)) throw new MapRuleError('key', `An own key goes below its parent: start it with "${input.parentKey}."`);
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('datamap_terms')
      .values({ kind: input.kind, fides_key: input.key, name: input.name, description: input.description, parent_key: input.parentKey, created_by: actor.id })
      .execute();
    await recordAudit(trx, { actorId: actor.id, ip: actor.ip, action: 'datamap.term_added', targetType: 'datamap_term', targetId: input.key, details: { kind: input.kind } });
  });
}

// ---- Findings ----------------------------------------------------------------------------

export async function knownRecipients(db: Conn): Promise<KnownRecipients> {
  const [systems, subprocessors] = await Promise.all([
    db.selectFrom('connected_systems').select('fides_key').where('fides_key', 'is not', null).execute(),
    db.selectFrom('subprocessors').select('slug').execute(),
  ]);
  return { systems: new Set(systems.map((s) => s.fides_key!)), subprocessors: new Set(subprocessors.map((s) => s.slug)) };
}

/** Every finding of the current map, by activity. */
export async function mapFindings(db: Conn): Promise<Array<{ activity: Activity; findings: Finding[] }>> {
  await ensurePortalSystem(db);
  const [activities, vocabulary, known] = await Promise.all([currentActivities(db), loadVocabulary(db), knownRecipients(db)]);
  return activities.map((activity) => ({ activity, findings: findingsFor(activity.declaration, vocabulary, known) })).filter((e) => e.findings.length > 0);
}

export async function countMapFindings(db: Conn): Promise<number> {
  return (await mapFindings(db)).reduce((n, e) => n + e.findings.length, 0);
}

// ---- The public notice -------------------------------------------------------------------

export async function publicNoticePublished(db: Conn): Promise<boolean> {
  const row = await db.selectFrom('datamap_settings').select('public_notice').where('id', '=', 1).executeTakeFirst();
  return row?.public_notice ?? false;
}

export async function setPublicNotice(db: DB, published: boolean, actor: Actor): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('datamap_settings').set({ public_notice: published, updated_at: new Date() }).where('id', '=', 1).execute();
    // The subprocessor list links to the notice: its cached pages must change with it.
    await trx.updateTable('subprocessor_registry_state').set({ version: sql<string>`version + 1`, updated_at: sql<Date>`now()` }).where('id', '=', 1).execute();
    await recordAudit(trx, { actorId: actor.id, ip: actor.ip, action: published ? 'datamap.notice_published' : 'datamap.notice_withdrawn' });
  });
  markRegistryChanged();
}

// ---- Import and export -------------------------------------------------------------------

export async function exportMap(db: Conn): Promise<MapSystem[]> {
  await ensurePortalSystem(db);
  const [systems, activities, subprocessors] = await Promise.all([
    db.selectFrom('connected_systems').selectAll().orderBy('created_at').orderBy('id').execute(),
    currentActivities(db),
    db.selectFrom('subprocessors').select(['id', 'slug']).execute(),
  ]);
  const slugs = new Map(subprocessors.map((s) => [String(s.id), s.slug]));
  return systems.map((s) => ({
    fidesKey: s.fides_key ?? s.id,
    name: s.name,
    description: s.description,
    securityMeasures: s.security_measures,
    subprocessor: s.subprocessor_id ? (slugs.get(String(s.subprocessor_id)) ?? null) : null,
    activities: activities
      .filter((a) => a.systemId === s.id)
      .sort((a, b) => {
        const order = (s.fideslang?.['privacy_portal_order'] as string[] | undefined) ?? [];
        return order.indexOf(a.activityId) - order.indexOf(b.activityId) || a.recordedAt.getTime() - b.recordedAt.getTime();
      })
      .map((a) => a.declaration),
    raw: Object.fromEntries(Object.entries(s.fideslang ?? {}).filter(([k]) => k !== 'privacy_portal_order')),
  }));
}

export type ImportSummary = { created: number; updated: number; activitiesSaved: number; activitiesRetired: number };

/**
 * Brings a fideslang document in: systems matched by fides_key (made when new), each system's
 * declarations matched by name (a changed one is saved as a new version, a missing one is
 * retired). All or nothing, in one transaction.
 */
export async function importMap(db: DB, text: string, actor: Actor): Promise<ImportSummary> {
  const systems = parseMapFile(text);
  await ensurePortalSystem(db);
  return db.transaction().execute(async (trx) => {
    const summary: ImportSummary = { created: 0, updated: 0, activitiesSaved: 0, activitiesRetired: 0 };
    for (const sys of systems) {
      let subprocessorId: string | null = null;
      if (sys.subprocessor) {
        const sp = await trx.selectFrom('subprocessors').select('id').where('slug', '=', sys.subprocessor).executeTakeFirst();
        if (!sp) throw new MapFileError(`${sys.fidesKey}: the subprocessor "${sys.subprocessor}" is not in the registry.`);
        subprocessorId = String(sp.id);
      }
      const existing = await trx.selectFrom('connected_systems').selectAll().where('fides_key', '=', sys.fidesKey).forUpdate().executeTakeFirst();
      const clash = await trx
        .selectFrom('connected_systems')
        .select('fides_key')
        .where(sql`lower(name)`, '=', sys.name.toLowerCase())
        .where('fides_key', 'is distinct from', sys.fidesKey)
        .executeTakeFirst();
      if (clash) throw new MapFileError(`${sys.fidesKey}: the name "${sys.name}" is already used by the system ${clash.fides_key ?? ''}.`);
      let systemId: string;
      const values = {
        name: sys.name,
        description: sys.description,
        security_measures: sys.securityMeasures,
        subprocessor_id: subprocessorId,
        fideslang: JSON.stringify(sys.raw),
      };
      if (existing) {
        systemId = existing.id;
        await trx.updateTable('connected_systems').set({ ...values, updated_at: new Date() }).where('id', '=', systemId).execute();
        summary.updated++;
      } else {
        if (subprocessorId) {
          const linked = await trx.selectFrom('connected_systems').select('name').where('subprocessor_id', '=', subprocessorId).executeTakeFirst();
          if (linked) throw new MapFileError(`${sys.fidesKey}: the subprocessor "${sys.subprocessor}" is already the system "${linked.name}".`);
        }
        const row = await trx.insertInto('connected_systems').values({ ...values, fides_key: sys.fidesKey }).returning('id').executeTakeFirstOrThrow();
        systemId = row.id;
        summary.created++;
      }
      const current = await currentActivities(trx, { systemId });
      const order: string[] = [];
      for (const declaration of sys.activities) {
        const match = current.find((a) => a.declaration.name === declaration.name);
        if (match && JSON.stringify(match.declaration) === JSON.stringify(declaration)) {
          order.push(match.activityId);
          continue;
        }
        const saved = await appendVersion(trx, { systemId, systemName: sys.name, activityId: match?.activityId ?? null, declaration, actorId: actor.id });
        order.push(saved.activityId);
        summary.activitiesSaved++;
      }
      for (const gone of current.filter((a) => !sys.activities.some((d) => d.name === a.declaration.name))) {
        await appendVersion(trx, { systemId, systemName: sys.name, activityId: gone.activityId, declaration: gone.declaration, actorId: actor.id, retired: true });
        summary.activitiesRetired++;
      }
      // The file's order of declarations, so the export gives them back in it.
      await trx
        .updateTable('connected_systems')
        .set({ fideslang: JSON.stringify({ ...sys.raw, privacy_portal_order: order }) })
        .where('id', '=', systemId)
        .execute();
    }
    await recordAudit(trx, { actorId: actor.id, ip: actor.ip, action: 'datamap.imported', details: { systems: systems.length, ...summary } });
    return summary;
  });
}
