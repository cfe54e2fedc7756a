import { sql } from 'kysely';
import { z } from 'zod';
import type { DB, Tx } from '../../../db/client';
import type { Art34Exemption, BreachRow, Language } from '../../../db/schema';
import { recordAudit, type Actor } from '~/models/audit.server';
import { BreachRuleError } from '~/models/breaches/errors';
import { getBreachForStaff, withLockedBreach } from '~/models/breaches/register.server';
import { parseSubjectLines } from '~/models/breaches/rules';
import { queueMail, renderMail } from '~/models/mail.server';
import { organisationFooter } from '~/models/requests/mail.server';
import { startOfDayIn, addDays } from '~/utils/calendar';
import { normalizeEmail } from '~/utils/email';
import type { Organisation } from '~/utils/env.server';
import { LANGUAGE_NAMES, tFor } from '~/utils/i18n';

/**
 * Art. 34: telling the people affected by a high-risk breach, in plain language, each in their
 * own language. Staff pick the people (addresses typed, or everyone with an account or a
 * request in a period), write the text in each language those people read, and send: one mail
 * per person through the outbox, its delivery copied back onto the person's row (migration
 * 0160), so the register shows who was told and when. A text that went out is kept as sent.
 * An Art. 34(3) exemption is recorded instead, with its written ground.
 */
export const SEND_BATCH = 2000;
const LOOKUP_CHUNK = 500;

export type NoticeSettings = { timeZone: string; now?: Date };

function requireHighRisk(breach: BreachRow) {
  if (breach.role !== 'controller') throw new BreachRuleError({}, 'As processor, telling the people affected is for the controller to decide.');
  if (breach.risk !== 'high') {
    throw new BreachRuleError({}, 'Art. 34 applies to a breach likely to result in a high risk to people. Assess the risk as high first (on the breach record), with the reasoning.');
  }
}

function refuseWhenExempt(breach: BreachRow) {
  if (breach.art34_exemption) throw new BreachRuleError({}, 'An Art. 34(3) exemption is recorded for this breach: people are not told one by one.');
}

/** The language each address has used with us: its latest request, else its alert subscription, else its objection. */
async function knownLanguages(db: Tx, keys: string[]): Promise<Map<string, Language>> {
  const found = new Map<string, Language>();
  for (let i = 0; i < keys.length; i += LOOKUP_CHUNK) {
    const chunk = keys.slice(i, i + LOOKUP_CHUNK);
    const sources = [
      sql<{ key: string; lang: Language }>`select distinct on (email_key) email_key as key, lang from requests where email_key in (${sql.join(chunk)}) order by email_key, created_at desc`,
      sql<{ key: string; lang: Language }>`select distinct on (lower(email)) lower(email) as key, lang from subprocessor_subscriptions where lower(email) in (${sql.join(chunk)}) order by lower(email), created_at desc`,
      sql<{ key: string; lang: Language }>`select distinct on (lower(email)) lower(email) as key, lang from subprocessor_objections where lower(email) in (${sql.join(chunk)}) order by lower(email), created_at desc`,
    ];
    for (const query of sources) {
      for (const row of (await query.execute(db)).rows) if (!found.has(row.key)) found.set(row.key, row.lang);
    }
  }
  return found;
}

export type AddSubjectsInput = {
  breachId: string;
  source: 'entered' | 'account' | 'request';
  addresses: string;
  defaultLang: Language;
  /** Local calendar dates (PORTAL_TIMEZONE), inclusive; for accounts created or requests received then. */
  from: string | null;
  to: string | null;
};

