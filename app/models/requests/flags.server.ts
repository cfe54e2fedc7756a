import type { DB } from '../../../db/client';
import { normalizeEmail } from '~/utils/email';

/**
 * Standing decisions about a person (Art. 18 restriction, Art. 21 upheld objection), kept by
 * address so they show on every later request from it and on the person's own account page.
 */
export async function flagsForEmail(db: DB, email: string) {
  const rows = await db
    .selectFrom('subject_flags as f')
    .innerJoin('requests as r', 'r.id', 'f.request_id')
    .select(['f.kind', 'f.created_at', 'r.reference'])
    .where('f.email_key', '=', normalizeEmail(email))
    .orderBy('f.id')
    .execute();
  return rows.map((f) => ({ kind: f.kind, since: f.created_at.toISOString(), reference: f.reference }));
}
