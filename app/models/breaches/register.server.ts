import { sql } from 'kysely';
import type { DB, Tx } from '../../../db/client';
import type { BreachFiling, BreachRow, BreachSubjectStatus } from '../../../db/schema';
import { recordAudit, type Actor } from '~/models/audit.server';
import { BreachRuleError, StaleBreachError } from '~/models/breaches/errors';
import { breachInputErrors, type BreachInput } from '~/models/breaches/forms.server';
import { scheduleBreachReminders } from '~/models/breaches/reminders.server';
import { art33Gaps, breachDeadline, notificationState, type NotificationState } from '~/models/breaches/rules';
import { localDate } from '~/utils/calendar';

/**
 * The breach register (Art. 33(5)): recording a breach, changing what is known of it, reading
 * it. Each write is one transaction that ends with its audit event; nothing is ever deleted
 * (the database refuses it, migration 0160). Who may use it: administrators and staff accounts
 * marked as DPO (`isBreachOfficer`).
 */
export type RegisterSettings = { timeZone: string; now?: Date };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isBreachId = (id: string) => UUID.test(id);

/** Administrators, and staff accounts designated DPO. */
export async function isBreachOfficer(db: DB, user: { id: string; role: string }): Promise<boolean> {
  if (user.role === 'admin') return true;
  if (user.role !== 'staff') return false;
  const row = await db.selectFrom('users').select('dpo').where('id', '=', user.id).executeTakeFirst();
  return row?.dpo === true;
}

/** A form's version of a breach: the instant it last changed. */
export const breachVersion = (b: Pick<BreachRow, 'updated_at'>) => String(new Date(b.updated_at).getTime());

function columnsOf(input: BreachInput) {
  return {
    title: input.title,
    detected_at: input.detectedAt,
    aware_at: input.awareAt,
    awareness_reason: input.awareAt.getTime() > input.detectedAt.getTime() ? input.awarenessReason : null,
    confidentiality: input.confidentiality,
    integrity: input.integrity,
    availability: input.availability,
    nature: input.nature,
    subject_categories: input.subjectCategories,
    subjects_approx: input.subjectsApprox,
    record_categories: input.recordCategories,
    records_approx: input.recordsApprox,
    dpo_contact: input.dpoContact,
    consequences: input.consequences,
    measures: input.measures,
    causes: input.causes,
    role: input.role,
    controller_name: input.controllerName,
    risk: input.risk,
    risk_reasoning: input.riskReasoning,
    incident_ref: input.incidentRef,
  };
}

function refuseInvalid(input: BreachInput, now: Date) {
  const errors = breachInputErrors(input, now);
  if (Object.keys(errors).length > 0) throw new BreachRuleError(errors);
}

const kinds = (b: { confidentiality: boolean; integrity: boolean; availability: boolean }) =>
  (['confidentiality', 'integrity', 'availability'] as const).filter((k) => b[k]);

/** Records a new breach; its deadline reminders are queued with it. */
export async function recordBreach(db: DB, input: BreachInput, actor: Actor, settings: RegisterSettings): Promise<BreachRow> {
  const now = settings.now ?? new Date();
  refuseInvalid(input, now);
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ n: string }>`select nextval('breach_reference_seq')::text as n`.execute(trx);
    const reference = `BR-${localDate(now, settings.timeZone).slice(0, 4)}-${rows[0]!.n.padStart(4, '0')}`;
    const breach = await trx
      .insertInto('breaches')
      .values({ ...columnsOf(input), reference, created_by: actor.id, created_at: now, updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    if (breach.role === 'controller') await scheduleBreachReminders(trx, breach, now);
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'breach.recorded',
      targetType: 'breach',
      targetId: breach.id,
      ip: actor.ip ?? null,
      details: {
        reference,
        detectedAt: breach.detected_at.toISOString(),
        awareAt: breach.aware_at.toISOString(),
        deadline: breachDeadline(breach.aware_at).toISOString(),
        kinds: kinds(breach),
        role: breach.role,
        risk: breach.risk,
        incidentRef: breach.incident_ref,
      },
    });
    return breach;
  });
}

