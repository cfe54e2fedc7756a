import { sql, type Kysely } from 'kysely';

/**
 * How administrators of a running portal get accounts without a command-line tool:
 * - admin_setup_links: the one-time link a portal shows at start while no administrator exists;
 * - staff_invitations: an administrator invites an address as staff or admin by email.
 * Both store only the SHA-256 of the link's token; each is single use and expires.
 */
export async function up(db: Kysely<any>) {
  await db.schema
    .createTable('admin_setup_links')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable('staff_invitations')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('staff', 'admin')`))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('invited_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('accepted_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('staff_invitations_email_idx').on('staff_invitations').expression(sql`lower(email)`).execute();
}

export async function down(db: Kysely<any>) {
  await db.schema.dropTable('staff_invitations').execute();
  await db.schema.dropTable('admin_setup_links').execute();
}
