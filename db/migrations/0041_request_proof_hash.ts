import type { Kysely } from 'kysely';

/**
 * A request anonymised by retention keeps a proof record: id, reference, type, dates, outcome
 * and the SHA-256 of the subject's normalised email (to answer "did you handle my request?"
 * without holding the address).
 */
export async function up(db: Kysely<any>) {
  await db.schema.alterTable('requests').addColumn('email_hash', 'text').execute();
}

export async function down(db: Kysely<any>) {
  await db.schema.alterTable('requests').dropColumn('email_hash').execute();
}
