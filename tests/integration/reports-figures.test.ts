import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildReportCells } from '../../app/models/reports/cells.server';
import { parsePeriod } from '../../app/models/reports/period';
import { computeReport, type ReportQuery } from '../../app/models/reports/report.server';
import { actOnRequest, requestVersion, type StaffAction } from '../../app/models/requests/staff.server';
import { transitionRequest, withdrawRequest } from '../../app/models/requests/transitions.server';
import { confirmVerification } from '../../app/models/requests/verification.server';
import { DEMO_ORGANISATION } from '../../app/utils/env.server';
import { createTestDb, type TestDb } from '../support/db';
import { fileRequest, rules } from '../support/requests';
import { createUser, type TestUser } from '../support/users';

/**
 * A year of requests whose every figure was worked out by hand (Europe/London, no holidays),
 * driven through the real intake, verification and staff actions with their clocks set, so the
 * figures come out of report_cells as the trigger kept them. The sums are in the comments.
 *
 *   R1  rectification  verified Thu 20 Mar        due Mon 21 Apr (20 Apr is a Sunday)   completed 10 Apr: 21 days of 32, 66%
 *   R2  restriction    verified Fri 2 May         due Mon 2 Jun                           completed 4 Jun: LATE, 33 of 31, 107%; channel set to email
 *   R3  objection      verified Mon 2 Jun         paused 10 Jun–20 Jun (10 days): due Mon 14 Jul; extended 1 month on 25 Jun:
 *                                                 due Tue 12 Aug; completed ON 12 Aug, objection rejected: 71 of 71, 100%, on time
 *   R4  erasure        verified Tue 1 Jul         due Fri 1 Aug                           refused 15 Jul (erasure exemption): 14 of 31, 46%
 *   R5  access         verified Mon 1 Sep         due Wed 1 Oct                           refused 3 Oct: LATE (unfounded): 32 of 30, 107%
 *   R6  portability    verified Wed 10 Sep        due Fri 10 Oct; paused 1 Oct, refused while paused 20 Oct (19 days
 *                                                 paused: due Wed 29 Oct): on time (identity), 40 of 49, 82%
 *   R7  rectification  verified 3 Nov, withdrawn 5 Nov
 *   R8  access         filed 1 Dec, never confirmed, expired 8 Dec
 *   R9  rectification  verified 25 Oct 23:30 UTC = Sun 26 Oct 00:30 BST (the night clocks go back): due Wed 26 Nov;
 *                                                 completed 25 Nov 23:30 UTC = 25 Nov GMT: 30 of 31 days, 97% (31 in UTC dates)
 *   R10 restriction    verified Mon 16 Jun        due Wed 16 Jul                          completed 30 Jun 23:30 UTC = 1 Jul 00:30 BST:
 *                                                 counted in July, 15 of 30, 50%
 *   R11 rectification  verified Fri 20 Dec 2024   due Mon 20 Jan                          completed 10 Jan: 21 of 31, 68%
 *   R12 erasure        filed 31 Dec 23:00 GMT, verified 2 Jan 2026: received in 2025, verified in 2026, open
 *   R13 objection      verified Mon 1 Dec         due Thu 1 Jan 2026                      in progress: overdue on 15 Jan 2026
 *   R14 portability    verified Mon 5 Jan 2026    paused 10 Jan 2026, still waiting on the subject: counted only in
 *                                                 the work open now (and the backlog counts back past it)
 *
 * R1 and R2 are assigned to staff member A, R13 and R14 to B. "Today" is Thursday 15 January 2026.
 */

let t: TestDb;
let staffA: TestUser;
let staffB: TestUser;
const TODAY = new Date('2026-01-15T12:00:00Z');
const ids: Record<string, string> = {};

const at = (iso: string) => new Date(iso);

async function file(name: string, type: string, filedAt: string, verifiedAt: string | null) {
  const { request, verifyToken } = await fileRequest(t.db, { type: type as never }, at(filedAt));
  ids[name] = request.id;
  if (verifiedAt) {
    const result = await confirmVerification(t.db, verifyToken!, { rules, now: at(verifiedAt) });
    if (result.status !== 'verified') throw new Error(`${name} not verified: ${result.status}`);
  }
}

