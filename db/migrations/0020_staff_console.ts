import { sql, type Kysely } from 'kysely';

/**
 * The staff request console: who a request is assigned to, the recorded outcome, and the
 * indexes the deadline-ordered queue pages through (keyset on due date and id).
 */
export async function up(db: Kysely<any>) {
  await db.schema
    .alterTable('requests')
    .addColumn('assigned_to', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('outcome', 'text')
    .execute();
  await db.schema.createIndex('requests_queue_idx').on('requests').columns(['due_date', 'id']).execute();
  await db.schema.createIndex('requests_state_queue_idx').on('requests').columns(['state', 'due_date', 'id']).execute();
  await db.schema.createIndex('requests_assignee_queue_idx').on('requests').columns(['assigned_to', 'due_date', 'id']).execute();
  await sql`drop index if exists requests_due_idx`.execute(db);
}

export async function down(db: Kysely<any>) {
  await db.schema.createIndex('requests_due_idx').on('requests').columns(['state', 'due_date']).execute();
  await db.schema.dropIndex('requests_assignee_queue_idx').execute();
  await db.schema.dropIndex('requests_state_queue_idx').execute();
  await db.schema.dropIndex('requests_queue_idx').execute();
  await db.schema.alterTable('requests').dropColumn('outcome').dropColumn('assigned_to').execute();
}
