import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptAttachment } from '../../app/models/requests/attachments.server';
import { eraseSubject } from '../../app/models/requests/erasure.server';
import { answerObjection } from '../../app/models/subprocessors/objections.server';
import { requestVersion } from '../../app/models/requests/staff.server';
import { confirmVerification } from '../../app/models/requests/verification.server';
import { DEMO_ORGANISATION } from '../../app/utils/env.server';
import { outboxText } from '../support/mailbox';
import { fileRequest, rules } from '../support/requests';
import { startTestPortal, type TestPortal } from '../support/portal';
import { createSessionCookie, createUser, signInOverHttp, type TestUser } from '../support/users';

/**
 * Art. 17 erasure over HTTP and through the model: the preview, the one-transaction erasure
 * with its proof record and Art. 19 notices, a second run that changes nothing, and a failure
 * part-way that leaves everything as it was.
 */
let portal: TestPortal;
let staff: TestUser;
let staffCookie: string;

beforeAll(async () => {
  portal = await startTestPortal({ SUBPROCESSOR_DEMO: 'on' });
  staff = await createUser(portal.db, { role: 'staff' });
  staffCookie = await createSessionCookie(portal.db, staff);
  // Two recipients of personal data with a privacy contact; the rest are not told.
  const subs = await portal.db.selectFrom('subprocessors').select(['id', 'slug']).orderBy('id').execute();
  await portal.db.updateTable('subprocessors').set({ receives_personal_data: false, privacy_contact_email: null }).execute();
  for (const s of subs.slice(0, 2)) {
    await portal.db.updateTable('subprocessors').set({ receives_personal_data: true, privacy_contact_email: `privacy@${s.slug}.test` }).where('id', '=', s.id).execute();
  }
});
afterAll(async () => {
  await portal?.stop();
});

const current = (id: string) => portal.db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const sha = (email: string) => createHash('sha256').update(email.toLowerCase()).digest('hex');

function postForm(path: string, fields: Record<string, string>, cookie = staffCookie) {
  return fetch(portal.url + path, {
    method: 'POST',
    redirect: 'manual',
    headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', Origin: portal.url },
    body: new URLSearchParams(fields),
  });
}

async function verified(overrides: Parameters<typeof fileRequest>[1]) {
  const { request, verifyToken } = await fileRequest(portal.db, overrides);
  const done = await confirmVerification(portal.db, verifyToken!, { rules });
  if (done.status !== 'verified') throw new Error('not verified');
  return current(request.id);
}

async function started(overrides: Parameters<typeof fileRequest>[1]) {
  let r = await verified(overrides);
  // An account holder's access or erasure confirmed only by the link is below its level (issue 21.3): staff check identity first.
  if (overrides?.type === 'erasure' || overrides?.type === 'access') {
    expect((await postForm(`/staff/requests/${r.id}/identity`, { version: requestVersion(r), method: 'known_details', note: 'Matched the account details', checked: 'yes' })).status).toBe(302);
    r = await current(r.id);
  }
  expect((await postForm(`/staff/requests/${r.id}`, { intent: 'start', version: requestVersion(r) })).status).toBe(302);
  return current(r.id);
}

/** A person with an account, a session, an old completed request with a file and a package, an alert subscription, an objection, a standing decision and another open request. */
async function personWithHistory() {
  const subject = await createUser(portal.db, { role: 'subject' });
  const cookie = await createSessionCookie(portal.db, subject);
  const old = await started({ type: 'restriction', email: subject.email, name: 'Old Name', details: 'Stop using my data' });
  expect(
    (await postForm(`/staff/requests/${old.id}`, { intent: 'complete', version: requestVersion(old), outcome: 'restricted', answer: 'Restricted.' })).status,
  ).toBe(302);
  const sealed = encryptAttachment(Buffer.from('%PDF-1.4 id'), portal.config.secrets.exportKey, old.id);
  await portal.db
    .insertInto('request_attachments')
    .values({ request_id: old.id, filename: 'passport.pdf', content_type: 'application/pdf', size: 11, iv: sealed.iv, auth_tag: sealed.authTag, ciphertext: sealed.ciphertext })
    .execute();
  // A package stored in sealed chunks (decision 218): the chunks are its bytes.
  const madePackage = await portal.db
    .insertInto('access_packages')
    .values({ request_id: old.id, filename: 'x.zip', size: 6, sha256: 'x', iv: null, auth_tag: null, ciphertext: null, chunks: 2, expires_at: new Date(Date.now() + 86_400_000) })
    .returning('id')
    .executeTakeFirstOrThrow();
  await portal.db
    .insertInto('package_chunks')
    .values([0, 1].map((seq) => ({ package_id: madePackage.id, seq, iv: Buffer.alloc(12), auth_tag: Buffer.alloc(16), ciphertext: Buffer.from('zip') })))
    .execute();
  await portal.db.insertInto('subprocessor_subscriptions').values({ email: subject.email, confirm_token_hash: null, confirmed_at: new Date() }).execute();
  const change = await portal.db.selectFrom('subprocessor_changes').select('id').orderBy('id').executeTakeFirstOrThrow();
  await portal.db.insertInto('subprocessor_objections').values({ change_id: change.id, organisation: 'Acme', email: subject.email, reason: 'We object' }).execute();
  const open = await verified({ type: 'access', email: subject.email });
  const { request: unconfirmed } = await fileRequest(portal.db, { type: 'objection', email: subject.email, details: 'Never confirmed' });
  const erasure = await started({ type: 'erasure', email: subject.email, name: 'Erin Erase', details: 'Delete everything' });
  return { subject, cookie, old, open, unconfirmed, erasure };
}

