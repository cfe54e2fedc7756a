import { sql } from 'kysely';
import { createHash } from 'node:crypto';
import type { Tx } from '../../../db/client';

/** SHA-256 of the normalised address: what a proof record keeps instead of the address. */
export function emailProofHash(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
}

/**
 * Reduces one request to its proof record inside the caller's transaction: reference, type,
 * state, dates and outcome stay, with the SHA-256 of the address; every personal field (the
 * address, names, identifiers, free text, the agent's and the subject's details), the timeline's
 * text, links, files and any access package go. Used by retention and by erasure (Art. 17), so
 * both leave the same record. Returns false when the request was already reduced.
 */
export async function reduceToProofRecord(trx: Tx, requestId: string, input: { now: Date; note: string }): Promise<boolean> {
  const request = await trx.selectFrom('requests').select(['email', 'personal_data_deleted_at']).where('id', '=', requestId).executeTakeFirst();
  if (!request || request.personal_data_deleted_at) return false;
  await trx
    .updateTable('requests')
    .set({
      email_hash: request.email ? emailProofHash(request.email) : null,
      email: '',
      email_key: null,
      name: '',
      account_identifier: null,
      details: null,
      user_id: null,
      scope: null,
      period_from: null,
      period_to: null,
      aliases: null,
      country: null,
      subject_name: null,
      subject_email: null,
      agent_relationship: null,
      // Who checked which kind of document, and when, stay (the proof the request was authorised); its description goes.
      authority_document: null,
      extension_reason: null,
      withheld_reason: null,
      personal_data_deleted_at: input.now,
      updated_at: input.now,
    })
    .where('id', '=', requestId)
    .execute();
  await trx.deleteFrom('request_tokens').where('request_id', '=', requestId).execute();
  await trx.deleteFrom('verification_codes').where('request_id', '=', requestId).execute();
  // A manual check keeps who, when and how (the proof identity was checked); staff's note goes.
  await trx.updateTable('identity_checks').set({ note: null }).where('request_id', '=', requestId).execute();
  await trx.deleteFrom('request_attachments').where('request_id', '=', requestId).execute();
  await trx.deleteFrom('package_files').where('request_id', '=', requestId).execute();
  // A package's bytes are its sealed chunks (decision 218): they go, the record that one was made stays.
  await trx
    .deleteFrom('package_chunks')
    .where('package_id', 'in', (eb) => eb.selectFrom('access_packages').select('id').where('request_id', '=', requestId))
    .execute();
  await trx
    .updateTable('access_packages')
    .set({ iv: null, auth_tag: null, ciphertext: null, deleted_at: input.now })
    .where('request_id', '=', requestId)
    .where('deleted_at', 'is', null)
    .execute();
  await trx.updateTable('request_events').set({ note: null }).where('request_id', '=', requestId).execute();
  // Each system's answer stays (who answered what, when and how: Art. 17 and 19 evidence); staff's
  // note on it and any file it sent go. A refusal keeps that it had a reason, not the reason.
  await trx
    .updateTable('system_tasks')
    .set({
      outcome_note: sql<string | null>`case when outcome = 'refused' then 'Reason removed with the request''s personal data' else null end`,
      state_reason: sql<string | null>`case when state_reason is null then null else 'Reason removed with the request''s personal data' end`,
      // The OpenDSR receipt keeps when and what the processor acknowledged, not the request it
      // echoed (which names the person's identities).
      receipt: sql<string | null>`case when receipt is null then null else receipt - 'encoded_request' end`,
    })
    .where('request_id', '=', requestId)
    .execute();
  await trx.deleteFrom('system_task_files').where('task_id', 'in', (eb) => eb.selectFrom('system_tasks').select('id').where('request_id', '=', requestId)).execute();
  await trx
    .insertInto('request_events')
    .values({ request_id: requestId, actor: 'system', kind: 'anonymised', note: input.note, visible_to_subject: false })
    .execute();
  return true;
}
