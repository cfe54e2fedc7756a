import { sql, type Kysely } from 'kysely';

/**
 * An account's email is proven before the portal trusts it (a signed-in subject's requests
 * are verified at once only then). Accounts made before this by `create-admin` are trusted:
 * the operator vouched for them.
 */
export async function up(db: Kysely<any>) {
  await db.schema.alterTable('users').addColumn('email_verified_at', 'timestamptz').execute();
  await sql`update users set email_verified_at = created_at where role = 'admin'`.execute(db);
  await db.schema
    .createTable('account_email_tokens')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('account_email_tokens_user_idx').on('account_email_tokens').column('user_id').execute();
}

export async function down(db: Kysely<any>) {
  await db.schema.dropTable('account_email_tokens').execute();
  await db.schema.alterTable('users').dropColumn('email_verified_at').execute();
}