async function act(name: string, when: string, action: Record<string, unknown> & { intent: string }, staff = staffB) {
  const request = await t.db.selectFrom('requests').selectAll().where('id', '=', ids[name]!).executeTakeFirstOrThrow();
  await actOnRequest(
    t.db,
    { requestId: request.id, action: { version: requestVersion(request), ...action } as StaffAction },
    { id: staff.id, ip: null },
    { rules, organisation: DEMO_ORGANISATION, now: at(when) },
  );
}

const report = (period: string, filter: Omit<ReportQuery, 'period'> = {}, custom?: { from: string; to: string }) =>
  computeReport(t.db, { period: parsePeriod(period, custom), ...filter }, { timeZone: 'Europe/London', now: TODAY });

beforeAll(async () => {
  t = await createTestDb();
  staffA = await createUser(t.db, { role: 'staff' });
  staffB = await createUser(t.db, { role: 'staff' });
  // Built before the first request, so every figure below is the trigger's work.
  await rebuildReportCells(t.db, 'Europe/London');

  await file('R11', 'rectification', '2024-12-20T10:00:00Z', '2024-12-20T10:00:00Z');
  await act('R11', '2024-12-20T11:00:00Z', { intent: 'start' });
  await act('R11', '2025-01-10T10:00:00Z', { intent: 'complete', outcome: 'rectified', answer: 'Corrected.' });

  await file('R1', 'rectification', '2025-03-20T10:00:00Z', '2025-03-20T10:00:00Z');
  await act('R1', '2025-03-20T11:00:00Z', { intent: 'assign', assignee: staffA.id });
  await act('R1', '2025-03-21T10:00:00Z', { intent: 'start' }, staffA);
  await act('R1', '2025-04-10T12:00:00Z', { intent: 'complete', outcome: 'rectified', answer: 'Corrected.' }, staffA);

  await file('R2', 'restriction', '2025-05-02T09:00:00Z', '2025-05-02T09:00:00Z');
  await act('R2', '2025-05-02T10:00:00Z', { intent: 'assign', assignee: staffA.id });
  await act('R2', '2025-05-05T10:00:00Z', { intent: 'start' }, staffA);
  await act('R2', '2025-06-04T09:00:00Z', { intent: 'complete', outcome: 'restricted', answer: 'Restricted.' }, staffA);

  await file('R3', 'objection', '2025-06-02T09:00:00Z', '2025-06-02T09:00:00Z');
  await act('R3', '2025-06-02T10:00:00Z', { intent: 'start' });
  await act('R3', '2025-06-10T09:00:00Z', { intent: 'request_information', question: 'Which processing?' });
  await act('R3', '2025-06-20T09:00:00Z', { intent: 'resume' });
  await act('R3', '2025-06-25T09:00:00Z', { intent: 'extend', months: 1, extensionReason: 'Complex balancing test.' });
  await act('R3', '2025-08-12T16:00:00Z', { intent: 'complete', outcome: 'objection_rejected', answer: 'Compelling grounds.' });

  await file('R10', 'restriction', '2025-06-16T09:00:00Z', '2025-06-16T09:00:00Z');
  await act('R10', '2025-06-16T10:00:00Z', { intent: 'start' });
  await act('R10', '2025-06-30T23:30:00Z', { intent: 'complete', outcome: 'restricted', answer: 'Restricted.' });

  await file('R4', 'erasure', '2025-07-01T08:00:00Z', '2025-07-01T08:00:00Z');
  await act('R4', '2025-07-01T09:00:00Z', { intent: 'start' });
  await act('R4', '2025-07-15T10:00:00Z', { intent: 'deny', refusalGround: 'erasure_exemption', denialReason: 'Legal obligation to keep invoices.' });

  await file('R5', 'access', '2025-09-01T09:00:00Z', '2025-09-01T09:00:00Z');
  await act('R5', '2025-09-02T09:00:00Z', { intent: 'start' });
  await act('R5', '2025-10-03T09:00:00Z', { intent: 'deny', refusalGround: 'unfounded_or_excessive', denialReason: 'Fifth identical request this month.' });

  await file('R6', 'portability', '2025-09-10T09:00:00Z', '2025-09-10T09:00:00Z');
  await act('R6', '2025-09-10T10:00:00Z', { intent: 'start' });
  await act('R6', '2025-10-01T09:00:00Z', { intent: 'request_information', question: 'Please confirm the account.' });
  await act('R6', '2025-10-20T09:00:00Z', { intent: 'deny', refusalGround: 'identity_not_established', denialReason: 'No answer.' });

  await file('R9', 'rectification', '2025-10-25T23:30:00Z', '2025-10-25T23:30:00Z');
  await act('R9', '2025-10-27T10:00:00Z', { intent: 'start' });
  await act('R9', '2025-11-25T23:30:00Z', { intent: 'complete', outcome: 'rectified', answer: 'Corrected.' });

  await file('R7', 'rectification', '2025-11-03T10:00:00Z', '2025-11-03T10:00:00Z');
  await withdrawRequest(t.db, { requestId: ids.R7! }, { rules, now: at('2025-11-05T10:00:00Z') });

  await file('R8', 'access', '2025-12-01T10:00:00Z', null);
  await transitionRequest(t.db, { requestId: ids.R8!, action: 'expire', actor: { kind: 'system' } }, { rules, now: at('2025-12-08T10:00:00Z') });

  await file('R13', 'objection', '2025-12-01T10:00:00Z', '2025-12-01T10:00:00Z');
  await act('R13', '2025-12-01T11:00:00Z', { intent: 'assign', assignee: staffB.id });
  await act('R13', '2025-12-02T10:00:00Z', { intent: 'start' });

  await file('R12', 'erasure', '2025-12-31T23:00:00Z', '2026-01-02T10:00:00Z');

  await file('R14', 'portability', '2026-01-05T10:00:00Z', '2026-01-05T10:00:00Z');
  await act('R14', '2026-01-05T11:00:00Z', { intent: 'assign', assignee: staffB.id });
  await act('R14', '2026-01-06T10:00:00Z', { intent: 'start' });
  await act('R14', '2026-01-10T10:00:00Z', { intent: 'request_information', question: 'Which account?' });

  // Issue 21 lets staff log requests from other channels; until then, as it would set it.
  await t.db.updateTable('requests').set({ channel: 'email' }).where('id', '=', ids.R2!).execute();
}, 120_000);

