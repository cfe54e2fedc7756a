import { sql, type Kysely } from 'kysely';

const list = (values: string[]) => sql.join(values.map((v) => sql.lit(v)));
const isoDate = (column: string) => sql`${sql.ref(column)} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'`;
const LANGUAGES = ['en', 'de', 'fr'];

/**
 * The language a person used, so later emails speak it (requests, subscriptions); what a
 * request is about (scope, period, other identifiers, format, country of residence); who an
 * agent acts for (the subject's own name and email, the relationship); the registry's
 * categories. Existing rows: English, no scope, category "other".
 */
export async function up(db: Kysely<any>) {
  await db.schema
    .alterTable('requests')
    .addColumn('lang', 'text', (c) => c.notNull().defaultTo('en').check(sql`lang in (${list(LANGUAGES)})`))
    .addColumn('scope', 'text')
    .addColumn('period_from', 'text', (c) => c.check(isoDate('period_from')))
    .addColumn('period_to', 'text', (c) => c.check(isoDate('period_to')))
    .addColumn('aliases', 'text')
    .addColumn('preferred_format', 'text', (c) => c.check(sql`preferred_format in ('json', 'csv', 'pdf')`))
    .addColumn('country', 'text', (c) => c.check(sql`country ~ '^[A-Z]{2}$'`))
    .addColumn('subject_name', 'text')
    .addColumn('subject_email', 'text')
    .addColumn('agent_relationship', 'text')
    .execute();
  await db.schema
    .alterTable('subprocessor_subscriptions')
    .addColumn('lang', 'text', (c) => c.notNull().defaultTo('en').check(sql`lang in (${list(LANGUAGES)})`))
    .execute();
  await db.schema
    .alterTable('subprocessors')
    .addColumn('category', 'text', (c) =>
      c.notNull().defaultTo('other').check(sql`category in ('infrastructure', 'support', 'payments', 'affiliates', 'other')`),
    )
    .execute();
}

export async function down(db: Kysely<any>) {
  await db.schema.alterTable('subprocessors').dropColumn('category').execute();
  await db.schema.alterTable('subprocessor_subscriptions').dropColumn('lang').execute();
  let alter = db.schema.alterTable('requests').dropColumn('lang');
  for (const c of ['scope', 'period_from', 'period_to', 'aliases', 'preferred_format', 'country', 'subject_name', 'subject_email', 'agent_relationship']) {
    alter = alter.dropColumn(c);
  }
  await alter.execute();
}