async function lockBreach(trx: Tx, id: string): Promise<BreachRow | undefined> {
  if (!isBreachId(id)) return undefined;
  return trx.selectFrom('breaches').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/**
 * Runs `fn` on the breach, locked for the rest of the transaction; undefined when there is no
 * such breach. Every change to a breach (and its filings and notices) goes through here, so two
 * people acting on one breach at once take turns.
 */
export async function withLockedBreach<T>(db: DB, id: string, fn: (trx: Tx, breach: BreachRow) => Promise<T>): Promise<T | undefined> {
  return db.transaction().execute(async (trx) => {
    const breach = await lockBreach(trx, id);
    return breach ? fn(trx, breach) : undefined;
  });
}

export async function hasInitialFiling(trx: Tx | DB, breachId: string): Promise<boolean> {
  const row = await trx.selectFrom('breach_filings').select('id').where('breach_id', '=', breachId).where('phase', '=', 'initial').executeTakeFirst();
  return row !== undefined;
}

/** A breach as its form shows it, and whether the first filing has fixed its clock. */
export async function breachForEditing(db: DB, id: string) {
  if (!isBreachId(id)) return undefined;
  const breach = await db.selectFrom('breaches').selectAll().where('id', '=', id).executeTakeFirst();
  return breach ? { breach, clockFixed: await hasInitialFiling(db, id) } : undefined;
}

/**
 * What is now known of a breach: details may follow in phases (Art. 33(4)). Refused when the
 * form is older than the record (409), and, once the initial filing exists, for a change of the
 * detection or awareness time: the filing told the authority when the clock started and its
 * lateness was fixed then. A new awareness time before any filing moves the deadline and
 * queues that deadline's reminders; the old ones find their deadline gone and send nothing.
 */
export async function updateBreach(
  db: DB,
  input: { id: string; version: string | undefined; data: BreachInput },
  actor: Actor,
  settings: RegisterSettings,
): Promise<BreachRow | undefined> {
  const now = settings.now ?? new Date();
  refuseInvalid(input.data, now);
  return withLockedBreach(db, input.id, async (trx, before) => {
    if (input.version !== breachVersion(before)) throw new StaleBreachError();
    const next = columnsOf(input.data);
    const clockMoved =
      next.aware_at.getTime() !== before.aware_at.getTime() || next.detected_at.getTime() !== before.detected_at.getTime();
    if (clockMoved && (await hasInitialFiling(trx, before.id))) {
      throw new BreachRuleError({
        awareAt: 'The initial notification to the authority fixed the detection and awareness times (and whether it was late); they can no longer change. Explain any correction in a follow-up filing.',
      });
    }
    const changed = (Object.keys(next) as Array<keyof typeof next>).filter((key) => !same(before[key], next[key]));
    if (changed.length === 0) return before;
    const breach = await trx
      .updateTable('breaches')
      .set({ ...next, updated_at: now })
      .where('id', '=', before.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (clockMoved && breach.role === 'controller') await scheduleBreachReminders(trx, breach, now);
    if (breach.role === 'controller' && before.role === 'processor') await scheduleBreachReminders(trx, breach, now);
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'breach.updated',
      targetType: 'breach',
      targetId: breach.id,
      ip: actor.ip ?? null,
      // Field names, and the values that steer obligations; the words themselves stay in the record.
      details: {
        reference: breach.reference,
        changed,
        ...(clockMoved ? { awareAt: breach.aware_at.toISOString(), deadline: breachDeadline(breach.aware_at).toISOString() } : {}),
        ...(changed.includes('risk') ? { risk: { from: before.risk, to: breach.risk } } : {}),
        ...(changed.includes('role') ? { role: { from: before.role, to: breach.role } } : {}),
      },
    });
    return breach;
  });
}

function same(a: unknown, b: unknown) {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return a === b;
}

export type SubjectCounts = Record<BreachSubjectStatus, number>;

async function subjectCounts(db: DB, breachIds: string[]): Promise<Map<string, SubjectCounts>> {
  const out = new Map<string, SubjectCounts>();
  if (breachIds.length === 0) return out;
  const rows = await db
    .selectFrom('breach_subjects')
    .select(['breach_id', 'status', sql<number>`count(*)::int`.as('n')])
    .where('breach_id', 'in', breachIds)
    .groupBy(['breach_id', 'status'])
    .execute();
  for (const row of rows) {
    const counts = out.get(row.breach_id) ?? { selected: 0, excluded: 0, queued: 0, sent: 0, failed: 0 };
    counts[row.status] = row.n;
    out.set(row.breach_id, counts);
  }
  return out;
}

