import { sql, type Kysely } from 'kysely';

/**
 * A request belongs to an account only when its email is the account's confirmed email.
 * Before this rule, a signed-in user could file with someone else's address and read that
 * person's request from their account: such links are removed (the request stays, reachable
 * by its emailed status link like any other).
 */
export async function up(db: Kysely<any>) {
  await sql`
    update requests r set user_id = null
    where r.user_id is not null
      and not exists (
        select 1 from users u
        where u.id::text = r.user_id and lower(u.email) = r.email_key and u.email_verified_at is not null
      )`.execute(db);
}

export async function down() {
  // The removed links were wrong; nothing to restore.
}
