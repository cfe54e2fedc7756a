import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, todayIn } from '../../app/models/subprocessors/rules';
import { planAddition } from '../../app/models/subprocessors/registry.server';
import { startTestPortal, type TestPortal } from '../support/portal';
import { createSessionCookie, createUser } from '../support/users';

let portal: TestPortal;
let staffCookie: string;
let subjectCookie: string;
let id: string;
beforeAll(async () => {
  portal = await startTestPortal({ SUBPROCESSOR_DEMO: 'off' });
  staffCookie = await createSessionCookie(portal.db, await createUser(portal.db, { role: 'staff' }));
  subjectCookie = await createSessionCookie(portal.db, await createUser(portal.db, { role: 'subject' }));
  const added = await planAddition(
    portal.db,
    {
      details: {
        name: 'Mailer Art19',
        legalEntity: 'Mailer Ltd',
        purpose: 'Email delivery',
        dataCategories: ['Email address'],
        locations: ['IE'],
        transferMechanism: 'eea-only',
        website: 'https://mailer.example/',
      },
      effectiveOn: addDays(todayIn(portal.config.timeZone), 60),
    },
    { actorId: null, timeZone: portal.config.timeZone, noticeDays: portal.config.subprocessorNoticeDays },
  );
  id = added.subprocessorId;
});
afterAll(async () => {
  await portal?.stop();
});

const post = (fields: Record<string, string>, cookie?: string) =>
  fetch(`${portal.url}/staff/subprocessors/${id}/art19`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(cookie ? { Cookie: cookie } : {}) },
    body: new URLSearchParams(fields).toString(),
  });
const stored = () =>
  portal.db.selectFrom('subprocessors').select(['privacy_contact_email', 'receives_personal_data']).where('id', '=', id).executeTakeFirstOrThrow();

describe('/staff/subprocessors/:id/art19', () => {
  it('sends the signed-out to sign in, refuses subjects, 404s an unknown id', async () => {
    const signedOut = await fetch(`${portal.url}/staff/subprocessors/${id}/art19`, { redirect: 'manual' });
    expect(signedOut.status).toBe(302);
    expect(signedOut.headers.get('location')).toMatch(/^\/login/);
    expect((await fetch(`${portal.url}/staff/subprocessors/${id}/art19`, { headers: { Cookie: subjectCookie } })).status).toBe(403);
    expect((await post({ privacyContactEmail: 'evil@x.example', receivesPersonalData: 'on' }, subjectCookie)).status).toBe(403);
    expect((await fetch(`${portal.url}/staff/subprocessors/abc/art19`, { headers: { Cookie: staffCookie } })).status).toBe(404);
    expect((await stored()).privacy_contact_email).toBeNull();
  });

  it('refuses a bad email or a flag without contact with 400, and stores a valid one', async () => {
    const bad = await post({ privacyContactEmail: 'nope', receivesPersonalData: 'on' }, staffCookie);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('Enter the privacy contact as an email address');
    const missing = await post({ privacyContactEmail: '', receivesPersonalData: 'on' }, staffCookie);
    expect(missing.status).toBe(400);
    expect((await stored()).privacy_contact_email).toBeNull();

    const ok = await post({ privacyContactEmail: 'privacy@mailer.example', receivesPersonalData: 'on' }, staffCookie);
    expect(ok.status).toBe(302);
    expect(await stored()).toEqual({ privacy_contact_email: 'privacy@mailer.example', receives_personal_data: true });
    const page = await (await fetch(`${portal.url}/staff/subprocessors/${id}/art19`, { headers: { Cookie: staffCookie } })).text();
    expect(page).toContain('privacy@mailer.example');
    // Internal: never on the public registry.
    expect(await (await fetch(`${portal.url}/subprocessors`)).text()).not.toContain('privacy@mailer.example');
  });
});
