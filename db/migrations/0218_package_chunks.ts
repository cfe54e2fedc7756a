import type { Kysely } from 'kysely';

/**
 * Streamed access packages (issue 19.5, decision 218): a package is stored as a sequence of
 * separately sealed chunks (AES-256-GCM under EXPORT_KEY, each bound to its request, package and
 * number), never as one piece. `chunks` says how many there are, so a
 * truncated set is refused; the format file (summary.pdf / data.csv) is stored uncompressed in
 * the ZIP and its byte range is kept, so it can be served alone without reading the whole ZIP.
 * Packages made before this migration keep their single `ciphertext` and are still served.
 */
export async function up(db: Kysely<any>) {
  await db.schema
    .createTable('package_chunks')
    .addColumn('package_id', 'uuid', (c) => c.notNull().references('access_packages.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('iv', 'bytea', (c) => c.notNull())
    .addColumn('auth_tag', 'bytea', (c) => c.notNull())
    .addColumn('ciphertext', 'bytea', (c) => c.notNull())
    .addPrimaryKeyConstraint('package_chunks_pkey', ['package_id', 'seq'])
    .execute();
  await db.schema
    .alterTable('access_packages')
    .addColumn('chunks', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('format_offset', 'bigint')
    .execute();
}

export async function down(db: Kysely<any>) {
  await db.schema.alterTable('access_packages').dropColumn('chunks').dropColumn('format_offset').execute();
  await db.schema.dropTable('package_chunks').execute();
}
