import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestVersion } from '../../app/models/requests/staff.server';
import { confirmVerification } from '../../app/models/requests/verification.server';
import { outboxText } from '../support/mailbox';
import { startTestPortal, type TestPortal } from '../support/portal';
import { fileRequest, rules } from '../support/requests';
import { createSessionCookie, createUser, type TestUser } from '../support/users';

/**
 * Issue 18.4: Art. 19 notices no longer skip recipients without a contact. A subprocessor marked
 * as receiving personal data but with no privacy contact is listed as "no contact: notify by
 * hand" in the erase preview, on the request page and (as a count with a link) on /staff; the
 * subject's email names only the recipients actually told; staff record the by-hand notice and
 * each recipient's confirmation, audited and kept with the proof record.
 */
let portal: TestPortal;
let staff: TestUser;
let staffCookie: string;
let mailed: { id: string; name: string };
let byHand: { id: string; name: string };

beforeAll(async () => {
  portal = await startTestPortal({ SUBPROCESSOR_DEMO: 'on' });
  staff = await createUser(portal.db, { role: 'staff' });
  staffCookie = await createSessionCookie(portal.db, staff);
  const subs = await portal.db.selectFrom('subprocessors').select(['id', 'slug']).orderBy('id').execute();
  await portal.db.updateTable('subprocessors').set({ receives_personal_data: false, privacy_contact_email: null }).execute();
  const name = async (id: string) =>
    (await portal.db.selectFrom('subprocessor_changes').select((eb) => eb.ref('details').$castTo<{ name: string }>().as('d')).where('subprocessor_id', '=', id).orderBy('id', 'desc').executeTakeFirstOrThrow()).d.name;
  await portal.db.updateTable('subprocessors').set({ receives_personal_data: true, privacy_contact_email: 'privacy@mailed.test' }).where('id', '=', subs[0]!.id).execute();
  // Receives personal data, no contact: the default for a newly planned subprocessor.
  await portal.db.updateTable('subprocessors').set({ receives_personal_data: true }).where('id', '=', subs[1]!.id).execute();
  mailed = { id: String(subs[0]!.id), name: await name(subs[0]!.id) };
  byHand = { id: String(subs[1]!.id), name: await name(subs[1]!.id) };
});
afterAll(async () => {
  await portal?.stop();
});

const current = (id: string) => portal.db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
/** A staff page's HTML without React's text separators (`<!-- -->`). */
const get = async (p: string) => (await (await fetch(portal.url + p, { headers: { Cookie: staffCookie } })).text()).replace(/<!-- -->/g, '');
const post = (p: string, fields: Record<string, string>) =>
  fetch(portal.url + p, {
    method: 'POST',
    redirect: 'manual',
    headers: { Cookie: staffCookie, 'Content-Type': 'application/x-www-form-urlencoded', Origin: portal.url },
    body: new URLSearchParams(fields),
  });

