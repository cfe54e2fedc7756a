import { sql, type Kysely } from 'kysely';

/**
 * Requests from every channel (issue 21, part 1): staff log a request received by email,
 * letter, phone or in person. A subject reached by post only has a postal address and no
 * email; a receipt dated more than 3 days back or in the future carries staff's reason; the
 * original email (.eml, .msg) is kept as an encrypted attachment beside PDFs and images.
 */
export async function up(db: Kysely<any>) {
  await db.schema
    .alterTable('requests')
    .addColumn('postal_address', 'text')
    .addColumn('receipt_reason', 'text')
    .addColumn('logged_by', 'uuid')
    .execute();
  await sql`alter table request_attachments drop constraint if exists request_attachments_content_type_check`.execute(db);
  await sql`alter table request_attachments add constraint request_attachments_content_type_check
    check (content_type in ('application/pdf', 'image/png', 'image/jpeg', 'message/rfc822', 'application/vnd.ms-outlook'))`.execute(db);
}

export async function down(db: Kysely<any>) {
  await sql`alter table request_attachments drop constraint if exists request_attachments_content_type_check`.execute(db);
  await sql`alter table request_attachments add constraint request_attachments_content_type_check
    check (content_type in ('application/pdf', 'image/png', 'image/jpeg'))`.execute(db);
  await db.schema.alterTable('requests').dropColumn('postal_address').dropColumn('receipt_reason').dropColumn('logged_by').execute();
}
