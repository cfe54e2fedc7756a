import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createJobHandlers } from '../../app/models/job-handlers.server';
import { runDueJobs } from '../../app/models/jobs.server';
import { VERIFICATION_CODE, VERIFICATION_LEVEL_POLICY } from '../../app/models/policy';
import { attestAuthority } from '../../app/models/requests/authority.server';
import { storeAttachment } from '../../app/models/requests/attachments.server';
import { confirmSignedIn, enterVerificationCode, recordIdentityCheck, sendVerificationCode } from '../../app/models/requests/identity.server';
import { requestPolicy, type RequestPolicy } from '../../app/models/requests/policy';
import { createRequest } from '../../app/models/requests/requests.server';
import { actOnRequest, requestVersion, staffActionSchema } from '../../app/models/requests/staff.server';
import { getSubjectStatus } from '../../app/models/requests/status.server';
import { BelowLevelError, transitionRequest } from '../../app/models/requests/transitions.server';
import { confirmVerification } from '../../app/models/requests/verification.server';
import { loadConfig } from '../../app/utils/env.server';
import { createLogger } from '../../app/utils/logger.server';
import { createTestDb, type TestDb } from '../support/db';
import { intakeInput, SAMPLE_FILES } from '../support/requests';
import { startSmtpServer, type TestSmtp } from '../support/smtp';
import { createUser, uniqueEmail, type TestUser } from '../support/users';

/**
 * Issue 21.3-21.5 on a real database (PGlite, or PostgreSQL with DATABASE_URL) and a real SMTP
 * server: each level blocks, then allows, `start`; codes are stored as an HMAC, expire and
 * count attempts; a manual check deletes the documents shown; an ID copy needs a reason; an
 * agent's request is verified by the check of the authorisation, which is then deleted.
 */
let t: TestDb;
let smtp: TestSmtp;
let rules: RequestPolicy;
let config: ReturnType<typeof loadConfig>;
let run: () => Promise<unknown>;
let staff: TestUser;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-levels-'));
const logger = createLogger({ level: 'silent' });

