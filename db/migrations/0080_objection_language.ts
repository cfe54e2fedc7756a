import { sql, type Kysely } from 'kysely';

const LANGUAGES = ['en', 'de', 'fr'];

/**
 * The language an objection was filed in, so the acknowledgement and staff's answer speak it,
 * as they already do for requests and alert subscriptions (0060). Existing rows: English.
 */
export async function up(db: Kysely<any>) {
  await db.schema
    .alterTable('subprocessor_objections')
    .addColumn('lang', 'text', (c) => c.notNull().defaultTo('en').check(sql`lang in (${sql.join(LANGUAGES.map((l) => sql.lit(l)))})`))
    .execute();
}

export async function down(db: Kysely<any>) {
  await db.schema.alterTable('subprocessor_objections').dropColumn('lang').execute();
}
