import { sql, type Kysely } from 'kysely';

/**
 * Art. 19 GDPR: when a subject's data is erased, every recipient that received it is told.
 * The registry records, per subprocessor, whether it receives personal data and the privacy
 * contact an erasure notice goes to. Internal (never in the public registry or its history).
 */
export async function up(db: Kysely<any>) {
  await db.schema
    .alterTable('subprocessors')
    .addColumn('privacy_contact_email', 'text')
    .addColumn('receives_personal_data', 'boolean', (c) => c.notNull().defaultTo(true))
    .execute();
  await db.schema
    .createTable('erasure_notices')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('request_id', 'bigint', (c) => c.notNull().references('requests.id').onDelete('restrict'))
    .addColumn('subprocessor_id', 'bigint', (c) => c.notNull().references('subprocessors.id').onDelete('restrict'))
    .addColumn('contact_email', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('erasure_notices_once', ['request_id', 'subprocessor_id'])
    .execute();
}

export async function down(db: Kysely<any>) {
  await db.schema.dropTable('erasure_notices').execute();
  await db.schema.alterTable('subprocessors').dropColumn('receives_personal_data').dropColumn('privacy_contact_email').execute();
}
