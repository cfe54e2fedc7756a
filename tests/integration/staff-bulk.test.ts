import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOutboxMail } from '../../app/models/mail.server';
import { BULK_ACTION_LIMIT } from '../../app/models/policy';
import { actOnRequest, requestVersion } from '../../app/models/requests/staff.server';
import { confirmVerification } from '../../app/models/requests/verification.server';
import { DEMO_ORGANISATION } from '../../app/utils/env.server';
import { fileRequest, rules } from '../support/requests';
import { createSessionCookie, createUser, type TestUser } from '../support/users';
import { startTestPortal, type TestPortal } from '../support/portal';

let portal: TestPortal;
let staff: TestUser;
let staffCookie: string;
beforeAll(async () => {
  portal = await startTestPortal();
  staff = await createUser(portal.db, { role: 'staff' });
  staffCookie = await createSessionCookie(portal.db, staff);
});
afterAll(async () => {
  await portal?.stop();
});

const current = (id: string) => portal.db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const unverified = async (overrides: Parameters<typeof fileRequest>[1] = {}) => (await fileRequest(portal.db, overrides)).request;
async function verified(overrides: Parameters<typeof fileRequest>[1] = {}) {
  const { request, verifyToken } = await fileRequest(portal.db, overrides);
  const result = await confirmVerification(portal.db, verifyToken!, { rules });
  if (result.status !== 'verified') throw new Error(`not confirmed: ${result.status}`);
  return current(request.id);
}
/** Posts the queue's bulk form; `cookie` '' posts signed out. */
const bulk = (fields: Record<string, string>, ids: string[], cookie = staffCookie) =>
  fetch(`${portal.url}/staff/requests?index`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...(cookie ? { Cookie: cookie } : {}), 'Content-Type': 'application/x-www-form-urlencoded', Origin: portal.url },
    body: new URLSearchParams({ ...fields, ...Object.fromEntries(ids.map((id) => [`select-${id}`, 'on'])) }),
  });
const events = (id: string) => portal.db.selectFrom('request_events').selectAll().where('request_id', '=', id).orderBy('id').execute();
// The identity level each request reached on confirmation (issue 21.3) is audited too; these tests look at staff's actions.
const audits = (id: string) =>
  portal.db.selectFrom('audit_events').select(['action', 'actor_id', 'details']).where('target_id', '=', id).where('action', '<>', 'request.level_reached').orderBy('id').execute();
const outboxCount = async (email: string) =>
  Number((await portal.db.selectFrom('mail_outbox').select((eb) => eb.fn.countAll().as('n')).where('to_address', '=', email).executeTakeFirstOrThrow()).n);

/** Every mail to `email`: queued ones opened from the outbox, delivered ones from their .eml files. */
async function mailTextsTo(email: string): Promise<string[]> {
  await new Promise((r) => setTimeout(r, 300));
  const queued = await portal.db.selectFrom('mail_outbox').select(['text_body', 'html_body', 'headers']).where('to_address', '=', email).execute();
  const texts = queued.filter((m) => m.text_body).map((m) => openOutboxMail(m).text);
  const dir = path.join(portal.dataDir, 'mail');
  for (const file of fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml')) : []) {
    const parsed = await simpleParser(fs.readFileSync(path.join(dir, file)));
    const to = Array.isArray(parsed.to) ? parsed.to[0]?.text : parsed.to?.text;
    if (to === email) texts.push(parsed.text ?? '');
  }
  return texts;
}

describe('bulk closing of never-confirmed requests', () => {
  it('closes the unconfirmed ones without email, audits each, and reports the rest by reference untouched', async () => {
    const a = await unverified();
    const b = await unverified();
    const open = await verified();
    const mailsBefore = [await outboxCount(a.email), await outboxCount(b.email), await outboxCount(open.email)];

    const res = await bulk({ bulkAction: 'close_unverified' }, [a.id, b.id, open.id]);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('2 closed (no email: the addresses were never confirmed)');
    expect(html).toContain(`${open.reference} could not be closed: it is received and confirmed`);

    for (const r of [a, b]) {
      const now = await current(r.id);
      expect(now.state).toBe('expired');
      expect(now.closed_at).not.toBeNull();
      const last = (await events(r.id)).at(-1)!;
      expect(last).toMatchObject({ kind: 'close_unverified', actor: 'staff', actor_id: staff.id, from_state: 'unverified', to_state: 'expired' });
      expect((await audits(r.id)).map((x) => x.action)).toEqual(['request.bulk_close_unverified']);
      const purge = await portal.db.selectFrom('jobs').select('run_at').where('dedupe_key', '=', `request.purge-personal-data:${r.id}`).executeTakeFirst();
      expect(purge).toBeDefined();
    }
    // The refused one is exactly as it was: no event, no audit, no change.
    expect(await current(open.id)).toEqual(open);
    expect((await events(open.id)).map((e) => e.kind)).toEqual(['submitted', 'verify', 'level_reached']);
    expect(await audits(open.id)).toEqual([]);
    // Nobody proved these addresses: nothing more was sent to them.
    expect([await outboxCount(a.email), await outboxCount(b.email), await outboxCount(open.email)]).toEqual(mailsBefore);

    // A second try finds them closed and says so.
    const again = await bulk({ bulkAction: 'close_unverified' }, [a.id]);
    expect(await again.text()).toContain(`0 closed; ${a.reference} could not be closed: it is already closed (never confirmed)`);
  });
});

