import { sql, type Kysely } from 'kysely';

/**
 * The public yearly report (/transparency): each publication of a year is a frozen snapshot of
 * its figures, never updated. A correction is a new version of the year with the reason for it,
 * chosen from a fixed list (no free text reaches the public page); the page shows the latest
 * version and says what the correction changed. Nothing in a snapshot is about a person.
 */
export async function up(db: Kysely<any>) {
  await db.schema
    .createTable('transparency_reports')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('year', 'integer', (c) => c.notNull().check(sql`year between 2000 and 2999`))
    .addColumn('version', 'integer', (c) => c.notNull().check(sql`version >= 1`))
    .addColumn('figures', 'jsonb', (c) => c.notNull())
    .addColumn('correction_reason', 'text', (c) =>
      c.check(sql`correction_reason in ('records_added_late', 'recording_error', 'counting_error')`),
    )
    .addColumn('published_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('published_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addUniqueConstraint('transparency_reports_year_version_key', ['year', 'version'])
    .addCheckConstraint('transparency_reports_correction_has_reason', sql`(version = 1) = (correction_reason is null)`)
    .execute();
}

export async function down(db: Kysely<any>) {
  await db.schema.dropTable('transparency_reports').execute();
}
