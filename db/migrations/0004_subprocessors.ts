import { sql, type Kysely } from 'kysely';

/**
 * The subprocessor registry is a log of dated changes (see docs/decisions/004): the list on any
 * date is derived from the changes effective on or before it, never stored as a status column
 * that a clock would have to flip.
 */
export async function up(db: Kysely<any>) {
  await db.schema
    .createTable('subprocessors')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('subprocessor_changes')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('subprocessor_id', 'bigint', (c) => c.notNull().references('subprocessors.id').onDelete('restrict'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('added', 'updated', 'removed')`))
    .addColumn('effective_on', 'date', (c) => c.notNull())
    .addColumn('details', 'jsonb')
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('announced_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('subprocessor_changes_details', sql`(kind = 'removed') = (details is null)`)
    .execute();
  await db.schema
    .createIndex('subprocessor_changes_effective_idx')
    .on('subprocessor_changes')
    .columns(['effective_on', 'id'])
    .execute();

  // One row: bumped in the same transaction as every write, so every instance derives the same ETag.
  await db.schema
    .createTable('subprocessor_registry_state')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.insertInto('subprocessor_registry_state').values({ id: 1 }).execute();

  await db.schema
    .createTable('subprocessor_subscriptions')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('confirm_token_hash', 'text', (c) => c.unique())
    .addColumn('confirm_expires_at', 'timestamptz')
    .addColumn('confirmed_at', 'timestamptz')
    .addColumn('unsubscribed_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('subprocessor_subscriptions_active_email')
    .on('subprocessor_subscriptions')
    .expression(sql`lower(email)`)
    .unique()
    .where(sql.ref('unsubscribed_at'), 'is', null)
    .execute();

  // Which alert went to whom: a retried fan-out job never mails anyone twice.
  await db.schema
    .createTable('subprocessor_alerts')
    .addColumn('change_id', 'bigint', (c) => c.notNull().references('subprocessor_changes.id').onDelete('cascade'))
    .addColumn('subscription_id', 'bigint', (c) =>
      c.notNull().references('subprocessor_subscriptions.id').onDelete('cascade'),
    )
    .addColumn('stage', 'text', (c) => c.notNull().check(sql`stage in ('announced', 'effective')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('subprocessor_alerts_pk', ['change_id', 'subscription_id', 'stage'])
    .execute();

  await db.schema
    .createTable('subprocessor_objections')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('change_id', 'bigint', (c) => c.notNull().references('subprocessor_changes.id').onDelete('restrict'))
    .addColumn('organisation', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('answer', 'text')
    .addColumn('answered_at', 'timestamptz')
    .addColumn('answered_by', 'text')
    .execute();
}

export async function down(db: Kysely<any>) {
  for (const table of [
    'subprocessor_objections',
    'subprocessor_alerts',
    'subprocessor_subscriptions',
    'subprocessor_registry_state',
    'subprocessor_changes',
    'subprocessors',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
