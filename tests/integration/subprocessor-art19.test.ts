import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, todayIn } from '../../app/models/subprocessors/rules';
import { planAddition } from '../../app/models/subprocessors/registry.server';
import { art19Recipients, art19Schema, Art19Error, setArt19Contact } from '../../app/models/subprocessors/art19.server';
import { createTestDb, type TestDb } from '../support/db';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.destroy();
});

const timeZone = 'Europe/London';
const ctx = { actorId: null, timeZone, noticeDays: 30 };
const add = (name: string) =>
  planAddition(
    t.db,
    {
      details: {
        name,
        legalEntity: `${name} GmbH`,
        purpose: 'Analytics',
        dataCategories: ['Usage data'],
        locations: ['DE'],
        transferMechanism: 'eea-only',
        website: 'https://example.org/',
      },
      effectiveOn: addDays(todayIn(timeZone), 31),
    },
    ctx,
  );

describe('Art. 19 contacts on subprocessors', () => {
  it('parses the form: empty contact is null, the checkbox is a flag, a bad email is refused', () => {
    expect(art19Schema.parse({ privacyContactEmail: ' ', receivesPersonalData: undefined })).toEqual({
      privacyContactEmail: null,
      receivesPersonalData: false,
    });
    expect(art19Schema.parse({ privacyContactEmail: 'dpo@a.example', receivesPersonalData: 'on' })).toEqual({
      privacyContactEmail: 'dpo@a.example',
      receivesPersonalData: true,
    });
    expect(art19Schema.safeParse({ privacyContactEmail: 'not-an-email' }).success).toBe(false);
  });

  it('lists only flagged subprocessors with a contact, audits each change, refuses a flag without contact', async () => {
    const a = await add('Alpha Art19');
    const b = await add('Beta Art19');
    const actor = { id: '00000000-0000-4000-8000-000000000001', ip: '127.0.0.1' };
    await setArt19Contact(t.db, a.subprocessorId, { privacyContactEmail: 'privacy@alpha.example', receivesPersonalData: true }, actor);
    await setArt19Contact(t.db, b.subprocessorId, { privacyContactEmail: 'privacy@beta.example', receivesPersonalData: false }, actor);
    await expect(
      setArt19Contact(t.db, b.subprocessorId, { privacyContactEmail: null, receivesPersonalData: true }, actor),
    ).rejects.toBeInstanceOf(Art19Error);
    await expect(
      setArt19Contact(t.db, '999999', { privacyContactEmail: 'x@y.example', receivesPersonalData: true }, actor),
    ).rejects.toBeInstanceOf(Art19Error);

    const recipients = await art19Recipients(t.db);
    expect(recipients.map((r) => [String(r.id), r.contactEmail])).toEqual([[a.subprocessorId, 'privacy@alpha.example']]);
    const audits = await t.db
      .selectFrom('audit_events')
      .select(['target_id'])
      .where('action', '=', 'subprocessor.art19_contact_set')
      .execute();
    expect(audits.map((r) => String(r.target_id)).sort()).toEqual([a.subprocessorId, b.subprocessorId].sort());
  });
});
