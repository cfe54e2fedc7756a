import { sql, type Kysely } from 'kysely';

/**
 * Issue 24.6: the erasure ledger. One row per erasure: the SHA-256 of the address (what proof
 * records keep), when, under which request, which requests were reduced and whether an account
 * was deleted. A copy of each row is also appended to a file beside the backups, so a restore of
 * a backup taken before the erasure can apply it again (app/models/requests/erasure-ledger.server.ts).
 */
export async function up(db: Kysely<any>) {
  await db.schema
    .createTable('erasure_ledger')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('reference', 'text', (c) => c.notNull().unique())
    .addColumn('email_hash', 'text', (c) => c.notNull().check(sql`email_hash ~ '^[0-9a-f]{64}$'`))
    .addColumn('erased_at', 'timestamptz', (c) => c.notNull())
    .addColumn('requests', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('account_deleted', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('replayed_at', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<any>) {
  await db.schema.dropTable('erasure_ledger').execute();
}
