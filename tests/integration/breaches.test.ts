import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../db/client';
import { verifyAuditChain } from '../../app/models/audit.server';
import { BreachRuleError, StaleBreachError } from '../../app/models/breaches/errors';
import { exportBreachRegister } from '../../app/models/breaches/export.server';
import { fileWithAuthority, recordControllerTold, recordNotNotified } from '../../app/models/breaches/filings.server';
import type { BreachInput } from '../../app/models/breaches/forms.server';
import { addSubjects, recordExemption, saveDraft, sendNotices } from '../../app/models/breaches/notices.server';
import { setBreachOfficer } from '../../app/models/breaches/officers.server';
import {
  breachesNeedingAttention,
  breachVersion,
  getBreachForStaff,
  isBreachOfficer,
  recordBreach,
  registerEntries,
  updateBreach,
} from '../../app/models/breaches/register.server';
import { BREACH_REMINDER_JOB, sendBreachReminder, type BreachReminderSettings } from '../../app/models/breaches/reminders.server';
import { createMailDeliveryHandler, createMailSender, MAIL_DELIVER_JOB, openOutboxMail } from '../../app/models/mail.server';
import { setStaffRole } from '../../app/models/accounts/accounts.server';
import { createRequest } from '../../app/models/requests/requests.server';
import { DEMO_ORGANISATION, loadConfig, type Config } from '../../app/utils/env.server';
import { createTestDb, type TestDb } from '../support/db';
import { intakeInput, rules } from '../support/requests';
import { freePort } from '../support/smtp';
import { createUser, type TestUser } from '../support/users';

/**
 * The breach register on a real database (PGlite, or PostgreSQL with DATABASE_URL), with the
 * clock moved by passing `now`: the deadline runs from awareness, the first filing freezes
 * lateness, the refusals hold in the model and in the database, Art. 34 mail goes out in each
 * person's language with its delivery tracked, reminders go once, and every action is audited.
 */
let t: TestDb;
let db: DB;
let dpo: TestUser;
let admin: TestUser;
let staff: TestUser;
const TZ = 'Europe/London';
const H = 3_600_000;
const at = (iso: string) => new Date(iso);
const actor = () => ({ id: dpo.id, ip: '127.0.0.1' });
const settings: BreachReminderSettings = { publicUrl: 'http://portal.test', timeZone: TZ, organisation: DEMO_ORGANISATION };

beforeAll(async () => {
  t = await createTestDb();
  db = t.db;
  admin = await createUser(db, { role: 'admin' });
  staff = await createUser(db, { role: 'staff' });
  dpo = await createUser(db, { role: 'staff' });
  expect(await setBreachOfficer(db, { email: dpo.email, dpo: true }, { id: admin.id })).toBe('changed');
});
afterAll(async () => {
  await t?.destroy();
});

function input(overrides: Partial<BreachInput> = {}): BreachInput {
  return {
    title: 'Customer export left on a public share',
    detectedAt: at('2026-03-02T08:00:00Z'),
    awareAt: at('2026-03-02T08:00:00Z'),
    awarenessReason: null,
    confidentiality: true,
    integrity: false,
    availability: false,
    nature: 'A CSV export of customer records was reachable through a public link for two days.',
    subjectCategories: 'Customers',
    subjectsApprox: 1200,
    recordCategories: 'Names, email addresses, order history',
    recordsApprox: 1200,
    dpoContact: 'Alex Example, dpo@example.com',
    consequences: 'Phishing using order details.',
    measures: 'Link revoked; customers warned.',
    causes: 'Sharing defaults on the file store.',
    role: 'controller',
    controllerName: null,
    risk: 'risk',
    riskReasoning: 'Contact data and order history: phishing is likely, harm moderate.',
    incidentRef: null,
    ...overrides,
  };
}

const record = (overrides: Partial<BreachInput> = {}, now = at('2026-03-02T09:00:00Z')) => recordBreach(db, input(overrides), actor(), { timeZone: TZ, now });
const refusal = async (work: Promise<unknown>) => {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BreachRuleError);
  return error as BreachRuleError;
};
const dbRefusal = async (work: Promise<unknown>, pattern: RegExp) => {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(String((error as Error | undefined)?.message)).toMatch(pattern);
};
const file = (breachId: string, phase: 'initial' | 'follow_up' | 'final', filedAt: Date, lateReasons: string | null = null) =>
  fileWithAuthority(
    db,
    { breachId, phase, filedAt, authorityReference: 'ICO-123', summary: `${phase} details`, lateReasons },
    actor(),
    { authorityName: DEMO_ORGANISATION.authority.name, timeZone: TZ, now: filedAt },
  );
