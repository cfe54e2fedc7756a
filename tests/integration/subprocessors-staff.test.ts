import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, todayIn } from '../../app/models/subprocessors/rules';
import { loadRegistry } from '../../app/models/subprocessors/registry.server';
import { startTestPortal, type TestPortal } from '../support/portal';
import { createSessionCookie, createUser } from '../support/users';

let portal: TestPortal;
let staffCookie: string;
let subjectCookie: string;
let staffId: string;
beforeAll(async () => {
  portal = await startTestPortal({ SUBPROCESSOR_DEMO: 'off', SUBPROCESSOR_NOTICE_DAYS: '45' });
  const staff = await createUser(portal.db, { role: 'staff' });
  staffId = staff.id;
  staffCookie = await createSessionCookie(portal.db, staff);
  subjectCookie = await createSessionCookie(portal.db, await createUser(portal.db, { role: 'subject' }));
});
afterAll(async () => {
  await portal?.stop();
});

const post = (path: string, fields: Record<string, string>, cookie?: string) =>
  fetch(`${portal.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(cookie ? { Cookie: cookie } : {}) },
    body: new URLSearchParams(fields).toString(),
  });
const today = () => todayIn(portal.config.timeZone);
const valid = () => ({
  name: 'Ledger Cloud',
  legalEntity: 'Ledger Cloud Oy',
  purpose: 'Invoicing',
  dataCategories: 'Billing contacts\nInvoices',
  locations: 'fi, se',
  transferMechanism: 'eea-only',
  website: 'https://ledger.example/',
  effectiveOn: addDays(today(), 45),
});

describe('staff management of the registry', () => {
  it('sends the signed-out to sign in and refuses subjects', async () => {
    const signedOut = await fetch(`${portal.url}/staff/subprocessors/new`, { redirect: 'manual' });
    expect(signedOut.status).toBe(302);
    expect(signedOut.headers.get('location')).toMatch(/^\/login/);
    expect((await fetch(`${portal.url}/staff/subprocessors`, { headers: { Cookie: subjectCookie } })).status).toBe(403);
    expect((await post('/staff/subprocessors/new', valid(), subjectCookie)).status).toBe(403);
    expect((await fetch(`${portal.url}/staff/objections`, { headers: { Cookie: subjectCookie } })).status).toBe(403);
    expect((await loadRegistry(portal.db)).changes).toHaveLength(0);
  });

  it('validates with zod: URLs, ISO country codes, known mechanisms, the configured notice period', async () => {
    const res = await post(
      '/staff/subprocessors/new',
      { ...valid(), website: 'ftp://ledger.example', locations: 'FI, XX, Germany', transferMechanism: 'trust-us' },
      staffCookie,
    );
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('Enter a web address starting with https://');
    expect(html).toContain('Not ISO 3166-1 alpha-2 country codes: XX, GERMANY');
    expect(html).toContain('Choose a transfer mechanism');
    expect(html).toContain('value="Ledger Cloud Oy"');
    const early = await post('/staff/subprocessors/new', { ...valid(), effectiveOn: addDays(today(), 44) }, staffCookie);
    expect(early.status).toBe(400);
    expect(await early.text()).toContain(`Customers are owed 45 days&#x27; notice: choose ${addDays(today(), 45)} or later`);
    expect((await loadRegistry(portal.db)).changes).toHaveLength(0);
  });

  it('plans, changes and retires, each a history entry with who and when, each audited', async () => {
    const created = await post('/staff/subprocessors/new', valid(), staffCookie);
    expect(created.status).toBe(302);
    let registry = await loadRegistry(portal.db);
    const added = registry.changes.at(-1)!;
    expect(added).toMatchObject({ kind: 'added', name: 'Ledger Cloud', effectiveOn: addDays(today(), 45) });
    expect(added.details?.locations).toEqual(['FI', 'SE']);
    expect(added.details?.dataCategories).toEqual(['Billing contacts', 'Invoices']);

    const id = added.subprocessorId;
    const edit = await fetch(`${portal.url}/staff/subprocessors/${id}/edit`, { headers: { Cookie: staffCookie } });
    expect(await edit.text()).toContain('value="Ledger Cloud Oy"');
    const changed = await post(
      `/staff/subprocessors/${id}/edit`,
      { ...valid(), locations: 'FI', effectiveOn: addDays(today(), 50), summary: 'Processing moves to Finland only' },
      staffCookie,
    );
    expect(changed.status).toBe(302);
    const retired = await post(`/staff/subprocessors/${id}/retire`, { effectiveOn: addDays(today(), 60), summary: 'Invoicing moves in-house' }, staffCookie);
    expect(retired.status).toBe(302);
    const pastRetire = await post(`/staff/subprocessors/${id}/retire`, { effectiveOn: addDays(today(), 61), summary: 'Again' }, staffCookie);
    expect(pastRetire.status).toBe(400);
    expect(await pastRetire.text()).toContain('This subprocessor has been retired');

    registry = await loadRegistry(portal.db);
    expect(registry.changes.map((c) => c.kind)).toEqual(['added', 'updated', 'removed']);
    const rows = await portal.db.selectFrom('subprocessor_changes').select(['actor_id', 'announced_at']).execute();
    for (const row of rows) {
      expect(row.actor_id).toBe(staffId);
      expect(row.announced_at).toBeInstanceOf(Date);
    }
    const audit = await portal.db.selectFrom('audit_events').select(['action', 'actor_id', 'target_id']).where('action', 'like', 'subprocessor.%').orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['subprocessor.plan_addition', 'subprocessor.plan_update', 'subprocessor.retire']);
    for (const a of audit) {
      expect(a.actor_id).toBe(staffId);
      expect(a.target_id).toBe(id);
    }
  });

  it('staff answer an objection: stored, audited, and refused a second time', async () => {
    const change = (await loadRegistry(portal.db)).changes[0]!;
    const filed = await post(`/subprocessors/changes/${change.id}`, {
      organisation: 'Objector AG',
      email: 'dpo@objector.example',
      reason: 'Our contract forbids new processors.',
    });
    expect(filed.status).toBe(200);
    const list = await (await fetch(`${portal.url}/staff/objections`, { headers: { Cookie: staffCookie } })).text();
    expect(list).toContain('Objector AG');
    const objection = await portal.db.selectFrom('subprocessor_objections').select('id').executeTakeFirstOrThrow();
    expect((await post(`/staff/objections/${objection.id}`, { answer: 'short' }, staffCookie)).status).toBe(400);
    const answered = await post(`/staff/objections/${objection.id}`, { answer: 'We will keep your data out of it.' }, staffCookie);
    expect(answered.status).toBe(302);
    const row = await portal.db.selectFrom('subprocessor_objections').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ answer: 'We will keep your data out of it.', answered_by: staffId });
    const again = await post(`/staff/objections/${objection.id}`, { answer: 'A second answer, not allowed.' }, staffCookie);
    expect(again.status).toBe(400);
    // In the order they were queued: a row the worker updates on delivery may move in a scan.
    const mails = await portal.db.selectFrom('mail_outbox').select(['to_address', 'subject']).orderBy('id').execute();
    expect(mails.filter((m) => m.to_address === 'dpo@objector.example').map((m) => m.subject)).toEqual([
      expect.stringMatching(/^We received your objection/),
      expect.stringMatching(/^Answer to your objection/),
    ]);
    const audit = await portal.db.selectFrom('audit_events').select('action').where('action', 'like', 'subprocessor.objection%').execute();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['subprocessor.objections.view', 'subprocessor.objection.answer']));
  });
});
