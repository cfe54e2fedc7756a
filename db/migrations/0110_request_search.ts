import { sql, type Kysely } from 'kysely';

/**
 * Staff search over what a subject gave: reference, name, email, account id, other names and
 * identifiers, the person an agent acts for, and the details. One IMMUTABLE function builds the
 * searched text and a trigram GIN index (pg_trgm, shipped by PostgreSQL's contrib and by PGlite)
 * is built on its result, so `request_search_text(...) ILIKE '%part%'` is answered from the index
 * on both backends. The text is computed, never stored: erasing the columns erases what is found.
 * pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it.
 */
export async function up(db: Kysely<any>) {
  await sql`create extension if not exists pg_trgm`.execute(db);
  await sql`
    create function request_search_text(
      reference text, name text, email text, account_identifier text,
      aliases text, subject_name text, subject_email text, details text
    ) returns text language sql immutable parallel safe as $$
      select coalesce(reference, '') || ' ' || coalesce(name, '') || ' ' || coalesce(email, '') || ' '
        || coalesce(account_identifier, '') || ' ' || coalesce(aliases, '') || ' ' || coalesce(subject_name, '') || ' '
        || coalesce(subject_email, '') || ' ' || coalesce(details, '')
    $$`.execute(db);
  await sql`
    create index requests_search_trgm on requests using gin (
      request_search_text(reference, name, email, account_identifier, aliases, subject_name, subject_email, details) gin_trgm_ops
    )`.execute(db);
}

export async function down(db: Kysely<any>) {
  await sql`drop index if exists requests_search_trgm`.execute(db);
  await sql`drop function if exists request_search_text(text, text, text, text, text, text, text, text)`.execute(db);
  // The extension stays: it may have been there before, and other objects may use it.
}
