import { sql, type Kysely } from 'kysely';

/**
 * Access (Art. 15) and portability (Art. 20) packages.
 *
 * - `package_files`: files staff upload from other systems while they prepare the answer,
 *   AES-256-GCM encrypted like subject attachments; folded into the package on completion.
 * - `access_packages`: the finished ZIP, encrypted, one per request; downloadable by the
 *   subject until `expires_at` and at most `max_downloads` times, then the ciphertext is
 *   deleted by a job (`deleted_at` set, the row kept as the record that it was delivered).
 * - `package_downloads`: each download (when, through which door), for staff to see.
 */
export async function up(db: Kysely<any>) {
  await db.schema
    .createTable('package_files')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('request_id', 'bigint', (c) => c.notNull().references('requests.id').onDelete('cascade'))
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) =>
      c.notNull().check(sql`content_type in ('text/csv', 'application/json', 'application/pdf', 'image/png', 'image/jpeg')`),
    )
    .addColumn('size', 'integer', (c) => c.notNull().check(sql`size between 1 and 20971520`))
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('iv', 'bytea', (c) => c.notNull())
    .addColumn('auth_tag', 'bytea', (c) => c.notNull())
    .addColumn('ciphertext', 'bytea', (c) => c.notNull())
    .addColumn('uploaded_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('package_files_request_idx').on('package_files').column('request_id').execute();

  await db.schema
    .createTable('access_packages')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('request_id', 'bigint', (c) => c.notNull().unique().references('requests.id').onDelete('cascade'))
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('iv', 'bytea')
    .addColumn('auth_tag', 'bytea')
    .addColumn('ciphertext', 'bytea')
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('max_downloads', 'integer', (c) => c.notNull().defaultTo(5))
    .addColumn('downloads', 'integer', (c) => c.notNull().defaultTo(0).check(sql`downloads >= 0`))
    .addColumn('deleted_at', 'timestamptz')
    .addCheckConstraint('access_packages_deleted_has_no_bytes', sql`deleted_at is null or ciphertext is null`)
    .execute();
  await db.schema
    .createIndex('access_packages_live_idx')
    .on('access_packages')
    .column('expires_at')
    .where(sql.ref('deleted_at'), 'is', null)
    .execute();

  await db.schema
    .createTable('package_downloads')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('package_id', 'uuid', (c) => c.notNull().references('access_packages.id').onDelete('cascade'))
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('via', 'text', (c) => c.notNull().check(sql`via in ('status_link', 'account')`))
    .execute();
  await db.schema.createIndex('package_downloads_package_idx').on('package_downloads').column('package_id').execute();
}

export async function down(db: Kysely<any>) {
  await db.schema.dropTable('package_downloads').execute();
  await db.schema.dropTable('access_packages').execute();
  await db.schema.dropTable('package_files').execute();
}