/** Adds people to tell; an address already listed for the breach is left as it is. */
export async function addSubjects(db: DB, input: AddSubjectsInput, actor: Actor, settings: NoticeSettings) {
  return withLockedBreach(db, input.breachId, async (trx, breach) => {
    requireHighRisk(breach);
    refuseWhenExempt(breach);
    const candidates = await candidatesFor(trx, input, settings.timeZone);
    const keys = [...new Set(candidates.map((c) => normalizeEmail(c.email)))];
    const known = await knownLanguages(trx, keys);
    const rows = new Map<string, { email: string; lang: Language }>();
    for (const c of candidates) {
      const key = normalizeEmail(c.email);
      if (!rows.has(key)) rows.set(key, { email: c.email.trim(), lang: c.lang ?? known.get(key) ?? input.defaultLang });
    }
    let added = 0;
    const values = [...rows].map(([key, row]) => ({
      breach_id: breach.id,
      email: row.email,
      email_key: key,
      lang: row.lang,
      source: input.source,
      added_by: actor.id,
      added_at: settings.now ?? new Date(),
    }));
    for (let i = 0; i < values.length; i += LOOKUP_CHUNK) {
      const made = await trx
        .insertInto('breach_subjects')
        .values(values.slice(i, i + LOOKUP_CHUNK))
        .onConflict((oc) => oc.columns(['breach_id', 'email_key']).doNothing())
        .returning('id')
        .execute();
      added += made.length;
    }
    const result = { found: rows.size, added, alreadyListed: rows.size - added };
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'breach.subjects_added',
      targetType: 'breach',
      targetId: breach.id,
      ip: actor.ip ?? null,
      // Counts and the selection, not the addresses: the trail is kept forever.
      details: { reference: breach.reference, source: input.source, from: input.from, to: input.to, ...result },
    });
    return result;
  });
}

const emailCheck = z.email();

async function candidatesFor(trx: Tx, input: AddSubjectsInput, timeZone: string): Promise<Array<{ email: string; lang?: Language }>> {
  if (input.source === 'entered') {
    const { entries, invalid } = parseSubjectLines(input.addresses);
    if (invalid.length) throw new BreachRuleError({ addresses: `Not an email address (with an optional language en, de or fr) on line ${invalid.slice(0, 10).join(', ')}${invalid.length > 10 ? ' and others' : ''}.` });
    const wrong = entries.filter((e) => !emailCheck.safeParse(e.email).success).map((e) => e.email);
    if (wrong.length) throw new BreachRuleError({ addresses: `Not valid email addresses: ${wrong.slice(0, 5).join(', ')}${wrong.length > 5 ? ' and others' : ''}.` });
    if (entries.length === 0) throw new BreachRuleError({ addresses: 'Enter at least one email address.' });
    return entries;
  }
  const from = input.from ? startOfDayIn(input.from, timeZone) : null;
  const to = input.to ? startOfDayIn(addDays(input.to, 1), timeZone) : null;
  if (input.source === 'account') {
    let query = trx.selectFrom('users').select('email').orderBy('created_at');
    if (from) query = query.where('created_at', '>=', from);
    if (to) query = query.where('created_at', '<', to);
    return query.execute();
  }
  let query = trx
    .selectFrom('requests')
    .select(['email', 'lang'])
    .where('email', '<>', '')
    .where('personal_data_deleted_at', 'is', null)
    .orderBy('created_at', 'desc');
  if (from) query = query.where('created_at', '>=', from);
  if (to) query = query.where('created_at', '<', to);
  return (await query.execute()).map((r) => ({ email: r.email, lang: r.lang }));
}

/** Takes a person off the list before they were told (a wrong address); they stay on record as excluded. */
export async function excludeSubject(db: DB, input: { breachId: string; subjectId: string }, actor: Actor) {
  return withLockedBreach(db, input.breachId, async (trx, breach) => {
    const updated = await trx
      .updateTable('breach_subjects')
      .set({ status: 'excluded' })
      .where('id', '=', input.subjectId)
      .where('breach_id', '=', breach.id)
      .where('status', '=', 'selected')
      .returning('id')
      .executeTakeFirst();
    if (!updated) throw new BreachRuleError({}, 'Only a person not yet told can be taken off the list.');
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'breach.subject_excluded',
      targetType: 'breach',
      targetId: breach.id,
      ip: actor.ip ?? null,
      details: { reference: breach.reference, subjectId: input.subjectId },
    });
    return true;
  });
}

