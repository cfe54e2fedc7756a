import { type Kysely } from 'kysely';

/**
 * Whether a staff member is emailed when a request is assigned to them or a subject replies to
 * one of theirs. On by default; each person turns it off for themselves (/staff/notifications).
 */
export async function up(db: Kysely<any>) {
  await db.schema
    .alterTable('users')
    .addColumn('staff_notifications', 'boolean', (c) => c.notNull().defaultTo(true))
    .execute();
}

export async function down(db: Kysely<any>) {
  await db.schema.alterTable('users').dropColumn('staff_notifications').execute();
}