afterAll(async () => {
  await t?.destroy();
});

describe('the report of a hand-computed year', () => {
  it('counts every figure of 2025 as worked out by hand', async () => {
    const r = await report('2025');
    expect(r.totals).toMatchObject({
      received: 12, // R1–R10, R12, R13 (R11 was filed in 2024)
      verified: 10, // not R8 (never), R11 (2024), R12 (2026)
      expired: 1,
      withdrawn: 1,
      extended: 1,
      completed: 6, // R1, R2, R3, R9, R10, R11
      completedOnTime: 5,
      completedLate: 1, // R2
      refused: 3, // R4, R5, R6
      refusedOnTime: 2,
      refusedLate: 1, // R5
      answered: 9,
      onTime: 7,
      late: 2,
      objectionsRejected: 1,
    });
    expect(r.totals.onTimePercent).toBeCloseTo((7 / 9) * 100, 10);
    expect(r.totals.refusedByGround).toEqual({
      unfounded_or_excessive: 1,
      identity_not_established: 1,
      duplicate: 0,
      rights_of_others: 0,
      erasure_exemption: 1,
      legal_restriction: 0,
      other: 0,
      not_recorded: 0,
    });
    // Days: 14, 15, 21, 21, 30, 32, 33, 40, 71 — sum 277; p90 at rank 7.2: 40 + 0.2 × 31.
    expect(r.totals.daysToClose.count).toBe(9);
    expect(r.totals.daysToClose.median).toBe(30);
    expect(r.totals.daysToClose.mean).toBeCloseTo(277 / 9, 10);
    expect(r.totals.daysToClose.p90).toBeCloseTo(46.2, 10);
    // Share of the time allowed: 46, 50, 66, 68, 82, 97, 100, 107, 107 — sum 723.
    expect(r.totals.deadlineShare.median).toBe(82);
    expect(r.totals.deadlineShare.mean).toBeCloseTo(723 / 9, 10);
    expect(r.totals.deadlineShare.p90).toBe(107);
    // Open now: R12 (open, due 2 February), R13 (in progress, due 1 January: overdue) and R14
    // (waiting on the subject: paused, so not overdue whatever its date).
    expect(r.now).toEqual({ open: 3, overdue: 1, paused: 1, dueSoon: 0 });
    expect(r.load).toEqual([
      { assigneeId: staffB.id, email: staffB.email, open: 2, overdue: 1, paused: 1, dueSoon: 0 },
      { assigneeId: null, email: null, open: 1, overdue: 0, paused: 0, dueSoon: 0 },
    ]);
  });

  it('draws the deadline histogram, the on-time months, the weekly volume and the backlog from the same counts', async () => {
    const r = await report('2025');
    const bins = Object.fromEntries(r.deadlineHistogram.filter((b) => b.n > 0).map((b) => [b.label, b.n]));
    expect(bins).toEqual({ '41–50%': 2, '61–70%': 2, '81–90%': 1, '91–100%': 2, '101–110%': 2 });
    expect(r.deadlineHistogram.filter((b) => b.onTime).reduce((s, b) => s + b.n, 0)).toBe(7);

    const months = Object.fromEntries(r.onTimeByMonth.map((m) => [m.start.slice(0, 7), [m.answered, m.onTime]]));
    expect(months).toEqual({
      '2025-01': [1, 1], // R11
      '2025-02': [0, 0],
      '2025-03': [0, 0],
      '2025-04': [1, 1], // R1
      '2025-05': [0, 0],
      '2025-06': [1, 0], // R2, late (R10 closed after midnight BST: July)
      '2025-07': [2, 2], // R10, R4
      '2025-08': [1, 1], // R3
      '2025-09': [0, 0],
      '2025-10': [2, 1], // R5 late, R6
      '2025-11': [1, 1], // R9
      '2025-12': [0, 0],
    });
    expect(r.onTimeByMonth.find((m) => m.start === '2025-10-01')!.onTimePercent).toBe(50);

    // 2025 begins on a Wednesday: the first week is Monday 30 December 2024, shown from 1 January.
    expect(r.weeklyVolume[0]).toMatchObject({ start: '2024-12-30', from: '2025-01-01', to: '2025-01-05', total: 0 });
    expect(r.weeklyVolume.at(-1)).toMatchObject({ start: '2025-12-29', from: '2025-12-29', to: '2025-12-31', total: 1 }); // R12
    expect(r.weeklyVolume.reduce((s, w) => s + w.total, 0)).toBe(12);
    // R9 was filed on Sunday 26 October local time (Saturday in UTC): in the week of 20 October.
    expect(r.weeklyVolume.find((w) => w.start === '2025-10-20')!.counts).toMatchObject({ rectification: 1 });
    expect(r.weeklyVolume.find((w) => w.start === '2025-12-01')!.counts).toMatchObject({ access: 1, objection: 1 }); // R8, R13

    const backlog = Object.fromEntries(r.backlog.map((p) => [p.end, p.open]));
    expect(r.backlog[0]).toEqual({ end: '2025-01-05', open: 1 }); // R11
    expect(backlog['2025-01-12']).toBe(0);
    expect(backlog['2025-03-23']).toBe(1); // R1
    expect(backlog['2025-06-29']).toBe(2); // R3, R10 (R2 closed 4 June)
    expect(backlog['2025-07-06']).toBe(2); // R3, R4 (R10 closed 1 July)
    expect(backlog['2025-09-14']).toBe(2); // R5, R6
    expect(backlog['2025-10-12']).toBe(1); // R6
    expect(backlog['2025-11-09']).toBe(1); // R9 (R7 came and went)
    expect(r.backlog.at(-1)).toEqual({ end: '2025-12-31', open: 1 }); // R13; R12 was verified in 2026
  });

  it('counts a request paused for 10 days and answered on its extended due date as on time', async () => {
    // R3: due 2 July, moved 10 days by the pause (12 July, a Saturday: Monday 14 July), and the
    // one-month extension counts from the first due date and keeps the pause: Tuesday 12 August.
    const r3 = await t.db
      .selectFrom('requests')
      .select(['due_date', 'paused_days', 'extension_months', sql<string>`(closed_at at time zone 'Europe/London')::date::text`.as('closedOn')])
      .where('id', '=', ids.R3!)
      .executeTakeFirstOrThrow();
    expect(r3).toEqual({ due_date: '2025-08-12', paused_days: 10, extension_months: 1, closedOn: '2025-08-12' });
    const objections = await report('2025', { type: 'objection' });
    expect(objections.totals).toMatchObject({ received: 2, answered: 1, onTime: 1, late: 0, completedOnTime: 1, extended: 1, objectionsRejected: 1 });
    expect(objections.totals.daysToClose).toMatchObject({ count: 1, median: 71 });
    expect(objections.totals.deadlineShare).toMatchObject({ median: 100, p90: 100 });
    expect(objections.deadlineHistogram.find((b) => b.n > 0)).toMatchObject({ label: '91–100%', n: 1, onTime: true });
    expect(objections.onTimeByMonth.find((m) => m.start === '2025-08-01')).toMatchObject({ answered: 1, onTime: 1, onTimePercent: 100 });
  });

  it('filters by type, channel and assignee', async () => {
    const rect = await report('2025', { type: 'rectification' });
    expect(rect.totals).toMatchObject({ received: 3, verified: 3, completed: 3, withdrawn: 1, answered: 3, onTime: 3 });
    expect(rect.totals.daysToClose).toMatchObject({ count: 3, median: 21, mean: 24 }); // 21, 21, 30

    const email = await report('2025', { channel: 'email' });
    expect(email.totals).toMatchObject({ received: 1, verified: 1, completed: 1, completedLate: 1, onTimePercent: 0 });
    expect(email.totals.daysToClose.median).toBe(33);

    const a = await report('2025', { assignee: staffA.id });
    expect(a.totals).toMatchObject({ received: 2, verified: 2, completed: 2, completedOnTime: 1, completedLate: 1, onTimePercent: 50 });
    expect(a.totals.daysToClose).toMatchObject({ median: 27, mean: 27 }); // 21, 33
    expect(a.now.open).toBe(0);
    const nobody = await report('2025', { assignee: 'unassigned' });
    expect(nobody.totals.received).toBe(9); // not R1, R2, R13
    expect(nobody.now).toMatchObject({ open: 1, overdue: 0, paused: 0 }); // R12
    const b = await report('2025', { assignee: staffB.id });
    expect(b.totals).toMatchObject({ received: 1, verified: 1, answered: 0 }); // R13
    expect(b.now).toEqual({ open: 2, overdue: 1, paused: 1, dueSoon: 0 }); // R13, R14
    expect(b.backlog.at(-1)).toEqual({ end: '2025-12-31', open: 1 }); // R13; R14 came in 2026
    // Assignee and channel at once: summed from A's requests.
    const aByEmail = await report('2025', { assignee: staffA.id, channel: 'email' });
    expect(aByEmail.totals).toMatchObject({ received: 1, completed: 1, completedLate: 1 });
    expect(aByEmail.totals.daysToClose.median).toBe(33);
  });

  it('reads custom periods: days at the edges and whole months between', async () => {
    // 15 June – 10 July: no whole month. R10 filed 16 June, R4 1 July; R10 answered 1 July.
    const short = await report('custom', {}, { from: '2025-06-15', to: '2025-07-10' });
    expect(short.totals).toMatchObject({ received: 2, verified: 2, answered: 1, onTime: 1 });
    expect(short.totals.daysToClose.median).toBe(15);
    // 15 May – 20 August: June and July whole. Answered R2 (late), R10, R4, R3.
    const long = await report('custom', {}, { from: '2025-05-15', to: '2025-08-20' });
    expect(long.totals).toMatchObject({ received: 3, answered: 4, onTime: 3, extended: 1 });
    expect(long.totals.daysToClose.median).toBe(24); // 14, 15, 33, 71
    // The quarter holding the night the clocks went back.
    const q4 = await report('2025-Q4');
    expect(q4.totals).toMatchObject({ received: 5, answered: 3, onTime: 2, expired: 1, withdrawn: 1 });
  });

  it('gives the same figures from the requests themselves as from the maintained cells', async () => {
    const cells = await report('2025');
    // Every request assigned to one person and from one channel: that report (assignee and
    // channel at once) is summed from the requests, and the one by assignee from the other cells.
    await t.db.updateTable('requests').set({ assigned_to: staffA.id, channel: 'web' }).execute();
    try {
      const byAssignee = await report('2025', { assignee: staffA.id });
      expect(byAssignee.totals).toEqual(cells.totals);
      expect(byAssignee.backlog).toEqual(cells.backlog);
      const summed = await report('2025', { assignee: staffA.id, channel: 'web' });
      expect(summed.totals).toEqual(cells.totals);
      expect(summed.weeklyVolume).toEqual(cells.weeklyVolume);
      expect(summed.onTimeByMonth).toEqual(cells.onTimeByMonth);
      expect(summed.deadlineHistogram).toEqual(cells.deadlineHistogram);
      expect(summed.backlog).toEqual(cells.backlog);
    } finally {
      await sql`update requests set assigned_to = null where id not in (${ids.R1!}, ${ids.R2!}, ${ids.R13!}, ${ids.R14!})`.execute(t.db);
      await t.db.updateTable('requests').set({ assigned_to: staffB.id }).where('id', 'in', [ids.R13!, ids.R14!]).execute();
      await t.db.updateTable('requests').set({ channel: 'email' }).where('id', '=', ids.R2!).execute();
    }
  });

  it('keeps report_cells equal to a rebuild from scratch after every change', async () => {
    const read = () =>
      t.db
        .selectFrom('report_cells')
        .select(['grain', sql<string>`period_start::text`.as('day'), 'measure', 'type', 'channel', 'value', 'n'])
        .where('n', '<>', '0')
        .orderBy('grain').orderBy('period_start').orderBy('measure').orderBy('type').orderBy('channel').orderBy('value')
        .execute();
    const kept = await read();
    expect(kept.length).toBeGreaterThan(50);
    expect(await rebuildReportCells(t.db, 'Europe/London', { force: true })).toBeGreaterThan(0);
    expect(await read()).toEqual(kept);
  });

  it('counts in the time zone it is given, rebuilding the cells when PORTAL_TIMEZONE changes', async () => {
    // In UTC, R9 was received on 25 October and answered on 25 November: 31 days, not 30; R10
    // was answered on 30 June: 14 days. Sorted 14, 14, 21, 21, 31, 32, 33, 40, 71.
    const utc = await computeReport(t.db, { period: parsePeriod('2025') }, { timeZone: 'UTC', now: TODAY });
    expect(utc.totals.daysToClose.median).toBe(31);
    // R10 was answered on 30 June in UTC.
    expect(utc.onTimeByMonth.find((m) => m.start === '2025-06-01')!.answered).toBe(2);
    const settings = await t.db.selectFrom('report_settings').select('time_zone').executeTakeFirstOrThrow();
    expect(settings.time_zone).toBe('UTC');
    const back = await report('2025');
    expect(back.totals.daysToClose.median).toBe(30);
  });
});