/** The request made into one of `original`'s type (see the comment where it is used). */
async function sameTypeAs(original: { type: string }, request: { id: string }) {
  await portal.db.updateTable('requests').set({ type: original.type as 'access' }).where('id', '=', request.id).execute();
  return current(request.id);
}

describe('bulk closing of duplicates', () => {
  it('refuses each duplicate with the reason, links both timelines, emails the subject, and leaves the rest', async () => {
    const email = `dup.${Date.now()}@example.test`;
    const original = await verified({ type: 'access', email });
    // Intake links a second active request of the same type to the first, so real duplicates come
    // from before that rule or from outside the form: made here as other types, then made access.
    const dupOpen = await sameTypeAs(original, await verified({ type: 'portability', email }));
    let dupWorking = await sameTypeAs(original, await verified({ type: 'erasure', email }));
    await actOnRequest(
      portal.db,
      { requestId: dupWorking.id, action: { intent: 'start', version: requestVersion(dupWorking) } },
      { id: staff.id, ip: '127.0.0.1' },
      { rules, organisation: DEMO_ORGANISATION },
    );
    dupWorking = await current(dupWorking.id);
    const notConfirmed = await unverified({ type: 'objection', email });
    const someoneElse = await verified({ type: 'restriction' });

    const res = await bulk({ bulkAction: 'close_duplicates', original: original.reference.toLowerCase() }, [
      dupOpen.id,
      dupWorking.id,
      notConfirmed.id,
      someoneElse.id,
      original.id,
    ]);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`2 closed as duplicates of ${original.reference} (each subject was emailed the reason)`);
    expect(html).toContain(`${notConfirmed.reference} could not be closed: it is not confirmed yet`);
    expect(html).toContain(`${someoneElse.reference} could not be closed: it was filed from another email address than ${original.reference}`);
    expect(html).toContain(`${original.reference} could not be closed: it is the original`);

    for (const dup of [dupOpen, dupWorking]) {
      expect((await current(dup.id)).state).toBe('denied');
      // Counted in the reports as refused on the ground "duplicate".
      expect((await current(dup.id)).refusal_ground).toBe('duplicate');
      const refusal = (await events(dup.id)).at(-1)!;
      expect(refusal).toMatchObject({ kind: 'deny', actor_id: staff.id, to_state: 'denied', visible_to_subject: true });
      expect(refusal.note).toContain(`Duplicate of ${original.reference}`);
      const [audit, ...more] = (await audits(dup.id)).filter((a) => a.action.startsWith('request.bulk'));
      expect(more).toEqual([]);
      expect(audit).toMatchObject({ action: 'request.bulk_close_duplicate', actor_id: staff.id });
      expect(audit!.details).toMatchObject({ original: original.reference });
    }
    const links = (await events(original.id)).filter((e) => e.kind === 'duplicate_closed');
    expect(links.map((e) => e.note).sort()).toEqual(
      [dupOpen, dupWorking].map((d) => `${d.reference}, filed with the same email address, was closed as a duplicate of this request.`).sort(),
    );
    expect(links.every((e) => e.visible_to_subject && e.actor_id === staff.id)).toBe(true);
    expect((await current(original.id)).state).toBe('open');

    // The subject proved the address: one refusal mail per duplicate, with the reason and the Art. 12(4) notice.
    const refusals = (await mailTextsTo(email)).filter((t) => t.includes(`Duplicate of ${original.reference}`));
    expect(refusals).toHaveLength(2);
    expect(refusals[0]).toContain(DEMO_ORGANISATION.authority.name);
    expect(refusals[0]).toContain('judicial remedy');

    // Left alone: no change, no event, no audit.
    expect(await current(notConfirmed.id)).toEqual(notConfirmed);
    expect(await current(someoneElse.id)).toEqual(someoneElse);
    for (const r of [notConfirmed, someoneElse]) expect(await audits(r.id)).toEqual([]);
  });

  it('refuses, each with its reason, a request of another type, about another person, or filed after the original closed (issues 18.5, 24.9)', async () => {
    const act = async (id: string, action: Parameters<typeof actOnRequest>[1]['action']) =>
      actOnRequest(portal.db, { requestId: id, action }, { id: staff.id, ip: '127.0.0.1' }, { rules, organisation: DEMO_ORGANISATION, exportKey: portal.config.secrets.exportKey });
    const agentEmail = `agent.${Date.now()}@example.test`;
    const forPerson = (name: string) => ({ email: agentEmail, requesterRole: 'representative' as const, subjectName: name, subjectEmail: `${name.toLowerCase()}.${Date.now()}@example.test`, agentRelationship: 'parent' as const });
    const kim = forPerson('Kim');
    const lee = forPerson('Lee');
    // 24.9: a completed access request about Kim, and a restriction about Lee, from the same address.
    let accessForKim = await verified({ type: 'access', ...kim });
    await act(accessForKim.id, { intent: 'start', version: requestVersion(accessForKim) });
    accessForKim = await current(accessForKim.id);
    await act(accessForKim.id, { intent: 'complete', version: requestVersion(accessForKim), outcome: 'fulfilled', answer: 'Here is what we hold.' });
    const restrictionForLee = await verified({ type: 'restriction', ...lee });
    // The same address and type, but about Lee; and an access request about Kim filed after the first was answered.
    const accessForLee = await verified({ type: 'access', ...lee });
    const laterForKim = await verified({ type: 'access', ...kim });
    // 18.5: a portability request and an access request of one person, both open.
    const self = `self.${Date.now()}@example.test`;
    const access = await verified({ type: 'access', email: self });
    const portability = await verified({ type: 'portability', email: self });
    const mailsBefore = await outboxCount(self);

    let res = await bulk({ bulkAction: 'close_duplicates', original: accessForKim.reference }, [restrictionForLee.id, accessForLee.id, laterForKim.id]);
    let html = await res.text();
    expect(html).toContain('0 closed');
    expect(html).toContain(`${restrictionForLee.reference} could not be closed: it is a restriction request and ${accessForKim.reference} is an access request`);
    expect(html).toContain(`${accessForLee.reference} could not be closed: it is about another person than ${accessForKim.reference}`);
    expect(html).toContain(`${laterForKim.reference} could not be closed: it was filed after ${accessForKim.reference} had closed: it is a new request`);
    res = await bulk({ bulkAction: 'close_duplicates', original: access.reference }, [portability.id]);
    html = await res.text();
    expect(html).toContain(`${portability.reference} could not be closed: it is a portability request and ${access.reference} is an access request`);

    for (const r of [restrictionForLee, accessForLee, laterForKim, portability]) {
      expect(await current(r.id)).toEqual(r);
      expect((await audits(r.id)).filter((a) => a.action.startsWith('request.bulk'))).toEqual([]);
    }
    // Nobody was sent a refusal with the complaint notice.
    expect(await outboxCount(self)).toBe(mailsBefore);
  });

  it('refuses the whole submission for an unknown or unconfirmed original, a bad reference, or a selection out of bounds', async () => {
    const dup = await verified();
    const pending = await unverified();
    let res = await bulk({ bulkAction: 'close_duplicates', original: 'DSR-2099-999999' }, [dup.id]);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('No request has the reference DSR-2099-999999');
    res = await bulk({ bulkAction: 'close_duplicates', original: pending.reference }, [dup.id]);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('its email address was never confirmed');
    res = await bulk({ bulkAction: 'close_duplicates', original: 'the first one' }, [dup.id]);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Name the original request by its reference');
    res = await bulk({ bulkAction: 'close_unverified' }, []);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Select at least one request');
    const tooMany = Array.from({ length: BULK_ACTION_LIMIT + 1 }, (_, i) => String(i + 1));
    res = await bulk({ bulkAction: 'close_unverified' }, tooMany);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain(`Select at most ${BULK_ACTION_LIMIT} requests`);
    res = await bulk({ bulkAction: 'teleport' }, [dup.id]);
    expect(res.status).toBe(400);
    expect(await current(dup.id)).toEqual(dup);
    expect(await current(pending.id)).toEqual(pending);
  });
});

