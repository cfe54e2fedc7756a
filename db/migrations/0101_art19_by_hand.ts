import { sql, type Kysely } from 'kysely';

/**
 * Issue 18.4: Art. 19 notices for recipients without a privacy contact are no longer skipped.
 * Each erasure records one notice per recipient of personal data: 'email' (sent at once to the
 * contact) or 'by_hand' (no contact: staff notify it themselves and record when and how). Staff
 * also record the recipient's confirmation that it erased. Notices are part of the proof record.
 */
export async function up(db: Kysely<any>) {
  await db.schema
    .alterTable('erasure_notices')
    .addColumn('method', 'text', (c) => c.notNull().defaultTo('email').check(sql`method in ('email', 'by_hand')`))
    .addColumn('notified_at', 'timestamptz')
    .addColumn('notified_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('notified_how', 'text')
    .addColumn('confirmed_at', 'timestamptz')
    .addColumn('confirmed_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .execute();
  await sql`alter table erasure_notices alter column contact_email drop not null`.execute(db);
  await sql`update erasure_notices set notified_at = created_at`.execute(db);
  await sql`alter table erasure_notices add constraint erasure_notices_email_has_contact check (method <> 'email' or contact_email is not null)`.execute(db);
}

export async function down(db: Kysely<any>) {
  await sql`delete from erasure_notices where contact_email is null`.execute(db);
  await sql`alter table erasure_notices drop constraint erasure_notices_email_has_contact`.execute(db);
  await sql`alter table erasure_notices alter column contact_email set not null`.execute(db);
  let alter = db.schema.alterTable('erasure_notices').dropColumn('method');
  for (const c of ['notified_at', 'notified_by', 'notified_how', 'confirmed_at', 'confirmed_by']) alter = alter.dropColumn(c);
  await alter.execute();
}
