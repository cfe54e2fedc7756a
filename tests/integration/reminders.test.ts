import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createJobHandlers, nextReminderRun, REMINDERS_JOB, scheduleReminders } from '../../app/models/job-handlers.server';
import { openOutboxMail } from '../../app/models/mail.server';
import { RETENTION_DEFAULTS, runRetention } from '../../app/models/retention.server';
import { sendDeadlineReminders, type ReminderSettings } from '../../app/models/requests/reminders.server';
import { actOnRequest, requestVersion } from '../../app/models/requests/staff.server';
import { confirmVerification } from '../../app/models/requests/verification.server';
import { todayIn } from '../../app/utils/calendar';
import { DEMO_ORGANISATION, loadConfig } from '../../app/utils/env.server';
import { createLogger } from '../../app/utils/logger.server';
import { createTestDb, type TestDb } from '../support/db';
import { fileRequest, rules } from '../support/requests';
import { startTestPortal } from '../support/portal';
import { createUser, type TestUser } from '../support/users';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.destroy();
});
// Each test starts from an empty queue and no staff: requests go, staff become subjects.
afterEach(async () => {
  await t.db.deleteFrom('requests').execute();
  await t.db.updateTable('users').set({ role: 'subject' }).where('role', 'in', ['staff', 'admin']).execute();
});

const settings: ReminderSettings = { publicUrl: rules.publicUrl, timeZone: rules.timeZone, reminders: { to: undefined } };
// Monday 5 October 2026, 10:00 in London.
const MONDAY = new Date('2026-10-05T09:00:00Z');
const DAY = 86_400_000;

async function verifiedRequest(receivedAt: string) {
  const at = new Date(`${receivedAt}T10:00:00Z`);
  const { request, verifyToken } = await fileRequest(t.db, {}, at);
  const result = await confirmVerification(t.db, verifyToken!, { rules, now: at });
  if (result.status !== 'verified') throw new Error(`not confirmed: ${result.status}`);
  return current(request.id);
}
const current = (id: string) => t.db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const act = (requestId: string, by: TestUser, action: Parameters<typeof actOnRequest>[1]['action'], now?: Date) =>
  actOnRequest(t.db, { requestId, action }, { id: by.id, ip: '127.0.0.1' }, { rules, organisation: DEMO_ORGANISATION, now });
async function assigned(receivedAt: string, to: TestUser) {
  const r = await verifiedRequest(receivedAt);
  await act(r.id, to, { intent: 'assign', assignee: to.id });
  return current(r.id);
}

/** The reminders queued so far (subjects' own mail left out), opened. */
async function reminders() {
  const rows = await t.db
    .selectFrom('mail_outbox')
    .select(['to_address', 'subject', 'text_body', 'html_body', 'headers'])
    .where((eb) => eb.or([eb('subject', 'like', 'Deadlines:%'), eb('subject', 'like', 'Privacy requests:%')]))
    .orderBy('id')
    .execute();
  return rows.map((m) => ({ to: m.to_address, subject: m.subject, text: openOutboxMail(m).text }));
}
const clearOutbox = () => t.db.deleteFrom('mail_outbox').execute();
const auditEvents = () => t.db.selectFrom('audit_events').select(['details', 'actor_id']).where('action', '=', 'reminders.sent').orderBy('id').execute();