describe('who may act in bulk', () => {
  it('refuses subjects (403) and sends the signed-out to sign in, changing nothing', async () => {
    const r = await unverified();
    const subject = await createUser(portal.db, { role: 'subject' });
    const subjectCookie = await createSessionCookie(portal.db, subject);
    expect((await bulk({ bulkAction: 'close_unverified' }, [r.id], subjectCookie)).status).toBe(403);
    const out = await bulk({ bulkAction: 'close_unverified' }, [r.id], '');
    expect(out.status).toBe(302);
    expect(out.headers.get('location')).toContain('/login?redirectTo=');
    expect((await current(r.id)).state).toBe('unverified');
  });

  it('offers a checkbox per row inside one form that works without JavaScript', async () => {
    const r = await unverified();
    const html = await (await fetch(`${portal.url}/staff/requests?state=unverified`, { headers: { Cookie: staffCookie } })).text();
    expect(html).toMatch(/<form method="post" action="\/staff\/requests\?index&amp;state=unverified"|<form method="post" action="\/staff\/requests\?(state=unverified&amp;)?index/);
    expect(html).toContain(`name="select-${r.id}"`);
    expect(html).toContain(`aria-label="Select ${r.reference}"`);
    expect(html).toContain('Apply to selected');
    expect(html).toContain('no email is sent');
  });
});