const entry = async (id: string, now: Date) => (await registerEntries(db, now)).find((e) => e.breach.id === id)!;

describe('the 72-hour clock', () => {
  it('runs from awareness, not detection, and queues the 48, 24 and 6 hour reminders for that deadline', async () => {
    const detected = at('2026-03-02T08:00:00Z');
    const aware = at('2026-03-03T14:00:00Z'); // 30 hours later, once forensics confirmed personal data
    const breach = await record({ detectedAt: detected, awareAt: aware, awarenessReason: 'Forensics confirmed customer data on 3 March.' }, at('2026-03-03T15:00:00Z'));
    expect(breach.reference).toMatch(/^BR-2026-\d{4}$/);
    const state = (await entry(breach.id, at('2026-03-05T09:00:00Z'))).state;
    // 72 hours from detection (5 March 08:00) has passed; from awareness (6 March 14:00) it has not.
    expect(state).toEqual({ kind: 'pending', deadline: at('2026-03-06T14:00:00Z'), overdue: false });
    const jobs = await db
      .selectFrom('jobs')
      .select(['run_at', 'payload'])
      .where('kind', '=', BREACH_REMINDER_JOB)
      .where(sql`payload->>'breachId'`, '=', breach.id)
      .orderBy('run_at')
      .execute();
    expect(jobs.map((j) => [j.payload.hoursBefore, j.run_at.toISOString()])).toEqual([
      [48, '2026-03-04T14:00:00.000Z'],
      [24, '2026-03-05T14:00:00.000Z'],
      [6, '2026-03-06T08:00:00.000Z'],
    ]);
    const attention = await breachesNeedingAttention(db, at('2026-03-06T15:00:00Z'));
    expect(attention.find((a) => a.id === breach.id)?.state).toMatchObject({ kind: 'pending', overdue: true });
  });

  it('refuses awareness before detection, and a later awareness without its reason, in the model and in the database', async () => {
    const before = await refusal(record({ detectedAt: at('2026-03-02T08:00:00Z'), awareAt: at('2026-03-02T07:00:00Z') }));
    expect(before.fieldErrors.awareAt).toMatch(/cannot come before detection/);
    const noReason = await refusal(record({ awareAt: at('2026-03-02T10:00:00Z'), awarenessReason: '  ' }));
    expect(noReason.fieldErrors.awarenessReason).toMatch(/say why/);
    const noKind = await refusal(record({ confidentiality: false }));
    expect(noKind.fieldErrors.kind).toBeDefined();
    const unreasoned = await refusal(record({ risk: 'high', riskReasoning: null }));
    expect(unreasoned.fieldErrors.riskReasoning).toBeDefined();

    const breach = await record();
    await dbRefusal(db.updateTable('breaches').set({ aware_at: at('2026-03-01T00:00:00Z') }).where('id', '=', breach.id).execute(), /breaches_awareness_after_detection/);
    await dbRefusal(db.updateTable('breaches').set({ aware_at: at('2026-03-02T09:00:00Z') }).where('id', '=', breach.id).execute(), /breaches_later_awareness_reason/);
    await dbRefusal(db.updateTable('breaches').set({ risk: 'high', risk_reasoning: null }).where('id', '=', breach.id).execute(), /breaches_risk_reasoning/);
  });

  it('moves the deadline with a corrected awareness before any filing; the old reminders then send nothing', async () => {
    const breach = await record({}, at('2026-03-02T09:00:00Z'));
    const oldJob = { breachId: breach.id, hoursBefore: 48, deadline: '2026-03-05T08:00:00.000Z' };
    const moved = await updateBreach(
      db,
      { id: breach.id, version: breachVersion(breach), data: input({ awareAt: at('2026-03-02T12:00:00Z'), awarenessReason: 'Confirmed at noon.' }) },
      actor(),
      { timeZone: TZ, now: at('2026-03-02T13:00:00Z') },
    );
    expect((await entry(moved!.id, at('2026-03-02T13:00:00Z'))).state).toMatchObject({ deadline: at('2026-03-05T12:00:00Z') });
    expect(await sendBreachReminder(db, settings, oldJob, at('2026-03-03T08:00:00Z'))).toEqual({ sent: 0, skipped: 'stale' });
    // A form made before that change is refused.
    await expect(updateBreach(db, { id: breach.id, version: breachVersion(breach), data: input() }, actor(), { timeZone: TZ })).rejects.toBeInstanceOf(StaleBreachError);
  });
});