export type DraftInput = { breachId: string; lang: Language; nature: string; consequences: string; measures: string };

/** Writes (or rewrites, until it is sent) the plain-language text in one language. */
export async function saveDraft(db: DB, input: DraftInput, actor: Actor, settings: { now?: Date } = {}) {
  const now = settings.now ?? new Date();
  return withLockedBreach(db, input.breachId, async (trx, breach) => {
    requireHighRisk(breach);
    const existing = await trx
      .selectFrom('breach_notice_drafts')
      .select('locked_at')
      .where('breach_id', '=', breach.id)
      .where('lang', '=', input.lang)
      .executeTakeFirst();
    if (existing?.locked_at) throw new BreachRuleError({}, `The ${LANGUAGE_NAMES[input.lang]} text was sent and is kept as sent.`);
    const values = { nature: input.nature, consequences: input.consequences, measures: input.measures, updated_by: actor.id, updated_at: now };
    await trx
      .insertInto('breach_notice_drafts')
      .values({ breach_id: breach.id, lang: input.lang, ...values })
      .onConflict((oc) => oc.columns(['breach_id', 'lang']).doUpdateSet(values))
      .execute();
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'breach.notice_drafted',
      targetType: 'breach',
      targetId: breach.id,
      ip: actor.ip ?? null,
      details: { reference: breach.reference, lang: input.lang },
    });
    return true;
  });
}

export type NoticeText = { nature: string; consequences: string; measures: string };

/** The Art. 34 mail in one language: the catalog's frame around staff's plain-language text. */
export function renderBreachNotice(lang: Language, breach: Pick<BreachRow, 'reference' | 'dpo_contact'>, text: NoticeText, org: Organisation) {
  const t = tFor(lang);
  const content = renderMail({
    lang,
    preheader: t('breachNotice.preheader'),
    heading: t('breachNotice.heading'),
    paragraphs: [
      t('breachNotice.intro', { org: org.name }),
      t('breachNotice.whatHappened'),
      text.nature,
      t('breachNotice.whatItMeans'),
      text.consequences,
      t('breachNotice.whatWeDid'),
      text.measures,
      t('breachNotice.contact', { contact: breach.dpo_contact }),
      t('breachNotice.reference', { reference: breach.reference }),
    ],
    buttonFallback: t('mail.buttonFallback'),
    footer: [t('breachNotice.why', { org: org.name }), ...organisationFooter(t, org)],
  });
  return { subject: t('breachNotice.subject', { org: org.name }), ...content };
}

/**
 * Sends the text to everyone on the list not yet told (up to SEND_BATCH per press), each in
 * their language: one transaction queues the mails, marks the people queued and keeps the texts
 * used as sent. Refused while a language someone reads has no text.
 */
export async function sendNotices(db: DB, input: { breachId: string }, actor: Actor, settings: { organisation: Organisation; now?: Date }) {
  const now = settings.now ?? new Date();
  return withLockedBreach(db, input.breachId, async (trx, breach) => {
    requireHighRisk(breach);
    refuseWhenExempt(breach);
    const people = await trx
      .selectFrom('breach_subjects')
      .select(['id', 'email', 'lang'])
      .where('breach_id', '=', breach.id)
      .where('status', '=', 'selected')
      .orderBy('id')
      .limit(SEND_BATCH)
      .execute();
    if (people.length === 0) throw new BreachRuleError({}, 'Nobody on the list is waiting to be told. Add the people affected first.');
    const drafts = await trx.selectFrom('breach_notice_drafts').selectAll().where('breach_id', '=', breach.id).execute();
    const texts = new Map(drafts.map((d) => [d.lang, d]));
    const missing = [...new Set(people.map((p) => p.lang))].filter((lang) => !texts.has(lang));
    if (missing.length) {
      throw new BreachRuleError({}, `Write the text in ${missing.map((l) => LANGUAGE_NAMES[l]).join(' and ')} first: people on the list read it.`);
    }
    const mails = new Map([...texts].map(([lang, d]) => [lang, renderBreachNotice(lang, breach, d, settings.organisation)]));
    const byLanguage: Record<string, number> = {};
    for (const person of people) {
      const mail = mails.get(person.lang)!;
      const outboxId = await queueMail(trx, { to: person.email, subject: mail.subject, text: mail.text, html: mail.html });
      await trx.updateTable('breach_subjects').set({ status: 'queued', outbox_id: outboxId, queued_at: now }).where('id', '=', person.id).execute();
      byLanguage[person.lang] = (byLanguage[person.lang] ?? 0) + 1;
    }
    await trx
      .updateTable('breach_notice_drafts')
      .set({ locked_at: now })
      .where('breach_id', '=', breach.id)
      .where('lang', 'in', Object.keys(byLanguage) as Language[])
      .where('locked_at', 'is', null)
      .execute();
    const remaining = await trx
      .selectFrom('breach_subjects')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('breach_id', '=', breach.id)
      .where('status', '=', 'selected')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'breach.subjects_notified',
      targetType: 'breach',
      targetId: breach.id,
      ip: actor.ip ?? null,
      details: { reference: breach.reference, queued: people.length, byLanguage, remaining: remaining.n },
    });
    return { queued: people.length, remaining: remaining.n };
  });
}

