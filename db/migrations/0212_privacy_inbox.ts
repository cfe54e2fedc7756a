import { sql, type Kysely } from 'kysely';

/**
 * The privacy mailbox (issue 21, part 2): each message polled from INBOX_IMAP_URL becomes one
 * inbox item. (mailbox, uidvalidity, uid) is unique, so a message is taken once whatever the
 * number of pollers. Sender HTML is never stored for display: `body_text` is the server's text
 * rendering. The raw .eml and each attachment are encrypted (AES-256-GCM under EXPORT_KEY).
 * Request attachments may now also be a message/rfc822 (the .eml a request was made from).
 */
export async function up(db: Kysely<any>) {
  await db.schema
    .createTable('inbox_items')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('mailbox', 'text', (c) => c.notNull())
    .addColumn('uidvalidity', 'bigint', (c) => c.notNull())
    .addColumn('uid', 'bigint', (c) => c.notNull())
    .addColumn('message_id', 'text')
    .addColumn('from_address', 'text', (c) => c.notNull())
    .addColumn('from_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('subject', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('sent_at', 'timestamptz')
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('body_text', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('eml_size', 'integer', (c) => c.notNull())
    .addColumn('eml_iv', 'bytea', (c) => c.notNull())
    .addColumn('eml_auth_tag', 'bytea', (c) => c.notNull())
    .addColumn('eml_ciphertext', 'bytea', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('new').check(sql`state in ('new', 'converted', 'attached', 'dismissed')`))
    .addColumn('state_reason', 'text')
    .addColumn('request_id', 'bigint', (c) => c.references('requests.id').onDelete('set null'))
    .addColumn('handled_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('handled_at', 'timestamptz')
    .addUniqueConstraint('inbox_items_message_once', ['mailbox', 'uidvalidity', 'uid'])
    .execute();
  await sql`create index inbox_items_queue on inbox_items (state, received_at desc)`.execute(db);
  await db.schema
    .createTable('inbox_attachments')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('item_id', 'uuid', (c) => c.notNull().references('inbox_items.id').onDelete('cascade'))
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('iv', 'bytea', (c) => c.notNull())
    .addColumn('auth_tag', 'bytea', (c) => c.notNull())
    .addColumn('ciphertext', 'bytea', (c) => c.notNull())
    .execute();
  await sql`create index inbox_attachments_item on inbox_attachments (item_id)`.execute(db);
  // 0210 already allows message/rfc822 (and an Outlook .msg) for originals logged by staff; the
  // same set is kept here, so the order the two were written in does not matter.
  await sql`alter table request_attachments drop constraint if exists request_attachments_content_type_check`.execute(db);
  await sql`alter table request_attachments add constraint request_attachments_content_type_check check (content_type in ('application/pdf', 'image/png', 'image/jpeg', 'message/rfc822', 'application/vnd.ms-outlook'))`.execute(db);
}

export async function down(db: Kysely<any>) {
  await db.schema.dropTable('inbox_attachments').execute();
  await db.schema.dropTable('inbox_items').execute();
}