export type RegisterEntry = {
  breach: BreachRow;
  filings: BreachFiling[];
  state: NotificationState;
  subjects: SubjectCounts;
  gaps: string[];
};

async function entriesFor(db: DB, breaches: BreachRow[], now: Date): Promise<RegisterEntry[]> {
  const ids = breaches.map((b) => b.id);
  const filings = ids.length
    ? await db.selectFrom('breach_filings').selectAll().where('breach_id', 'in', ids).orderBy('filed_at').orderBy('id').execute()
    : [];
  const counts = await subjectCounts(db, ids);
  return breaches.map((breach) => {
    const own = filings.filter((f) => f.breach_id === breach.id);
    return {
      breach,
      filings: own,
      state: notificationState(breach, own.find((f) => f.phase === 'initial'), now),
      subjects: counts.get(breach.id) ?? { selected: 0, excluded: 0, queued: 0, sent: 0, failed: 0 },
      gaps: art33Gaps(breach),
    };
  });
}

/** The whole register, most recent awareness first (a read is audited). */
export async function listBreaches(db: DB, actor: Actor, options: { now?: Date } = {}): Promise<RegisterEntry[]> {
  const breaches = await db.selectFrom('breaches').selectAll().orderBy('aware_at', 'desc').orderBy('id').execute();
  const entries = await entriesFor(db, breaches, options.now ?? new Date());
  await recordAudit(db, { actorId: actor.id, action: 'breach.register_viewed', ip: actor.ip ?? null, details: { shown: entries.length } });
  return entries;
}

/** The register without the audit event, for the export and the staff home (which audit their own way, or show no content). */
export async function registerEntries(db: DB, now: Date): Promise<RegisterEntry[]> {
  const breaches = await db.selectFrom('breaches').selectAll().orderBy('aware_at', 'desc').orderBy('id').execute();
  return entriesFor(db, breaches, now);
}

/** One breach with its filings, counts and history; the reading is audited. Undefined when there is none. */
export async function getBreachForStaff(db: DB, actor: Actor, id: string, options: { now?: Date } = {}) {
  if (!isBreachId(id)) return undefined;
  const breach = await db.selectFrom('breaches').selectAll().where('id', '=', id).executeTakeFirst();
  if (!breach) return undefined;
  const [entry] = await entriesFor(db, [breach], options.now ?? new Date());
  const history = await db
    .selectFrom('audit_events as e')
    .leftJoin('users as u', 'u.id', 'e.actor_id')
    .select(['e.id', 'e.occurred_at', 'e.action', 'e.details', 'u.email as actor_email'])
    .where('e.target_type', '=', 'breach')
    .where('e.target_id', '=', id)
    .where('e.action', '<>', 'breach.viewed')
    .orderBy('e.id')
    .execute();
  await recordAudit(db, { actorId: actor.id, action: 'breach.viewed', targetType: 'breach', targetId: id, ip: actor.ip ?? null, details: { reference: breach.reference } });
  return { ...entry!, history };
}

export type AttentionItem = { id: string; reference: string; title: string; state: NotificationState; high: boolean; unassessed: boolean };

/**
 * What the staff home shows the DPO and administrators: every breach still owing a notification
 * (to the authority by its deadline, or to the controller), most urgent first, and high-risk
 * breaches whose people have not been told. Read without an audit event: it names no content
 * beyond references and titles, like the request queue's counts.
 */
export async function breachesNeedingAttention(db: DB, now: Date): Promise<AttentionItem[]> {
  const entries = await registerEntries(db, now);
  const items: AttentionItem[] = [];
  for (const { breach, state, subjects } of entries) {
    const owesNotice = state.kind === 'pending' || state.kind === 'controller_pending';
    const told = subjects.queued + subjects.sent + subjects.failed > 0;
    const owesPeople = breach.role === 'controller' && breach.risk === 'high' && !breach.art34_exemption && !told;
    if (!owesNotice && !owesPeople) continue;
    items.push({ id: breach.id, reference: breach.reference, title: breach.title, state, high: owesPeople, unassessed: breach.risk === 'unassessed' });
  }
  const urgency = (i: AttentionItem) =>
    i.state.kind === 'pending' ? i.state.deadline.getTime() : i.state.kind === 'controller_pending' ? i.state.since.getTime() : Number.MAX_SAFE_INTEGER;
  return items.sort((a, b) => urgency(a) - urgency(b));
}
