import { sql, type Kysely } from 'kysely';

/**
 * Daily deadline reminders to privacy staff. One row per recipient, local day and kind of
 * reminder: the insert that claims the row and the queued mail commit together, so however
 * many instances run the job, and however often, a person gets each reminder once a day.
 * Rows are kept RETENTION_DAYS.reminderSends (app/models/policy.ts), then deleted by the
 * daily retention run.
 */
export async function up(db: Kysely<any>) {
  await db.schema
    .createTable('reminder_sends')
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('day', 'date', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('assigned', 'team')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('reminder_sends_pkey', ['recipient', 'day', 'kind'])
    .execute();
}

export async function down(db: Kysely<any>) {
  await db.schema.dropTable('reminder_sends').execute();
}