describe('daily deadline reminders', () => {
  it('sends nothing when nothing is due, overdue or unassigned', async () => {
    await clearOutbox();
    const staff = await createUser(t.db, { role: 'staff' });
    await assigned('2026-09-26', staff); // due Monday 26 October: three weeks away
    const events = (await auditEvents()).length;
    const counts = await sendDeadlineReminders(t.db, settings, MONDAY);
    expect(counts).toMatchObject({ day: '2026-10-05', assignedMails: 0, teamMails: 0, overdue: 0, dueSoon: 0, unassigned: 0 });
    expect(await reminders()).toEqual([]);
    expect(await auditEvents()).toHaveLength(events);
    expect(await t.db.selectFrom('reminder_sends').selectAll().execute()).toEqual([]);
  });

  it('mails each person their own due and overdue requests, and the team the overdue and unassigned ones', async () => {
    await clearOutbox();
    const ann = await createUser(t.db, { role: 'staff' });
    const bob = await createUser(t.db, { role: 'staff' });
    const cat = await createUser(t.db, { role: 'admin' });
    const late = await assigned('2026-09-01', ann); // due Thu 1 October: overdue by 4 days
    const soon = await assigned('2026-09-08', ann); // due Thu 8 October: 3 days left
    const later = await assigned('2026-09-26', ann); // due Mon 26 October: not yet
    const today = await assigned('2026-09-05', bob); // Sat 5 September: due Mon 5 October
    const paused = await assigned('2026-09-02', ann); // due Fri 2 October, but waiting on the subject
    await act(paused.id, ann, { intent: 'start', version: requestVersion(paused) }, new Date('2026-09-03T10:00:00Z'));
    const started = await current(paused.id);
    await act(paused.id, ann, { intent: 'request_information', version: requestVersion(started), question: 'Which account?' }, new Date('2026-09-03T11:00:00Z'));
    expect((await current(paused.id)).state).toBe('awaiting_subject');
    const nobody = await verifiedRequest('2026-09-15'); // due Thu 15 October, unassigned
    expect([late.due_date, soon.due_date, later.due_date, today.due_date, nobody.due_date]).toEqual([
      '2026-10-01',
      '2026-10-08',
      '2026-10-26',
      '2026-10-05',
      '2026-10-15',
    ]);
    await clearOutbox();

    const counts = await sendDeadlineReminders(t.db, settings, MONDAY);
    expect(counts).toEqual({ day: '2026-10-05', assignedMails: 2, teamMails: 3, overdue: 1, dueSoon: 2, unassigned: 1 });
    const mails = await reminders();
    const to = (user: TestUser) => mails.filter((m) => m.to === user.email);

    const [annOwn, annTeam] = to(ann);
    expect(to(ann)).toHaveLength(2);
    expect(annOwn!.subject).toBe('Deadlines: 2 requests assigned to you, 1 overdue');
    expect(annOwn!.text).toContain(
      `${late.reference} · Access (Art. 15) · due Thursday 1 October 2026, end of day, Europe/London · overdue by 4 days · http://portal.test/staff/requests/${late.id}`,
    );
    expect(annOwn!.text).toContain(`${soon.reference} · Access (Art. 15) · due Thursday 8 October 2026, end of day, Europe/London · 3 days left`);
    expect(annOwn!.text).not.toContain(later.reference);
    expect(annOwn!.text).not.toContain(paused.reference);
    expect(annOwn!.text).not.toContain(today.reference);
    expect(annOwn!.text.indexOf(late.reference)).toBeLessThan(annOwn!.text.indexOf(soon.reference));

    const [bobOwn] = to(bob);
    expect(to(bob)).toHaveLength(2);
    expect(bobOwn!.subject).toBe('Deadlines: 1 request assigned to you');
    expect(bobOwn!.text).toContain(`${today.reference} · Access (Art. 15) · due Monday 5 October 2026, end of day, Europe/London · due today`);
    expect(bobOwn!.text).not.toContain(late.reference);

    // Nothing assigned to Cat: the team list only.
    expect(to(cat).map((m) => m.subject)).toEqual(['Privacy requests: 1 overdue, 1 unassigned']);
    const team = to(cat)[0]!.text;
    expect(annTeam!.text).toBe(team);
    expect(team).toContain(`${late.reference} · Access (Art. 15) · due Thursday 1 October 2026, end of day, Europe/London · overdue by 4 days · assigned to ${ann.email}`);
    expect(team).toContain(`${nobody.reference} · Access (Art. 15) · due Thursday 15 October 2026, end of day, Europe/London · 10 days left`);
    expect(team.indexOf('Overdue (1):')).toBeLessThan(team.indexOf('Not assigned to anyone (1):'));
    // The paused clock makes a past due date no failure, and due-soon is each person's own business.
    expect(team).not.toContain(paused.reference);
    expect(team).not.toContain(soon.reference);

    const [event] = (await auditEvents()).slice(-1);
    expect(event!.actor_id).toBeNull();
    expect(event!.details).toEqual(counts);
    expect(JSON.stringify(event!.details)).not.toContain('@');
  });

  it('mails each person once a day, however often and however many instances run it, and again the next day', async () => {
    await clearOutbox();
    const ann = await createUser(t.db, { role: 'staff' });
    const bob = await createUser(t.db, { role: 'staff' });
    await assigned('2026-09-08', ann);
    await verifiedRequest('2026-09-15');
    await clearOutbox();
    const events = (await auditEvents()).length;

    const tuesday = new Date(MONDAY.getTime() + DAY);
    const first = await sendDeadlineReminders(t.db, settings, tuesday);
    const again = await sendDeadlineReminders(t.db, settings, new Date(tuesday.getTime() + 3 * 3600_000));
    expect(first).toMatchObject({ assignedMails: 1, teamMails: 2 });
    expect(again).toMatchObject({ assignedMails: 0, teamMails: 0 });
    const perPerson = async () => {
      const mails = await reminders();
      return [ann, bob].map((u) => mails.filter((m) => m.to === u.email).length);
    };
    expect(await perPerson()).toEqual([2, 1]);
    expect(await auditEvents()).toHaveLength(events + 1);

    // Two instances at once on the next day: one of them sends.
    const wednesday = new Date(tuesday.getTime() + DAY);
    const both = await Promise.all([sendDeadlineReminders(t.db, settings, wednesday), sendDeadlineReminders(t.db, settings, wednesday)]);
    expect(both.map((c) => c.assignedMails + c.teamMails).sort()).toEqual([0, 3]);
    expect(await perPerson()).toEqual([4, 2]);
    expect(await auditEvents()).toHaveLength(events + 2);
    const days = await t.db.selectFrom('reminder_sends').select([sql<string>`day::text`.as('day'), 'kind']).where('recipient', '=', ann.email).orderBy('day').orderBy('kind').execute();
    expect(days).toEqual([
      { day: '2026-10-06', kind: 'assigned' },
      { day: '2026-10-06', kind: 'team' },
      { day: '2026-10-07', kind: 'assigned' },
      { day: '2026-10-07', kind: 'team' },
    ]);
  });

  it('sends the team list to REMINDERS_TO instead of every staff account', async () => {
    await clearOutbox();
    const ann = await createUser(t.db, { role: 'staff' });
    const bob = await createUser(t.db, { role: 'admin' });
    await assigned('2026-09-01', ann); // overdue
    await clearOutbox();
    const counts = await sendDeadlineReminders(t.db, { ...settings, reminders: { to: 'privacy-team@example.test' } }, new Date(MONDAY.getTime() + 5 * DAY));
    expect(counts).toMatchObject({ assignedMails: 1, teamMails: 1, overdue: 1 });
    const mails = await reminders();
    expect(mails.map((m) => [m.to, m.subject.split(':')[0]])).toEqual([
      [ann.email, 'Deadlines'],
      ['privacy-team@example.test', 'Privacy requests'],
    ]);
    expect(mails.some((m) => m.to === bob.email)).toBe(false);
  });

  it('forgets who was reminded when 30 days have passed (the daily retention run)', async () => {
    const sends = () => t.db.selectFrom('reminder_sends').select('recipient').execute();
    expect((await sends()).length).toBeGreaterThan(0);
    expect((await runRetention(t.db, RETENTION_DEFAULTS, new Date(Date.now() + 29 * DAY))).oldReminderSends).toBe(0);
    const { oldReminderSends } = await runRetention(t.db, RETENTION_DEFAULTS, new Date(Date.now() + 31 * DAY));
    expect(oldReminderSends).toBeGreaterThan(0);
    expect(await sends()).toEqual([]);
  });
});

