import { sql, type Kysely } from 'kysely';

/**
 * Issue 21.3-21.5: identity checks in proportion to the risk.
 *
 * - `requests.verification_level`: the highest level the request reached ('email', 'account',
 *   'account+code', 'manual'); `verification_level_at`: when. The level a request needs is not
 *   stored: it follows from the policy table (app/models/policy.ts) and whether the address has
 *   an account, judged when staff start it.
 * - `verification_codes`: one-time codes for 'account+code', only an HMAC of the code, its
 *   expiry and the attempts spent.
 * - `identity_checks`: staff's record of a manual check of identity or of an agent's authority:
 *   who, when, how (a method from a list) and a note. The documents shown for it are deleted
 *   when it is recorded; only their count stays here.
 * - `request_events` of kind `request_information` may carry an ID-copy reason (see staff.server.ts).
 */
export async function up(db: Kysely<any>) {
  await db.schema
    .alterTable('requests')
    .addColumn('verification_level', 'text', (c) => c.check(sql`verification_level in ('email', 'account', 'account+code', 'manual')`))
    .addColumn('verification_level_at', 'timestamptz')
    .execute();
  // Requests verified before levels existed: signed-in filings reached 'account', the rest 'email'.
  await sql`update requests set verification_level = case when user_id is not null then 'account' else 'email' end,
    verification_level_at = received_at
    where received_at is not null`.execute(db);

  await db.schema
    .createTable('verification_codes')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('request_id', 'bigint', (c) => c.notNull().references('requests.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('verification_codes_request').on('verification_codes').columns(['request_id', 'id']).execute();

  await db.schema
    .createTable('identity_checks')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('request_id', 'bigint', (c) => c.notNull().references('requests.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose in ('identity', 'authority')`))
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('checked_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('checked_at', 'timestamptz', (c) => c.notNull())
    .addColumn('documents_deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('identity_checks_request').on('identity_checks').column('request_id').execute();
}

export async function down(db: Kysely<any>) {
  await db.schema.dropTable('identity_checks').execute();
  await db.schema.dropTable('verification_codes').execute();
  await db.schema.alterTable('requests').dropColumn('verification_level').dropColumn('verification_level_at').execute();
}
