import { sql, type Kysely } from 'kysely';

const TYPES = ['access', 'rectification', 'erasure', 'restriction', 'portability', 'objection'];
const STATES = ['unverified', 'open', 'in_progress', 'awaiting_subject', 'completed', 'denied', 'withdrawn', 'expired'];
const list = (values: string[]) => sql.join(values.map((v) => sql.lit(v)));
// Calendar dates in PORTAL_TIMEZONE, kept as text so no driver turns them into a UTC midnight.
const isoDate = (column: string) => sql`${sql.ref(column)} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'`;

export async function up(db: Kysely<any>) {
  await sql`create sequence request_reference_seq`.execute(db);
  await db.schema
    .createTable('requests')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('reference', 'text', (c) => c.notNull().unique())
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in (${list(TYPES)})`))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in (${list(STATES)})`))
    .addColumn('email', 'text', (c) => c.notNull())
    // Lower-cased email while the request holds personal data; null once purged.
    .addColumn('email_key', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('account_identifier', 'text')
    .addColumn('details', 'text')
    .addColumn('requester_role', 'text', (c) => c.notNull().check(sql`requester_role in ('self', 'representative')`))
    .addColumn('user_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('received_at', 'timestamptz')
    .addColumn('due_date', 'text', (c) => c.check(isoDate('due_date')))
    .addColumn('extension_months', 'integer', (c) => c.notNull().defaultTo(0).check(sql`extension_months between 0 and 2`))
    .addColumn('extension_reason', 'text')
    .addColumn('extended_at', 'timestamptz')
    .addColumn('paused_at', 'timestamptz')
    .addColumn('paused_days', 'integer', (c) => c.notNull().defaultTo(0).check(sql`paused_days >= 0`))
    .addColumn('closed_at', 'timestamptz')
    .addColumn('personal_data_deleted_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('requests_email_key_idx').on('requests').columns(['email_key', 'type']).execute();
  await db.schema.createIndex('requests_user_idx').on('requests').column('user_id').execute();
  await db.schema.createIndex('requests_due_idx').on('requests').columns(['state', 'due_date']).execute();

  await db.schema
    .createTable('request_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('request_id', 'bigint', (c) => c.notNull().references('requests.id').onDelete('cascade'))
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
    .addColumn('actor', 'text', (c) => c.notNull().check(sql`actor in ('subject', 'staff', 'system')`))
    .addColumn('actor_id', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('from_state', 'text')
    .addColumn('to_state', 'text')
    .addColumn('note', 'text')
    .addColumn('visible_to_subject', 'boolean', (c) => c.notNull().defaultTo(true))
    .execute();
  await db.schema.createIndex('request_events_request_idx').on('request_events').columns(['request_id', 'id']).execute();

  await db.schema
    .createTable('request_tokens')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('request_id', 'bigint', (c) => c.notNull().references('requests.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose in ('verify', 'status')`))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('expires_at', 'timestamptz')
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('request_tokens_request_idx').on('request_tokens').column('request_id').execute();

  await db.schema
    .createTable('request_submissions')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('request_id', 'bigint', (c) => c.references('requests.id').onDelete('cascade'))
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('created', 'duplicate')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('request_attachments')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('request_id', 'bigint', (c) => c.notNull().references('requests.id').onDelete('cascade'))
    .addColumn('event_id', 'bigint', (c) => c.references('request_events.id').onDelete('set null'))
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull().check(sql`content_type in ('application/pdf', 'image/png', 'image/jpeg')`))
    .addColumn('size', 'integer', (c) => c.notNull().check(sql`size between 1 and 10485760`))
    .addColumn('iv', 'bytea', (c) => c.notNull())
    .addColumn('auth_tag', 'bytea', (c) => c.notNull())
    .addColumn('ciphertext', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('request_attachments_request_idx').on('request_attachments').column('request_id').execute();
}

export async function down(db: Kysely<any>) {
  for (const table of ['request_attachments', 'request_submissions', 'request_tokens', 'request_events', 'requests']) {
    await db.schema.dropTable(table).execute();
  }
  await sql`drop sequence request_reference_seq`.execute(db);
}