describe('filings with the authority', () => {
  it('freezes lateness at the first filing: on time stays on time, whatever comes after', async () => {
    const breach = await record();
    const initial = await file(breach.id, 'initial', at('2026-03-05T06:00:00Z')); // 70 hours after awareness
    expect(initial).toMatchObject({ late: false, deadline_at: at('2026-03-05T08:00:00Z') });
    // A follow-up weeks later needs no reasons and changes nothing about lateness.
    const follow = await file(breach.id, 'follow_up', at('2026-03-20T10:00:00Z'));
    expect(follow).toMatchObject({ late: false, deadline_at: at('2026-03-05T08:00:00Z') });
    expect((await entry(breach.id, at('2027-01-01T00:00:00Z'))).state).toEqual({ kind: 'notified', late: false, firstFiledAt: at('2026-03-05T06:00:00Z') });
    // The clock cannot be moved after the filing: not by the model, not by SQL.
    const current = (await db.selectFrom('breaches').selectAll().where('id', '=', breach.id).executeTakeFirstOrThrow())!;
    const moved = await refusal(
      updateBreach(db, { id: breach.id, version: breachVersion(current), data: input({ awareAt: at('2026-03-04T08:00:00Z'), awarenessReason: 'later' }) }, actor(), { timeZone: TZ, now: at('2026-03-21T00:00:00Z') }),
    );
    expect(moved.fieldErrors.awareAt).toMatch(/initial notification .* fixed/);
    await dbRefusal(
      db.updateTable('breaches').set({ aware_at: at('2026-03-04T08:00:00Z'), awareness_reason: 'later' }).where('id', '=', breach.id).execute(),
      /initial filing fixed detection and awareness/,
    );
    // Other details may still follow (Art. 33(4)).
    const more = await updateBreach(db, { id: breach.id, version: breachVersion(current), data: input({ measures: 'Link revoked; customers warned; sharing defaults changed.' }) }, actor(), { timeZone: TZ });
    expect(more?.measures).toContain('sharing defaults changed');
  });

  it('refuses a late initial filing without reasons; with them it is late for good', async () => {
    const breach = await record();
    const refused = await refusal(file(breach.id, 'initial', at('2026-03-05T09:30:00Z')));
    expect(refused.fieldErrors.lateReasons).toMatch(/1 hour 30 minutes after the deadline .* Art\. 33\(1\)/);
    const late = await file(breach.id, 'initial', at('2026-03-05T09:30:00Z'), 'The forensic report arrived on the third day.');
    expect(late).toMatchObject({ late: true, late_reasons: 'The forensic report arrived on the third day.' });
    const final = await file(breach.id, 'final', at('2026-03-10T09:30:00Z'));
    expect(final?.late).toBe(true);
    expect((await entry(breach.id, at('2026-03-11T00:00:00Z'))).state).toMatchObject({ kind: 'notified', late: true });
    // The record of filings is complete after the final report.
    expect((await refusal(file(breach.id, 'follow_up', at('2026-03-11T09:30:00Z')))).fieldErrors.phase).toMatch(/final report was filed/);
    // The database holds the same rule: a late initial filing with no reasons cannot be written at all.
    await dbRefusal(
      sql`insert into breach_filings (breach_id, phase, filed_at, authority_name, summary, deadline_at, late, content) values (${(await record()).id}, 'initial', now(), 'x', 'x', now(), true, '{}')`.execute(db),
      /breach_filings_late_reasons/,
    );
  });

  it('keeps phases in order: initial first, dated after awareness and after the phase before, final only when Art. 33(3) is complete', async () => {
    const breach = await record({ recordsApprox: null });
    expect((await refusal(file(breach.id, 'follow_up', at('2026-03-03T08:00:00Z')))).fieldErrors.phase).toMatch(/initial notification first/);
    expect((await refusal(file(breach.id, 'initial', at('2026-03-01T08:00:00Z')))).fieldErrors.filedAt).toMatch(/before awareness/);
    await file(breach.id, 'initial', at('2026-03-03T08:00:00Z'));
    expect((await refusal(file(breach.id, 'initial', at('2026-03-03T09:00:00Z')))).fieldErrors.phase).toMatch(/already filed/);
    expect((await refusal(file(breach.id, 'follow_up', at('2026-03-03T07:00:00Z')))).fieldErrors.filedAt).toMatch(/in order/);
    expect((await refusal(file(breach.id, 'final', at('2026-03-04T07:00:00Z')))).fieldErrors.phase).toMatch(/approximate number of records/);
  });

  it('records "not notified" only with a reason and an assessed unlikely risk (unassessed is not "no risk")', async () => {
    const unassessed = await record({ risk: 'unassessed', riskReasoning: null });
    expect((await refusal(recordNotNotified(db, { breachId: unassessed.id, reason: 'Looks harmless.' }, actor()))).fieldErrors.reason).toMatch(/not yet assessed/);
    const unlikely = await record({ risk: 'unlikely', riskReasoning: 'The file was encrypted with a key that was not exposed.' });
    await dbRefusal(db.updateTable('breaches').set({ not_notified_at: new Date() }).where('id', '=', unlikely.id).execute(), /breaches_not_notified_reason/);
    const decided = await recordNotNotified(db, { breachId: unlikely.id, reason: 'Encrypted at rest; key not exposed.' }, actor(), { now: at('2026-03-03T00:00:00Z') });
    expect(decided?.not_notified_reason).toBe('Encrypted at rest; key not exposed.');
    expect((await entry(unlikely.id, at('2026-04-01T00:00:00Z'))).state).toEqual({ kind: 'not_notified' });
    expect(await sendBreachReminder(db, settings, { breachId: unlikely.id, hoursBefore: 24, deadline: '2026-03-05T08:00:00.000Z' })).toEqual({ sent: 0, skipped: 'settled' });
  });

  it('as processor, records when the controller was told instead of filing', async () => {
    const breach = await record({ role: 'processor' });
    expect(await db.selectFrom('jobs').select('id').where(sql`payload->>'breachId'`, '=', breach.id).execute()).toEqual([]);
    expect((await refusal(file(breach.id, 'initial', at('2026-03-03T08:00:00Z')))).formError).toMatch(/controller notifies the authority/);
    const told = await recordControllerTold(db, { breachId: breach.id, controllerName: 'Shop GmbH', notifiedAt: at('2026-03-02T10:00:00Z') }, actor(), { timeZone: TZ, now: at('2026-03-02T11:00:00Z') });
    expect(told?.controller_notified_at).toEqual(at('2026-03-02T10:00:00Z'));
    expect((await entry(breach.id, at('2026-03-09T00:00:00Z'))).state).toEqual({ kind: 'controller_told', at: at('2026-03-02T10:00:00Z') });
  });
});