describe('connected systems that answered late', () => {
  it('counts, per system, the answers given in the period, those after its deadline, and those owed past it now', async () => {
    const crm = await t.db.insertInto('connected_systems').values({ name: 'Report CRM' }).returning('id').executeTakeFirstOrThrow();
    const desk = await t.db.insertInto('connected_systems').values({ name: 'Report desk' }).returning('id').executeTakeFirstOrThrow();
    const task = (request: string, system: string, due: string, answered: string | null) =>
      t.db
        .insertInto('system_tasks')
        .values({
          request_id: ids[request]!,
          system_id: system,
          due_at: at(due),
          ...(answered ? { state: 'answered' as const, outcome: 'data' as const, answered_at: at(answered), answered_how: 'by_hand' as const } : { state: 'sent' as const }),
        })
        .execute();
    // CRM: R1 on time, R2 late (a day after its deadline), R5 late; the desk: R4 on time, and R13 owed since 2025-12-15.
    await task('R1', crm.id, '2025-04-03T12:00:00Z', '2025-04-01T12:00:00Z');
    await task('R2', crm.id, '2025-05-16T12:00:00Z', '2025-05-17T12:00:00Z');
    await task('R5', crm.id, '2025-09-15T12:00:00Z', '2025-09-20T12:00:00Z');
    await task('R4', desk.id, '2025-07-15T12:00:00Z', '2025-07-10T12:00:00Z');
    await task('R13', desk.id, '2025-12-15T12:00:00Z', null);
    const year = await report('2025');
    expect(year.systems).toEqual([
      { id: crm.id, name: 'Report CRM', answered: 3, late: 2, overdue: 0 },
      { id: desk.id, name: 'Report desk', answered: 1, late: 0, overdue: 1 },
    ]);
    // Filters apply: only erasure requests (R4) leave the desk's one answer, and nothing of the CRM.
    const erasures = await report('2025', { type: 'erasure' });
    expect(erasures.systems).toEqual([{ id: desk.id, name: 'Report desk', answered: 1, late: 0, overdue: 0 }]);
    // A quarter counts the answers given in it.
    expect((await report('2025-Q2')).systems.find((s) => s.name === 'Report CRM')).toMatchObject({ answered: 2, late: 1 });
  });
});