beforeAll(async () => {
  t = await createTestDb();
  smtp = await startSmtpServer();
  config = loadConfig({ DATA_DIR: dataDir, PUBLIC_URL: 'https://privacy.example.org', SMTP_URL: smtp.url, PORTAL_TIMEZONE: 'Europe/London' });
  rules = requestPolicy(config);
  const handlers = createJobHandlers({ db: t.db, config, logger });
  run = () => runDueJobs(t.db, handlers, logger, { limit: 50 });
  staff = await createUser(t.db, { role: 'staff' });
});
afterEach(() => {
  smtp.messages.splice(0);
});
afterAll(async () => {
  await smtp?.close();
  await t?.destroy();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const current = (id: string) => t.db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const start = (id: string, r: RequestPolicy = rules) => transitionRequest(t.db, { requestId: id, action: 'start', actor: { kind: 'staff', id: staff.id } }, { rules: r });
const mailTo = (address: string) => smtp.messages.filter((m) => (m.to && 'text' in m.to ? m.to.text : '') === address);
const eventKinds = async (id: string) => (await t.db.selectFrom('request_events').select('kind').where('request_id', '=', id).orderBy('id').execute()).map((e) => e.kind);
const audits = (id: string, action: string) => t.db.selectFrom('audit_events').select(['actor_id', 'details']).where('action', '=', action).where('target_id', '=', id).orderBy('id').execute();

async function fileAndConfirm(overrides: Parameters<typeof intakeInput>[0] & { lang?: 'en' | 'de' | 'fr' }, r: RequestPolicy = rules) {
  const created = await createRequest(t.db, intakeInput(overrides), { rules: r, exportKey: config.secrets.exportKey });
  if (created.outcome !== 'created') throw new Error('not created');
  const done = await confirmVerification(t.db, created.verifyToken!, { rules: r });
  if (done.status !== 'verified') throw new Error('not verified');
  return current(created.request.id);
}

describe('verification levels', () => {
  it('email: a rectification with no account starts once the link is confirmed, and the level is on the timeline and in the audit', async () => {
    const r = await fileAndConfirm({ type: 'rectification' });
    expect(r.verification_level).toBe('email');
    expect(await eventKinds(r.id)).toContain('level_reached');
    expect(await audits(r.id, 'request.level_reached')).toEqual([expect.objectContaining({ details: { level: 'email', how: 'the email link' } })]);
    expect((await start(r.id)).state).toBe('in_progress');
  });

  it('account: access for an address with an account is refused until confirmed signed in; the subject is told how, in German', async () => {
    const owner = await createUser(t.db, { role: 'subject' });
    const other = await createUser(t.db, { role: 'subject' });
    const r = await fileAndConfirm({ type: 'access', email: owner.email, lang: 'de' });
    await expect(start(r.id)).rejects.toBeInstanceOf(BelowLevelError);
    expect((await current(r.id)).state).toBe('open');
    // The confirmation mail says, in the subject's language, what will raise it.
    await run();
    const confirmed = mailTo(owner.email).find((m) => m.subject?.includes('bestätigt'));
    expect(confirmed?.text).toContain('angemeldet in Ihrem Konto mit dieser Adresse bestätigen');
    // So does the status page.
    const status = await getSubjectStatus(t.db, await current(r.id), rules);
    expect(status.identity).toEqual({ step: 'sign_in', email: owner.email, forAnotherPerson: false });
    // Another account cannot raise it; the owner's can, and the request becomes theirs.
    expect(await confirmSignedIn(t.db, { requestId: r.id, userId: other.id, ip: null }, { rules })).toBe('not_yours');
    expect(await confirmSignedIn(t.db, { requestId: r.id, userId: owner.id, ip: '192.0.2.1' }, { rules })).toBe('confirmed');
    const raised = await current(r.id);
    expect(raised).toMatchObject({ verification_level: 'account', user_id: owner.id });
    expect((await audits(r.id, 'request.level_reached')).at(-1)).toMatchObject({ actor_id: owner.id, details: { level: 'account' } });
    expect((await getSubjectStatus(t.db, raised, rules)).identity).toBeNull();
    expect((await start(r.id)).state).toBe('in_progress');
  });

  it('account: a request filed signed in to the account of its address reaches account at once', async () => {
    const owner = await createUser(t.db, { role: 'subject' });
    const created = await createRequest(t.db, { ...intakeInput({ type: 'erasure', email: owner.email }), userId: owner.id }, { rules });
    if (created.outcome !== 'created') throw new Error('not created');
    expect((await current(created.request.id)).verification_level).toBe('account');
    expect((await start(created.request.id)).state).toBe('in_progress');
  });

  it('account+code: the code is mailed, stored only as an HMAC, expires, and dies after too many wrong tries', async () => {
    const codeRules: RequestPolicy = { ...rules, verificationLevels: { ...VERIFICATION_LEVEL_POLICY, portability: { withAccount: 'account+code', withoutAccount: 'email' } } };
    const owner = await createUser(t.db, { role: 'subject' });
    const r = await fileAndConfirm({ type: 'portability', email: owner.email, lang: 'fr' }, codeRules);
    const ids = { requestId: r.id, userId: owner.id, ip: null };
    // A code is not offered before the account step.
    expect((await sendVerificationCode(t.db, ids, { rules: codeRules })).status).toBe('not_needed');
    expect(await confirmSignedIn(t.db, ids, { rules: codeRules })).toBe('confirmed');
    await expect(start(r.id, codeRules)).rejects.toBeInstanceOf(BelowLevelError);
    expect((await getSubjectStatus(t.db, await current(r.id), codeRules)).identity?.step).toBe('code');

    const t0 = new Date();
    const first = await sendVerificationCode(t.db, ids, { rules: codeRules, now: t0 });
    if (first.status !== 'sent') throw new Error('no code');
    expect(first.code).toMatch(new RegExp(`^\\d{${VERIFICATION_CODE.digits}}$`));
    await run();
    const mail = mailTo(owner.email).find((m) => m.subject?.includes('code à usage unique'));
    expect(mail?.text).toContain(first.code);
    const stored = await t.db.selectFrom('verification_codes').selectAll().where('request_id', '=', r.id).execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.code_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(first.code);
    // Expired after its lifetime.
    const late = new Date(t0.getTime() + (VERIFICATION_CODE.lifetimeMinutes + 1) * 60_000);
    expect(await enterVerificationCode(t.db, { ...ids, code: first.code }, { rules: codeRules, now: late })).toBe('expired');

    // A new code voids the first; wrong tries count, and the last one locks it even for the right code.
    const second = await sendVerificationCode(t.db, ids, { rules: codeRules });
    if (second.status !== 'sent') throw new Error('no code');
    expect(await enterVerificationCode(t.db, { ...ids, code: first.code === second.code ? '00000000' : first.code }, { rules: codeRules })).toBe('wrong');
    for (let i = 2; i < VERIFICATION_CODE.maxAttempts; i++) expect(await enterVerificationCode(t.db, { ...ids, code: 'x' }, { rules: codeRules })).toBe('wrong');
    expect(await enterVerificationCode(t.db, { ...ids, code: 'x' }, { rules: codeRules })).toBe('locked');
    expect(await enterVerificationCode(t.db, { ...ids, code: second.code }, { rules: codeRules })).toBe('locked');
    expect((await audits(r.id, 'request.code_failed')).length).toBe(VERIFICATION_CODE.maxAttempts);
    await expect(start(r.id, codeRules)).rejects.toBeInstanceOf(BelowLevelError);

    // The third code of the hour is the last; another account's code is refused.
    const third = await sendVerificationCode(t.db, ids, { rules: codeRules });
    if (third.status !== 'sent') throw new Error('no code');
    expect((await sendVerificationCode(t.db, ids, { rules: codeRules })).status).toBe('limited');
    const stranger = await createUser(t.db, { role: 'subject' });
    expect(await enterVerificationCode(t.db, { ...ids, userId: stranger.id, code: third.code }, { rules: codeRules })).toBe('not_yours');
    expect(await enterVerificationCode(t.db, { ...ids, code: ` ${third.code.slice(0, 4)} ${third.code.slice(4)} ` }, { rules: codeRules })).toBe('confirmed');
    expect((await current(r.id)).verification_level).toBe('account+code');
    expect((await start(r.id, codeRules)).state).toBe('in_progress');
  });

  it('manual: staff record how they checked; the document shown is gone from the database; start is then allowed', async () => {
    const manualRules: RequestPolicy = { ...rules, verificationLevels: { ...VERIFICATION_LEVEL_POLICY, objection: { withAccount: 'manual', withoutAccount: 'manual' } } };
    const r = await fileAndConfirm({ type: 'objection' }, manualRules);
    await expect(start(r.id, manualRules)).rejects.toBeInstanceOf(BelowLevelError);
    expect((await getSubjectStatus(t.db, r, manualRules)).identity?.step).toBe('staff');
    const event = await t.db.selectFrom('request_events').select('id').where('request_id', '=', r.id).orderBy('id').executeTakeFirstOrThrow();
    const doc = await storeAttachment(t.db, { requestId: r.id, eventId: event.id, filename: 'passport.png', bytes: SAMPLE_FILES.png, contentType: 'image/png' }, config.secrets.exportKey);
    const docId = String((doc as { id: string }).id);
    const other = await fileAndConfirm({ type: 'objection' }, manualRules);
    const otherEvent = await t.db.selectFrom('request_events').select('id').where('request_id', '=', other.id).orderBy('id').executeTakeFirstOrThrow();
    const otherDoc = await storeAttachment(t.db, { requestId: other.id, eventId: otherEvent.id, filename: 'other.png', bytes: SAMPLE_FILES.png, contentType: 'image/png' }, config.secrets.exportKey);
    // Another request's file cannot be named (nothing is recorded, nothing deleted).
    await expect(
      recordIdentityCheck(t.db, { requestId: r.id, version: requestVersion(await current(r.id)), method: 'document_seen_video', note: 'Seen on a call', documentIds: [String((otherDoc as { id: string }).id)] }, { id: staff.id, ip: null }),
    ).rejects.toThrow(/not one of this request/);
    expect(await t.db.selectFrom('request_attachments').select('id').where('request_id', '=', other.id).execute()).toHaveLength(1);

    const result = await recordIdentityCheck(
      t.db,
      { requestId: r.id, version: requestVersion(await current(r.id)), method: 'document_seen_video', note: 'Passport seen on a video call; name matches.', documentIds: [docId] },
      { id: staff.id, ip: '192.0.2.9' },
    );
    expect(result.documentsDeleted).toBe(1);
    expect(await t.db.selectFrom('request_attachments').select('id').where('id', '=', docId).execute()).toEqual([]);
    const check = await t.db.selectFrom('identity_checks').selectAll().where('request_id', '=', r.id).executeTakeFirstOrThrow();
    expect(check).toMatchObject({ purpose: 'identity', method: 'document_seen_video', checked_by: staff.id, documents_deleted: 1 });
    expect(check.checked_at).toBeInstanceOf(Date);
    expect((await audits(r.id, 'request.identity_checked'))[0]).toMatchObject({ actor_id: staff.id, details: { method: 'document_seen_video', documentsDeleted: 1 } });
    expect((await current(r.id)).verification_level).toBe('manual');
    expect((await start(r.id, manualRules)).state).toBe('in_progress');
  });

  it('an ID copy can be asked for only with a reason for the request type, which is recorded', async () => {
    const question = 'Please send us a copy of your passport.';
    const base = { intent: 'request_information', version: 'v', question };
    const bare = staffActionSchema.safeParse(base);
    expect(bare.success).toBe(false);
    expect(bare.error?.issues.map((i) => i.path.join('.'))).toContain('idCopy');
    const noReason = staffActionSchema.safeParse({ ...base, idCopy: 'yes' });
    expect(noReason.error?.issues.map((i) => i.path.join('.'))).toContain('idCopyReason');
    expect(staffActionSchema.safeParse({ ...base, question: 'Which account number do you mean?' }).success).toBe(true);
    expect(staffActionSchema.safeParse({ ...base, question: 'Bitte senden Sie eine Kopie Ihres Personalausweises.' }).success).toBe(false);

    const r = await fileAndConfirm({ type: 'rectification' });
    await start(r.id);
    const reason = 'The account holds no other detail to match: the name on the account must be compared.';
    const parsed = staffActionSchema.parse({ ...base, version: requestVersion(await current(r.id)), idCopy: 'yes', idCopyReason: reason });
    await actOnRequest(t.db, { requestId: r.id, action: parsed }, { id: staff.id, ip: null }, { rules, organisation: config.organisation });
    const events = await t.db.selectFrom('request_events').select(['kind', 'note', 'visible_to_subject']).where('request_id', '=', r.id).where('kind', '=', 'id_copy_reason').execute();
    expect(events).toEqual([{ kind: 'id_copy_reason', note: expect.stringContaining(reason), visible_to_subject: false }]);
    expect((await audits(r.id, 'request.request_information'))[0]).toMatchObject({ details: { idCopy: true, type: 'rectification' } });
  });

  it('agent: the request for another person is refused until the authorisation is checked; the document is then deleted, and the subject was told', async () => {
    const subject = await createUser(t.db, { role: 'subject', email: uniqueEmail('subject') });
    const agentEmail = uniqueEmail('agent');
    const created = await createRequest(
      t.db,
      {
        ...intakeInput({ type: 'access', email: agentEmail, requesterRole: 'representative', subjectName: 'Sam Subject', subjectEmail: subject.email, agentRelationship: 'lawyer' }),
        lang: 'de',
        authorisation: { filename: 'vollmacht.png', bytes: SAMPLE_FILES.png, contentType: 'image/png' },
      },
      { rules, exportKey: config.secrets.exportKey },
    );
    if (created.outcome !== 'created') throw new Error('not created');
    await run();
    // The subject hears of the request made for them (issue 24's mail, in the request's language).
    const told = mailTo(subject.email);
    expect(told).toHaveLength(1);
    expect(told[0]!.text).toContain('in Ihrem Namen gestellt');
    await confirmVerification(t.db, created.verifyToken!, { rules });
    const r = await current(created.request.id);
    await expect(start(r.id)).rejects.toBeInstanceOf(BelowLevelError);
    expect((await getSubjectStatus(t.db, r, rules)).identity).toMatchObject({ forAnotherPerson: true });
    expect(await t.db.selectFrom('request_attachments').select('id').where('request_id', '=', r.id).execute()).toHaveLength(1);

    await attestAuthority(t.db, { requestId: r.id, version: requestVersion(r), documentKind: 'power_of_attorney', document: 'Power of attorney of 1 March 2026' }, { id: staff.id, ip: null });
    expect(await t.db.selectFrom('request_attachments').select('id').where('request_id', '=', r.id).execute()).toEqual([]);
    expect(await t.db.selectFrom('identity_checks').select(['purpose', 'method', 'checked_by', 'documents_deleted']).where('request_id', '=', r.id).execute()).toEqual([
      { purpose: 'authority', method: 'power_of_attorney', checked_by: staff.id, documents_deleted: 1 },
    ]);
    expect((await audits(r.id, 'request.level_reached')).at(-1)).toMatchObject({ actor_id: staff.id, details: { level: 'manual' } });
    expect((await start(r.id)).state).toBe('in_progress');
  });
});