describe('nothing is deletable', () => {
  it('refuses DELETE and TRUNCATE on every register table, and UPDATE on filings', async () => {
    const breach = await record({ risk: 'high', riskReasoning: 'Passwords.' });
    await file(breach.id, 'initial', at('2026-03-03T08:00:00Z'));
    await addSubjects(db, { breachId: breach.id, source: 'entered', addresses: 'kept@example.org', defaultLang: 'en', from: null, to: null }, actor(), { timeZone: TZ });
    await saveDraft(db, { breachId: breach.id, lang: 'en', nature: 'n', consequences: 'c', measures: 'm' }, actor());
    await sendBreachReminder(db, settings, { breachId: (await record()).id, hoursBefore: 48, deadline: '2026-03-05T08:00:00.000Z' }, at('2026-03-03T08:00:00Z'));
    expect(await db.selectFrom('breach_reminder_sends').select('recipient').execute()).not.toEqual([]);
    for (const table of ['breaches', 'breach_filings', 'breach_subjects', 'breach_notice_drafts', 'breach_reminder_sends'] as const) {
      await dbRefusal(db.deleteFrom(table).execute(), /breach register keeps everything: DELETE/);
      await dbRefusal(sql`truncate ${sql.table(table)} cascade`.execute(db), /breach register keeps everything: TRUNCATE/);
    }
    await dbRefusal(db.updateTable('breach_filings').set({ summary: 'rewritten' }).execute(), /breach register keeps everything: UPDATE/);
    expect(await db.selectFrom('breach_filings').select('summary').where('breach_id', '=', breach.id).execute()).toEqual([{ summary: 'initial details' }]);
  });
});