describe('Art. 19 recipients without a contact', () => {
  it('are listed to notify by hand, never claimed as told, and staff record the notice and the confirmation', async () => {
    const email = `art19.${Date.now()}@example.org`;
    const { request, verifyToken } = await fileRequest(portal.db, { type: 'erasure', email });
    await confirmVerification(portal.db, verifyToken!, { rules });
    await post(`/staff/requests/${request.id}`, { intent: 'start', version: requestVersion(await current(request.id)) });

    const preview = await get(`/staff/requests/${request.id}/erase`);
    expect(preview).toContain(`${mailed.name}: an erasure notice to privacy@mailed.test`);
    expect(preview).toContain(`${byHand.name}: <strong>no contact: notify by hand</strong>`);
    const home = await get('/staff');
    expect(home).toMatch(/href="\/staff\/art19"/);
    expect(home).toMatch(/without a privacy contact:\s*(<!-- -->)?\s*<strong>1<\/strong>/);

    expect((await post(`/staff/requests/${request.id}/erase`, { version: requestVersion(await current(request.id)), answer: 'Erased.' })).status).toBe(302);

    // The subject is told the names of the recipients actually notified, and only those.
    const mails = await portal.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', email).orderBy('id').execute();
    const told = await outboxText(portal.dataDir, mails.at(-1)!);
    expect(told).toContain(`We have asked the recipients of your data to erase it as well (Art. 19 GDPR): ${mailed.name}.`);
    expect(told).not.toContain(byHand.name);
    expect(told).toContain('One more recipient of your data has no address for such notices');

    const notices = await portal.db.selectFrom('erasure_notices').selectAll().where('request_id', '=', request.id).orderBy('id').execute();
    expect(notices.map((n) => [String(n.subprocessor_id), n.method, n.contact_email, n.notified_at !== null])).toEqual([
      [mailed.id, 'email', 'privacy@mailed.test', true],
      [byHand.id, 'by_hand', null, false],
    ]);
    const page = await get(`/staff/requests/${request.id}`);
    expect(page).toContain(`no contact: notify by hand: ${byHand.name}`);
    expect(page).toContain(`href="/staff/requests/${request.id}/art19"`);
    expect(await get('/staff')).toMatch(/notices to send by hand:\s*(<!-- -->)?\s*<strong>1<\/strong>/);
    expect(await get('/staff/art19')).toContain(`${request.reference}</a>, ${byHand.name}: no contact: notify by hand`);

    const byHandNotice = notices[1]!;
    // A confirmation cannot come before the notice; the notice needs to say how.
    expect((await post(`/staff/requests/${request.id}/art19`, { intent: 'confirmed', noticeId: String(byHandNotice.id) })).status).toBe(409);
    expect((await post(`/staff/requests/${request.id}/art19`, { intent: 'notified', noticeId: String(byHandNotice.id), how: '' })).status).toBe(400);
    expect(
      (await post(`/staff/requests/${request.id}/art19`, { intent: 'notified', noticeId: String(byHandNotice.id), how: 'By letter to its legal department, 3 May' })).status,
    ).toBe(302);
    expect((await post(`/staff/requests/${request.id}/art19`, { intent: 'confirmed', noticeId: String(byHandNotice.id) })).status).toBe(302);
    expect((await post(`/staff/requests/${request.id}/art19`, { intent: 'confirmed', noticeId: String(notices[0]!.id) })).status).toBe(302);
    // A notice of another request is not this request's to record.
    expect((await post(`/staff/requests/${request.id}/art19`, { intent: 'confirmed', noticeId: '987654321' })).status).toBe(409);

    const after = await portal.db.selectFrom('erasure_notices').selectAll().where('request_id', '=', request.id).orderBy('id').execute();
    expect(after[1]).toMatchObject({ notified_by: staff.id, notified_how: 'By letter to its legal department, 3 May', confirmed_by: staff.id });
    expect(after[0]!.confirmed_at).not.toBeNull();
    const audits = await portal.db.selectFrom('audit_events').select(['action', 'actor_id', 'target_id']).where('action', 'like', 'request.art19%').orderBy('id').execute();
    expect(audits).toEqual([
      { action: 'request.art19_notified_by_hand', actor_id: staff.id, target_id: String(byHandNotice.id) },
      { action: 'request.art19_confirmed', actor_id: staff.id, target_id: String(byHandNotice.id) },
      { action: 'request.art19_confirmed', actor_id: staff.id, target_id: String(notices[0]!.id) },
    ]);
    // Kept with the proof record: the request's data is erased, its notices stay, shown on its page.
    expect((await current(request.id)).personal_data_deleted_at).not.toBeNull();
    const notesPage = await get(`/staff/requests/${request.id}/art19`);
    expect(notesPage).toContain('By hand: By letter to its legal department, 3 May');
    expect(notesPage).not.toContain('Record the notification');
    expect(await get('/staff')).toMatch(/awaiting the recipient(&#x27;|')s\s*confirmation:\s*(<!-- -->)?\s*<strong>0<\/strong>/);
  });
});
