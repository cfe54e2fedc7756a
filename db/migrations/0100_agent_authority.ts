import { sql, type Kysely } from 'kysely';

/**
 * Issue 24.1: an agent's request reaches the subject's data only once the subject confirmed
 * (their own link, or signed in to their own account) or staff recorded the check of the
 * agent's authority, naming the document checked.
 *
 * - `requests.subject_confirmed_at` / `subject_confirmed_via`: when and how the subject
 *   confirmed ('email': the link sent to the subject's address; 'account': signed in).
 * - `requests.authority_checked_*`: staff's attestation (who, when, which kind of document and
 *   the document named). The description is personal and goes with the proof record; the kind,
 *   who and when stay.
 * - `request_tokens.purpose` gains 'subject_confirm': the subject's link, told apart from the
 *   agent's own verification link.
 */
export async function up(db: Kysely<any>) {
  await db.schema
    .alterTable('requests')
    .addColumn('subject_confirmed_at', 'timestamptz')
    .addColumn('subject_confirmed_via', 'text', (c) => c.check(sql`subject_confirmed_via in ('email', 'account')`))
    .addColumn('authority_checked_at', 'timestamptz')
    .addColumn('authority_checked_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('authority_document_kind', 'text', (c) =>
      c.check(sql`authority_document_kind in ('signed_authorisation', 'power_of_attorney', 'parental_responsibility', 'court_order', 'other')`),
    )
    .addColumn('authority_document', 'text')
    .execute();
  await sql`alter table request_tokens drop constraint if exists request_tokens_purpose_check`.execute(db);
  await sql`alter table request_tokens add constraint request_tokens_purpose_check check (purpose in ('verify', 'status', 'subject_confirm'))`.execute(db);
}

export async function down(db: Kysely<any>) {
  await sql`delete from request_tokens where purpose = 'subject_confirm'`.execute(db);
  await sql`alter table request_tokens drop constraint if exists request_tokens_purpose_check`.execute(db);
  await sql`alter table request_tokens add constraint request_tokens_purpose_check check (purpose in ('verify', 'status'))`.execute(db);
  let alter = db.schema.alterTable('requests').dropColumn('subject_confirmed_at');
  for (const c of ['subject_confirmed_via', 'authority_checked_at', 'authority_checked_by', 'authority_document_kind', 'authority_document']) alter = alter.dropColumn(c);
  await alter.execute();
}