describe('Art. 34: telling the people affected', () => {
  it('needs a high risk, picks people with their language, sends each the text in it, and tracks delivery', async () => {
    const breach = await record({ risk: 'high', riskReasoning: 'Passwords and addresses: account takeover likely.' });
    const denied = await refusal(addSubjects(db, { breachId: (await record()).id, source: 'entered', addresses: 'a@example.org', defaultLang: 'en', from: null, to: null }, actor(), { timeZone: TZ }));
    expect(denied.formError).toMatch(/high risk/);

    // A German subject known from a request; an entered French one; one we know nothing of.
    const german = `hanna.${randomUUID().slice(0, 6)}@example.de`;
    await createRequest(db, { ...intakeInput({ email: german }), lang: 'de' }, { rules });
    const typed = `${german.toUpperCase()}\nclaire@example.fr, fr\nunknown@example.org\nnot-an-address`;
    const bad = await refusal(addSubjects(db, { breachId: breach.id, source: 'entered', addresses: typed, defaultLang: 'en', from: null, to: null }, actor(), { timeZone: TZ }));
    expect(bad.fieldErrors.addresses).toMatch(/line 4/);
    const added = await addSubjects(db, { breachId: breach.id, source: 'entered', addresses: typed.split('\n').slice(0, 3).join('\n'), defaultLang: 'en', from: null, to: null }, actor(), { timeZone: TZ });
    expect(added).toEqual({ found: 3, added: 3, alreadyListed: 0 });
    // Matched from requests: the German subject again, already listed.
    const again = await addSubjects(db, { breachId: breach.id, source: 'request', addresses: '', defaultLang: 'en', from: null, to: null }, actor(), { timeZone: TZ });
    expect(again!.alreadyListed).toBeGreaterThanOrEqual(1);
    const langs = Object.fromEntries(
      (await db.selectFrom('breach_subjects').select(['email_key', 'lang']).where('breach_id', '=', breach.id).execute()).map((r) => [r.email_key, r.lang]),
    );
    expect(langs).toMatchObject({ [german]: 'de', 'claire@example.fr': 'fr', 'unknown@example.org': 'en' });

    await saveDraft(db, { breachId: breach.id, lang: 'en', nature: 'Someone copied our customer list.', consequences: 'You may get fake emails.', measures: 'Change your password.' }, actor());
    const missing = await refusal(sendNotices(db, { breachId: breach.id }, actor(), { organisation: DEMO_ORGANISATION }));
    expect(missing.formError).toMatch(/Deutsch and Français|Français and Deutsch/);
    await saveDraft(db, { breachId: breach.id, lang: 'de', nature: 'Jemand hat unsere Kundenliste kopiert.', consequences: 'Sie könnten gefälschte E-Mails erhalten.', measures: 'Ändern Sie Ihr Passwort.' }, actor());
    await saveDraft(db, { breachId: breach.id, lang: 'fr', nature: 'Quelqu’un a copié notre liste de clients.', consequences: 'Vous pourriez recevoir de faux e-mails.', measures: 'Changez votre mot de passe.' }, actor());
    const sent = await sendNotices(db, { breachId: breach.id }, actor(), { organisation: DEMO_ORGANISATION, now: at('2026-03-03T12:00:00Z') });
    expect(sent!.queued).toBeGreaterThanOrEqual(3);

    const row = await db.selectFrom('breach_subjects').selectAll().where('breach_id', '=', breach.id).where('email_key', '=', german).executeTakeFirstOrThrow();
    expect(row.status).toBe('queued');
    const mail = await db.selectFrom('mail_outbox').selectAll().where('id', '=', row.outbox_id!).executeTakeFirstOrThrow();
    expect(mail.subject).toBe(`Wichtig: Eine Datenschutzverletzung bei ${DEMO_ORGANISATION.name}, die Sie betrifft`);
    const text = openOutboxMail(mail).text;
    expect(text).toContain('Was ist geschehen?');
    expect(text).toContain('Jemand hat unsere Kundenliste kopiert.');
    expect(text).toContain(`Ihr Ansprechpartner: Alex Example, dpo@example.com`);
    expect(text).not.toContain('What happened');

    // The text that went out is kept as sent.
    expect((await refusal(saveDraft(db, { breachId: breach.id, lang: 'de', nature: 'x', consequences: 'y', measures: 'z' }, actor()))).formError).toMatch(/kept as sent/);
    await dbRefusal(db.updateTable('breach_notice_drafts').set({ nature: 'x' }).where('breach_id', '=', breach.id).execute(), /kept as sent/);
    // No exemption once people were told.
    expect((await refusal(recordExemption(db, { breachId: breach.id, exemption: 'protected', ground: 'encrypted' }, actor()))).formError).toMatch(/already told/);

    // Delivery: the real delivery job writes the German mail out; the person's row says sent.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-breach-mail-'));
    const config = { ...loadConfig({ DATA_DIR: dir, NODE_ENV: 'test' }), publicUrl: 'http://portal.test' } as Config;
    const deliver = createMailDeliveryHandler(db, config, createMailSender(config));
    const job = await db.selectFrom('jobs').selectAll().where('kind', '=', MAIL_DELIVER_JOB).where(sql`payload->>'outboxId'`, '=', String(row.outbox_id)).executeTakeFirstOrThrow();
    await deliver(job.payload, { ...job, attempts: 1 });
    const delivered = await db.selectFrom('breach_subjects').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    expect(delivered.status).toBe('sent');
    expect(delivered.sent_at).toBeInstanceOf(Date);
    expect(fs.readdirSync(path.join(dir, 'mail'))).toHaveLength(1);

    // A relay that refuses: the attempt and the error are on the person's row, still queued for a retry.
    const claire = await db.selectFrom('breach_subjects').selectAll().where('breach_id', '=', breach.id).where('email_key', '=', 'claire@example.fr').executeTakeFirstOrThrow();
    const down = { ...config, smtpUrl: `smtp://127.0.0.1:${await freePort()}` } as Config;
    const failing = createMailDeliveryHandler(db, down, createMailSender(down));
    const claireJob = await db.selectFrom('jobs').selectAll().where(sql`payload->>'outboxId'`, '=', String(claire.outbox_id)).executeTakeFirstOrThrow();
    await expect(failing(claireJob.payload, { ...claireJob, attempts: 1 })).rejects.toThrow();
    const retried = await db.selectFrom('breach_subjects').selectAll().where('id', '=', claire.id).executeTakeFirstOrThrow();
    expect(retried).toMatchObject({ status: 'queued', attempts: 1 });
    expect(retried.last_error).toMatch(/ECONNREFUSED/);
    await failing(claireJob.payload, { ...claireJob, attempts: claireJob.max_attempts }).catch(() => {});
    expect((await db.selectFrom('breach_subjects').select('status').where('id', '=', claire.id).executeTakeFirstOrThrow()).status).toBe('failed');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('records an Art. 34(3) exemption only with a written ground, and then sends nothing', async () => {
    const breach = await record({ risk: 'high', riskReasoning: 'Health data.' });
    expect((await refusal(recordExemption(db, { breachId: breach.id, exemption: 'protected', ground: '  ' }, actor()))).fieldErrors.ground).toBeDefined();
    await dbRefusal(db.updateTable('breaches').set({ art34_exemption: 'protected' }).where('id', '=', breach.id).execute(), /breaches_exemption_ground/);
    await recordExemption(db, { breachId: breach.id, exemption: 'protected', ground: 'The laptop disk was encrypted (AES-256) and the key was not with it.' }, actor());
    const exempt = await refusal(addSubjects(db, { breachId: breach.id, source: 'entered', addresses: 'x@example.org', defaultLang: 'en', from: null, to: null }, actor(), { timeZone: TZ }));
    expect(exempt.formError).toMatch(/exemption is recorded/);
  });
});

describe('reminders', () => {
  it('mail the DPO and the administrators once per reminder, and stop once the breach is filed', async () => {
    const breach = await record({}, at('2026-03-02T09:00:00Z'));
    const job = { breachId: breach.id, hoursBefore: 24, deadline: '2026-03-05T08:00:00.000Z' };
    const first = await sendBreachReminder(db, settings, job, at('2026-03-04T08:00:00Z'));
    const officers = await db.selectFrom('users').select('email').where((eb) => eb.or([eb('role', '=', 'admin'), eb('dpo', '=', true)])).execute();
    expect(first.sent).toBe(officers.length);
    const mails = await db.selectFrom('mail_outbox').selectAll().where('subject', '=', `Breach ${breach.reference}: 1 day left to notify the authority`).execute();
    expect(mails.map((m) => m.to_address).sort()).toEqual(officers.map((o) => o.email).sort());
    expect(mails.map((m) => m.to_address)).not.toContain(staff.email);
    expect(openOutboxMail(mails[0]!).text).toContain('Deadline: Thursday 5 March 2026, 08:00 Greenwich Mean Time (Europe/London)');
    // The job ran again (a retry, a second instance): nobody gets it twice.
    expect(await sendBreachReminder(db, settings, job, at('2026-03-04T08:05:00Z'))).toEqual({ sent: 0 });
    await file(breach.id, 'initial', at('2026-03-04T12:00:00Z'));
    expect(await sendBreachReminder(db, settings, { ...job, hoursBefore: 6 }, at('2026-03-05T02:00:00Z'))).toEqual({ sent: 0, skipped: 'settled' });
  });
});

describe('export, access and the audit trail', () => {
  it('exports the register as CSV and JSON, each export audited, with formulas made harmless', async () => {
    const breach = await record({ title: '=HYPERLINK("http://evil.example")' });
    const csv = await exportBreachRegister(db, actor(), 'csv', { timeZone: TZ });
    expect(csv.body.split('\r\n')[0]).toMatch(/^reference,title,detected_at,aware_at,awareness_reason,deadline,/);
    expect(csv.body).toContain(`${breach.reference},"'=HYPERLINK(""http://evil.example"")"`);
    expect(csv.body).toContain(',2026-03-02T08:00:00+00:00,');
    const json = JSON.parse((await exportBreachRegister(db, actor(), 'json', { timeZone: TZ })).body);
    const mine = json.breaches.find((b: { reference: string }) => b.reference === breach.reference);
    expect(mine).toMatchObject({ awareAt: '2026-03-02T08:00:00.000Z', deadline: '2026-03-05T08:00:00.000Z', risk: 'risk', notification: 'not yet notified: overdue' });
    const exports = await db.selectFrom('audit_events').select('details').where('action', '=', 'breach.register_exported').execute();
    expect(exports.map((e) => e.details.format)).toEqual(expect.arrayContaining(['csv', 'json']));
  });

  it('is kept by administrators and DPO staff only; losing the staff role ends the designation', async () => {
    expect(await isBreachOfficer(db, admin)).toBe(true);
    expect(await isBreachOfficer(db, dpo)).toBe(true);
    expect(await isBreachOfficer(db, staff)).toBe(false);
    const subject = await createUser(db);
    expect(await setBreachOfficer(db, { email: subject.email, dpo: true }, { id: admin.id })).toBe('not-staff');
    const temp = await createUser(db, { role: 'staff' });
    await setBreachOfficer(db, { email: temp.email, dpo: true }, { id: admin.id });
    expect(await isBreachOfficer(db, temp)).toBe(true);
    await setStaffRole(db, { actorId: admin.id, email: temp.email, staff: false, ip: null });
    await setStaffRole(db, { actorId: admin.id, email: temp.email, staff: true, ip: null });
    expect(await isBreachOfficer(db, { ...temp, role: 'staff' })).toBe(false);
  });

  it('audits every action on a breach, and the chain verifies', async () => {
    const breach = await record({ risk: 'high', riskReasoning: 'r' });
    await getBreachForStaff(db, actor(), breach.id);
    await file(breach.id, 'initial', at('2026-03-03T08:00:00Z'));
    await addSubjects(db, { breachId: breach.id, source: 'entered', addresses: 'one@example.org', defaultLang: 'en', from: null, to: null }, actor(), { timeZone: TZ });
    await saveDraft(db, { breachId: breach.id, lang: 'en', nature: 'n', consequences: 'c', measures: 'm' }, actor());
    await sendNotices(db, { breachId: breach.id }, actor(), { organisation: DEMO_ORGANISATION });
    const actions = (await db.selectFrom('audit_events').select(['action', 'actor_id']).where('target_type', '=', 'breach').where('target_id', '=', breach.id).orderBy('id').execute());
    expect(actions.map((a) => a.action)).toEqual([
      'breach.recorded',
      'breach.viewed',
      'breach.filed',
      'breach.subjects_added',
      'breach.notice_drafted',
      'breach.subjects_notified',
    ]);
    expect(actions.every((a) => a.actor_id === dpo.id)).toBe(true);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true });
  });
});