describe('erasure', () => {
  it('shows staff what goes, what stays and who is told, then erases it all in one go', async () => {
    const { subject, old, open, unconfirmed, erasure } = await personWithHistory();
    const preview = await (await fetch(`${portal.url}/staff/requests/${erasure.id}/erase`, { headers: { Cookie: staffCookie } })).text();
    expect(preview).toContain(subject.email);
    expect(preview).toContain(sha(subject.email));
    expect(preview).toContain('1 session');
    expect(preview).toContain(old.reference);
    expect(preview).toContain(open.reference); // kept while it is answered
    expect(preview).toContain('1 subscription');
    expect(preview).toContain('privacy@');
    expect(preview).toContain('Art. 17(3)(b)');

    // The generic "complete" cannot close an erasure as done without erasing.
    const shortcut = await postForm(`/staff/requests/${erasure.id}`, { intent: 'complete', version: requestVersion(erasure), outcome: 'fulfilled', answer: 'Done' });
    expect(shortcut.status).toBe(409);

    const res = await postForm(`/staff/requests/${erasure.id}/erase`, { version: requestVersion(await current(erasure.id)), answer: 'We erased your data.' });
    expect(res.status).toBe(302);

    // The account is gone and cannot sign in.
    expect(await portal.db.selectFrom('users').select('id').where('id', '=', subject.id).executeTakeFirst()).toBeUndefined();
    expect(await portal.db.selectFrom('sessions').select('id').where('user_id', '=', subject.id).execute()).toEqual([]);
    await expect(signInOverHttp(portal.url, subject)).rejects.toThrow(/sign-in failed/);
    // Subscriptions, objections' personal fields and standing decisions.
    expect(await portal.db.selectFrom('subprocessor_subscriptions').select('id').where(sql`lower(email)`, '=', subject.email.toLowerCase()).execute()).toEqual([]);
    const objection = await portal.db.selectFrom('subprocessor_objections').selectAll().where('organisation', '=', 'Acme').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(objection).toMatchObject({ email: '', reason: '[erased]' });
    expect(await portal.db.selectFrom('subject_flags').select('id').where('request_id', '=', old.id).execute()).toEqual([]);
    // Both requests are proof records; files and the package are gone.
    for (const id of [old.id, erasure.id]) {
      const r = await current(id);
      expect(r).toMatchObject({ email: '', name: '', details: null, email_hash: sha(subject.email), email_key: null });
      expect(r.personal_data_deleted_at).not.toBeNull();
      const notes = await portal.db.selectFrom('request_events').select('note').where('request_id', '=', id).where('kind', '!=', 'anonymised').execute();
      expect(notes.every((n) => n.note === null)).toBe(true);
    }
    expect((await current(erasure.id)).state).toBe('completed');
    expect(await portal.db.selectFrom('request_attachments').select('id').where('request_id', '=', old.id).execute()).toEqual([]);
    const pkg = await portal.db.selectFrom('access_packages').selectAll().where('request_id', '=', old.id).executeTakeFirstOrThrow();
    expect(pkg.ciphertext).toBeNull();
    expect(pkg.deleted_at).not.toBeNull();
    expect(await portal.db.selectFrom('package_chunks').select('seq').where('package_id', '=', pkg.id).execute()).toEqual([]);
    // A never-confirmed request is reduced too; the open one keeps its data until it is answered.
    expect((await current(unconfirmed.id)).personal_data_deleted_at).not.toBeNull();
    expect((await current(open.id)).email).toBe(subject.email);

    // The subject was told at the address they gave, queued before it was erased.
    const mails = await portal.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', subject.email).orderBy('id').execute();
    const told = await outboxText(portal.dataDir, mails.at(-1)!);
    expect(told).toContain('We erased your data.');
    expect(told).toContain('one-way hash');
    expect(told).toContain(open.reference);
    // No link: the status link and the account went with the erasure.
    expect(told).not.toMatch(/\/status\/s\/|\/account\/requests\//);
    // An erased objection has no address left to answer.
    await expect(answerObjection(portal.db, { id: objection.id, answer: 'A reply of some length.' }, { id: staff.id, ip: null }, portal.config)).rejects.toThrow(/erased/);
    // Art. 19: one notice per recipient, recorded and mailed.
    const notices = await portal.db.selectFrom('erasure_notices').selectAll().where('request_id', '=', erasure.id).execute();
    expect(notices.map((n) => n.contact_email).sort()).toHaveLength(2);
    for (const n of notices) {
      const mail = await portal.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', n.contact_email).orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(await outboxText(portal.dataDir, mail)).toContain(erasure.reference);
    }
    const audit = await portal.db.selectFrom('audit_events').select(['actor_id', 'details']).where('action', '=', 'request.erase').where('target_id', '=', erasure.id).executeTakeFirstOrThrow();
    expect(audit.actor_id).toBe(staff.id);
    expect(JSON.stringify(audit.details)).not.toContain(subject.email);

    // Staff see the proof record.
    const page = await (await fetch(`${portal.url}/staff/requests/${erasure.id}`, { headers: { Cookie: staffCookie } })).text();
    expect(page).toContain('Personal data erased');
    expect(page).toContain(sha(subject.email));
    expect(page).not.toContain('Erin Erase');

    // A second run changes nothing.
    const mailCount = (await portal.db.selectFrom('mail_outbox').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow()).n;
    const again = await postForm(`/staff/requests/${erasure.id}/erase`, { version: requestVersion(await current(erasure.id)), answer: 'Again' });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('already completed');
    expect((await portal.db.selectFrom('mail_outbox').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow()).n).toBe(mailCount);
    expect(await portal.db.selectFrom('erasure_notices').select('id').where('request_id', '=', erasure.id).execute()).toHaveLength(2);
  });

  it('leaves everything as it was when it fails part-way', async () => {
    const { subject, old, erasure } = await personWithHistory();
    const mailsBefore = (await portal.db.selectFrom('mail_outbox').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow()).n;
    // A failure after the account, the completion and the notices were written: deleting the subscriptions.
    await sql`create or replace function pp_test_fail() returns trigger language plpgsql as $$ begin raise exception 'forced failure'; end $$`.execute(portal.db);
    await sql`create trigger pp_test_fail before delete on subprocessor_subscriptions for each row execute function pp_test_fail()`.execute(portal.db);
    try {
      await expect(
        eraseSubject(portal.db, { requestId: erasure.id, version: requestVersion(erasure), answer: 'x' }, { id: staff.id, ip: null }, { rules, organisation: DEMO_ORGANISATION }),
      ).rejects.toThrow(/forced failure/);
    } finally {
      await sql`drop trigger pp_test_fail on subprocessor_subscriptions`.execute(portal.db);
    }
    expect(await portal.db.selectFrom('users').select('id').where('id', '=', subject.id).executeTakeFirst()).toBeDefined();
    expect((await current(erasure.id)).state).toBe('in_progress');
    expect((await current(erasure.id)).email).toBe(subject.email);
    expect((await current(old.id)).personal_data_deleted_at).toBeNull();
    expect(await portal.db.selectFrom('erasure_notices').select('id').where('request_id', '=', erasure.id).execute()).toEqual([]);
    expect((await portal.db.selectFrom('mail_outbox').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow()).n).toBe(mailsBefore);
    expect(await portal.db.selectFrom('subject_flags').select('id').where('request_id', '=', old.id).execute()).toHaveLength(1);
    // And then it works.
    await eraseSubject(portal.db, { requestId: erasure.id, version: requestVersion(await current(erasure.id)), answer: 'x' }, { id: staff.id, ip: null }, { rules, organisation: DEMO_ORGANISATION });
    expect(await portal.db.selectFrom('users').select('id').where('id', '=', subject.id).executeTakeFirst()).toBeUndefined();
  });

  it('is for staff only, and refuses a stale form', async () => {
    const { cookie, erasure } = await personWithHistory();
    expect((await fetch(`${portal.url}/staff/requests/${erasure.id}/erase`, { headers: { Cookie: cookie }, redirect: 'manual' })).status).toBe(403);
    const anonymous = await fetch(`${portal.url}/staff/requests/${erasure.id}/erase`, { redirect: 'manual' });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toMatch(/^\/login/);
    expect((await postForm(`/staff/requests/${erasure.id}/erase`, { version: requestVersion(erasure), answer: 'x' }, cookie)).status).toBe(403);
    // A note changes the request; the form made before it is stale.
    await postForm(`/staff/requests/${erasure.id}`, { intent: 'note', note: 'checking' });
    await postForm(`/staff/requests/${erasure.id}`, { intent: 'assign', assignee: staff.id });
    const r = await current(erasure.id);
    await portal.db.updateTable('requests').set({ updated_at: new Date(Date.now() + 1000) }).where('id', '=', r.id).execute();
    const stale = await postForm(`/staff/requests/${erasure.id}/erase`, { version: requestVersion(r), answer: 'x' });
    expect(stale.status).toBe(409);
    expect((await current(erasure.id)).state).toBe('in_progress');
  });
});