/** Records an Art. 34(3) exemption with its written ground, before anyone was told. */
export async function recordExemption(
  db: DB,
  input: { breachId: string; exemption: Art34Exemption; ground: string },
  actor: Actor,
  settings: { now?: Date } = {},
) {
  const now = settings.now ?? new Date();
  return withLockedBreach(db, input.breachId, async (trx, breach) => {
    requireHighRisk(breach);
    if (breach.art34_exemption) throw new BreachRuleError({}, 'An exemption is already recorded for this breach.');
    if (!input.ground.trim()) throw new BreachRuleError({ ground: 'Write down why the ground applies to this breach.' });
    const told = await trx
      .selectFrom('breach_subjects')
      .select('id')
      .where('breach_id', '=', breach.id)
      .where('status', 'in', ['queued', 'sent', 'failed'])
      .executeTakeFirst();
    if (told) throw new BreachRuleError({}, 'People were already told of this breach; an exemption no longer applies to them.');
    const updated = await trx
      .updateTable('breaches')
      .set({ art34_exemption: input.exemption, art34_exemption_ground: input.ground, art34_exemption_at: now, updated_at: now })
      .where('id', '=', breach.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'breach.art34_exempted',
      targetType: 'breach',
      targetId: breach.id,
      ip: actor.ip ?? null,
      details: { reference: breach.reference, exemption: input.exemption },
    });
    return updated;
  });
}

/** The Art. 34 page: the breach (its reading audited), the people on its list and the texts. */
export async function art34ForStaff(db: DB, actor: Actor, breachId: string, options: { now?: Date } = {}) {
  const entry = await getBreachForStaff(db, actor, breachId, options);
  return entry ? { entry, notices: await noticesForStaff(db, entry.breach.id) } : undefined;
}

/** The people on a breach's list, for staff: failures first, then the newest; and the texts. */
export async function noticesForStaff(db: DB, breachId: string, options: { limit?: number } = {}) {
  const [subjects, drafts] = await Promise.all([
    db
      .selectFrom('breach_subjects')
      .selectAll()
      .where('breach_id', '=', breachId)
      .orderBy(sql`case status when 'failed' then 0 when 'selected' then 1 when 'queued' then 2 else 3 end`)
      .orderBy('id', 'desc')
      .limit(options.limit ?? 200)
      .execute(),
    db.selectFrom('breach_notice_drafts').selectAll().where('breach_id', '=', breachId).orderBy('lang').execute(),
  ]);
  const languages = await db
    .selectFrom('breach_subjects')
    .select(['lang', sql<number>`count(*)::int`.as('n')])
    .where('breach_id', '=', breachId)
    .where('status', 'in', ['selected', 'queued', 'sent', 'failed'])
    .groupBy('lang')
    .execute();
  return { subjects, drafts, languages };
}
