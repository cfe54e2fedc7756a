import { sql, type Kysely } from 'kysely';

/**
 * Standing decisions about a person that every later request from the same address must show
 * staff: a restriction of processing (Art. 18) or an upheld objection (Art. 21).
 */
export async function up(db: Kysely<any>) {
  await db.schema
    .createTable('subject_flags')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('email_key', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('restriction', 'objection_upheld')`))
    .addColumn('request_id', 'bigint', (c) => c.notNull().references('requests.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('subject_flags_email_idx').on('subject_flags').column('email_key').execute();
}

export async function down(db: Kysely<any>) {
  await db.schema.dropTable('subject_flags').execute();
}
