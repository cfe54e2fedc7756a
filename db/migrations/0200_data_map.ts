import { sql, type Kysely } from 'kysely';

const nonBlank = (column: string) => sql`length(btrim(coalesce(${sql.ref(column)}, ''))) > 0`;

/**
 * The data map (issue 20): what each connected system holds, why, on what legal basis and for
 * how long. The Art. 30 record, every Art. 15 answer and the public notice are drawn from it.
 *
 * - `connected_systems` gains the fideslang key it is known by, its security measures
 *   (Art. 30(1)(g)), the raw fideslang document it was imported from (kept so an export gives
 *   back what came in), and `is_portal` for the portal's own row (at most one).
 * - `datamap_terms`: the organisation's own vocabulary keys, each below a fideslang key.
 * - `processing_activities`: every saved version of every declaration, append-only (UPDATE,
 *   DELETE and TRUNCATE refused), so the record as it stood on any date can be shown to an
 *   authority. Retiring an activity is a version of its own.
 * - `datamap_settings`: whether the public notice at /privacy/processing is published.
 */
export async function up(db: Kysely<any>) {
  await db.schema
    .alterTable('connected_systems')
    .addColumn('fides_key', 'text')
    .addColumn('security_measures', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('fideslang', 'jsonb')
    .addColumn('is_portal', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await sql`create unique index connected_systems_fides_key on connected_systems (fides_key) where fides_key is not null`.execute(db);
  await sql`create unique index connected_systems_portal on connected_systems (is_portal) where is_portal`.execute(db);

  await db.schema
    .createTable('datamap_terms')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('data_category', 'data_use', 'data_subject')`))
    .addColumn('fides_key', 'text', (c) => c.notNull().check(sql`fides_key ~ '^[a-z0-9_]+(\\.[a-z0-9_]+)*$'`))
    .addColumn('name', 'text', (c) => c.notNull().check(nonBlank('name')))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('parent_key', 'text', (c) => c.notNull())
    .addColumn('created_by', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('datamap_terms_key', ['kind', 'fides_key'])
    .execute();

  await db.schema
    .createTable('processing_activities')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('activity_id', 'uuid', (c) => c.notNull())
    .addColumn('system_id', 'uuid', (c) => c.notNull().references('connected_systems.id'))
    .addColumn('version', 'integer', (c) => c.notNull().check(sql`version >= 1`))
    .addColumn('system_name', 'text', (c) => c.notNull())
    .addColumn('declaration', 'jsonb', (c) => c.notNull())
    .addColumn('retired', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('recorded_by', 'uuid')
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('processing_activities_version', ['activity_id', 'version'])
    .execute();
  await db.schema.createIndex('processing_activities_at').on('processing_activities').columns(['recorded_at', 'activity_id']).execute();
  await sql`
    create function processing_activities_refuse() returns trigger language plpgsql as $$
    begin
      raise exception 'the record of processing keeps every version: % on % refused', tg_op, tg_table_name using errcode = 'insufficient_privilege';
    end
    $$`.execute(db);
  await sql`create trigger processing_activities_keep before update or delete on processing_activities for each row execute function processing_activities_refuse()`.execute(db);
  await sql`create trigger processing_activities_no_truncate before truncate on processing_activities for each statement execute function processing_activities_refuse()`.execute(db);

  await db.schema
    .createTable('datamap_settings')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('public_notice', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.insertInto('datamap_settings').values({ id: 1 }).execute();
}

export async function down(db: Kysely<any>) {
  await db.schema.dropTable('datamap_settings').execute();
  await db.schema.dropTable('processing_activities').execute();
  await sql`drop function if exists processing_activities_refuse()`.execute(db);
  await db.schema.dropTable('datamap_terms').execute();
  await sql`drop index if exists connected_systems_portal`.execute(db);
  await sql`drop index if exists connected_systems_fides_key`.execute(db);
  await db.schema.alterTable('connected_systems').dropColumn('fides_key').dropColumn('security_measures').dropColumn('fideslang').dropColumn('is_portal').execute();
}
