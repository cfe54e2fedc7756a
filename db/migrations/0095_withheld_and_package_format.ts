import { sql, type Kysely } from 'kysely';

/**
 * Two facts about answers to access and portability requests:
 * - `requests.withheld_reason`: for the outcome `partial`, what was withheld and why, in staff's
 *   words to the subject (Art. 15(4) / 20(4): the rights and freedoms of others). Blanked with
 *   the rest of the free text when the request is reduced to its proof record.
 * - `access_packages.format_file` and `format_size`: the file in the format the subject asked
 *   for (`summary.pdf` or `data.csv`), which the ZIP holds and the subject may also download on
 *   its own. Null for a package without one.
 */
export async function up(db: Kysely<any>) {
  await db.schema.alterTable('requests').addColumn('withheld_reason', 'text').execute();
  await db.schema
    .alterTable('access_packages')
    .addColumn('format_file', 'text', (c) => c.check(sql`format_file in ('summary.pdf', 'data.csv')`))
    .addColumn('format_size', 'integer')
    .execute();
}

export async function down(db: Kysely<any>) {
  await db.schema.alterTable('access_packages').dropColumn('format_file').dropColumn('format_size').execute();
  await db.schema.alterTable('requests').dropColumn('withheld_reason').execute();
}