describe('the reminders job', () => {
  const config = (env: Record<string, string> = {}) =>
    loadConfig({ NODE_ENV: 'test', DATA_DIR: 'memory-unused', SESSION_SECRET: 'x'.repeat(32), EXPORT_KEY: 'y'.repeat(32), BACKUP_KEY: 'z'.repeat(32), CONNECTOR_KEY: 'w'.repeat(32), ...env });

  it('reads REMINDERS_* with one-line errors, and is off by default only under NODE_ENV=test', () => {
    expect(config().reminders).toEqual({ enabled: false, hour: 8, to: undefined });
    expect(config({ NODE_ENV: 'development' }).reminders.enabled).toBe(true);
    expect(config({ REMINDERS_ENABLED: 'on', REMINDERS_HOUR: '6', REMINDERS_TO: 'team@example.test' }).reminders).toEqual({
      enabled: true,
      hour: 6,
      to: 'team@example.test',
    });
    expect(() => config({ REMINDERS_HOUR: '24' })).toThrow('Invalid configuration: REMINDERS_HOUR must be a whole hour from 0 to 23');
    expect(() => config({ REMINDERS_HOUR: 'eight' })).toThrow('Invalid configuration: REMINDERS_HOUR must be a whole hour from 0 to 23');
    expect(() => config({ REMINDERS_ENABLED: 'maybe' })).toThrow('Invalid configuration: REMINDERS_ENABLED must be on or off');
    expect(() => config({ REMINDERS_TO: 'not-an-address' })).toThrow('Invalid configuration: REMINDERS_TO must be an email address');
  });

  it('runs at REMINDERS_HOUR local time, queued once per day by any number of instances, and queues the next day', async () => {
    const on = config({ REMINDERS_ENABLED: 'on', REMINDERS_HOUR: '7', PORTAL_TIMEZONE: 'Europe/Berlin' });
    // 23:30 UTC on 24 October is 01:30 on the 25th in Berlin, the night summer time ends: 07:00 CET is 06:00 UTC.
    expect(nextReminderRun(on, new Date('2026-10-24T23:30:00Z')).toISOString()).toBe('2026-10-26T06:00:00.000Z');
    expect(nextReminderRun(on, new Date('2026-10-24T12:00:00Z')).toISOString()).toBe('2026-10-25T06:00:00.000Z');

    const at = new Date('2030-01-10T06:00:00Z');
    await Promise.all([scheduleReminders(t.db, on, at), scheduleReminders(t.db, on, at), scheduleReminders(t.db, on, at)]);
    await scheduleReminders(t.db, config(), at); // disabled: nothing
    const jobs = await t.db.selectFrom('jobs').select(['run_at', 'dedupe_key']).where('kind', '=', REMINDERS_JOB).execute();
    expect(jobs).toEqual([{ run_at: at, dedupe_key: `${REMINDERS_JOB}:2030-01-10` }]);

    // The handler sends today's reminders and queues tomorrow's run.
    const staff = await createUser(t.db, { role: 'staff' });
    await verifiedRequest('2026-09-15');
    await clearOutbox();
    const logger = createLogger({ level: 'silent' });
    await createJobHandlers({ db: t.db, config: on, logger })[REMINDERS_JOB]!({}, {} as never);
    expect((await reminders()).map((m) => m.to)).toEqual([staff.email]);
    const next = nextReminderRun(on, new Date());
    const queued = await t.db.selectFrom('jobs').select('run_at').where('dedupe_key', '=', `${REMINDERS_JOB}:${next.toISOString().slice(0, 10)}`).executeTakeFirst();
    expect(queued?.run_at).toEqual(next);
  });

  it('is queued at start-up and run by the worker, which queues the next day', async () => {
    // Hour 0 has passed today: the portal catches up at once.
    const portal = await startTestPortal({ REMINDERS_ENABLED: 'on', REMINDERS_HOUR: '0' });
    try {
      const jobs = () => portal.db.selectFrom('jobs').select(['state', 'dedupe_key']).where('kind', '=', REMINDERS_JOB).orderBy('run_at').execute();
      const deadline = Date.now() + 20_000;
      while ((await jobs()).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      const today = todayIn('Europe/London');
      const config = { timeZone: 'Europe/London', reminders: { enabled: true, hour: 0, to: undefined } };
      const tomorrow = todayIn('Europe/London', nextReminderRun(config, new Date()));
      const rows = await jobs();
      expect(rows.map((j) => j.dedupe_key)).toEqual([`${REMINDERS_JOB}:${today}`, `${REMINDERS_JOB}:${tomorrow}`]);
      expect(rows[1]!.state).toBe('pending');
    } finally {
      await portal.stop();
    }
  });
});
