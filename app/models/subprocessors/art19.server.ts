import { z } from 'zod';
import type { DB } from '../../../db/client';
import { recordAudit } from '~/models/audit.server';

/**
 * Art. 19 GDPR: recipients of personal data are told of an erasure. Per subprocessor the
 * registry keeps (internally, never published) whether it receives personal data and the
 * privacy contact the notice goes to.
 */
export const art19Schema = z.object({
  privacyContactEmail: z
    .string()
    .trim()
    .max(254)
    .transform((v) => (v === '' ? null : v))
    .pipe(z.email({ error: 'Enter the privacy contact as an email address' }).nullable()),
  receivesPersonalData: z
    .enum(['on', 'off'])
    .optional()
    .transform((v) => v === 'on'),
});

export type Art19Input = z.output<typeof art19Schema>;

export class Art19Error extends Error {}

/** Sets a subprocessor's Art. 19 contact and flag; audited in the same transaction. */
export async function setArt19Contact(
  db: DB,
  subprocessorId: string,
  input: Art19Input,
  actor: { id: string; ip: string | null },
): Promise<void> {
  if (input.receivesPersonalData && !input.privacyContactEmail) {
    throw new Art19Error('A subprocessor that receives personal data needs a privacy contact email');
  }
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('subprocessors')
      .set({ privacy_contact_email: input.privacyContactEmail, receives_personal_data: input.receivesPersonalData })
      .where('id', '=', subprocessorId)
      .returning('id')
      .executeTakeFirst();
    if (!row) throw new Art19Error('No such subprocessor');
    await recordAudit(trx, {
      actorId: actor.id,
      ip: actor.ip,
      action: 'subprocessor.art19_contact_set',
      targetType: 'subprocessor',
      targetId: subprocessorId,
      details: { receivesPersonalData: input.receivesPersonalData, hasContact: input.privacyContactEmail !== null },
    });
  });
}

/** The recipients an erasure notice goes to: subprocessors flagged as receiving personal data, with a contact. */
export async function art19Recipients(db: DB) {
  return db
    .selectFrom('subprocessors')
    .select(['id', 'slug', 'privacy_contact_email as contactEmail'])
    .where('receives_personal_data', '=', true)
    .where('privacy_contact_email', 'is not', null)
    .orderBy('id')
    .execute();
}
