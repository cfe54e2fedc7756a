import { sql, type Expression } from 'kysely';
import type { DB, Tx } from '../../../db/client';
import type { RequestRow } from '../../../db/schema';
import { recordAudit, type Actor } from '~/models/audit.server';
import { queueMail, renderMail } from '~/models/mail.server';
import { isClosed, isUnverified } from '~/models/requests/lifecycle';
import type { RequestPolicy } from '~/models/requests/policy';
import { emailProofHash, reduceToProofRecord } from '~/models/requests/proof.server';
import { requestVersion, StaleFormError } from '~/models/requests/staff.server';
import { applyTransition, RequestConflictError, withLockedRequest } from '~/models/requests/transitions.server';
import { mailErasureDone } from '~/models/requests/mail.server';
import { normalizeEmail } from '~/utils/email';
import { erasureAuthorityProblem, subjectAddressOf } from '~/models/requests/authority';
import { enqueueJob } from '~/models/jobs.server';
import { ERASURE_SCRUB_JOB, SCRUB_DELAY_MS } from '~/models/requests/erasure-scrub.server';
import type { Organisation } from '~/utils/env.server';
import { isLanguage, tFor, type Language } from '~/utils/i18n';

/**
 * Art. 17 erasure. Staff first see exactly what goes and what stays (and why); confirming runs
 * one transaction that tells the subject at the address they gave (before it is erased),
 * completes the request, deletes the account with its sessions, the alert subscriptions, the
 * objections' personal fields, the standing decisions, and reduces every request of the person
 * to its proof record (files and packages included); then each subprocessor marked as receiving
 * personal data gets an Art. 19 notice, recorded. A failure anywhere rolls all of it back; a
 * second run finds the request completed and changes nothing.
 */

export type ErasurePlan = {
  request: { id: string; reference: string; state: RequestRow['state'] };
  email: string;
  emailHash: string;
  account: { id: string; email: string; role: string; sessions: number; erasable: boolean } | null;
  /** Requests reduced to proof records (this one included). */
  requests: Array<{ id: string; reference: string; type: string; state: string }>;
  /** Other requests still being answered: kept until they close. */
  openElsewhere: Array<{ id: string; reference: string; type: string; state: string }>;
  attachments: number;
  packageFiles: number;
  packages: number;
  subscriptions: number;
  objections: number;
  flags: number;
  sentMail: number;
  /** Recipients of personal data with a privacy contact: each is mailed an Art. 19 notice. */
  recipients: Array<{ id: string; name: string; contactEmail: string }>;
  /** Recipients of personal data without a contact: staff notify them by hand and record it (issue 18.4). */
  byHand: Array<{ id: string; name: string }>;
  /** Why the erasure cannot go ahead yet (an agent's request the subject has not confirmed), or null. */
  authorityProblem: string | null;
};

/** Received (erasing starts it) or in progress. */
export const ERASABLE_STATES: readonly RequestRow['state'][] = ['open', 'in_progress'];

const NOT_ERASABLE: Partial<Record<RequestRow['state'], string>> = {
  completed: 'This request was already completed: nothing was erased again.',
  unverified: 'The address is not confirmed yet: nothing is erased for an unproven request.',
  awaiting_subject: 'The request is waiting for the subject: resume it before erasing.',
  denied: 'This request was refused: nothing was erased.',
  withdrawn: 'This request was withdrawn: nothing was erased.',
  expired: 'This request expired unconfirmed: nothing was erased.',
};

export class ErasureError extends Error {
  override name = 'ErasureError';
}

async function plan(db: DB, request: RequestRow): Promise<ErasurePlan> {
  const email = subjectAddressOf(request);
  const key = normalizeEmail(email);
  const [account, related, subscriptions, objections, flags, sentMail, { recipients, byHand }] = await Promise.all([
    db.selectFrom('users').select(['id', 'email', 'role']).where(sql`lower(email)`, '=', key).executeTakeFirst(),
    db
      .selectFrom('requests')
      .select(['id', 'reference', 'type', 'state'])
      .where('personal_data_deleted_at', 'is', null)
      .where((eb) => eb.or([eb('email_key', '=', key), eb(sql`lower(subject_email)`, '=', key), eb('id', '=', request.id)]))
      .orderBy('id')
      .execute(),
    db.selectFrom('subprocessor_subscriptions').select(sql<string>`count(*)`.as('n')).where(sql`lower(email)`, '=', key).executeTakeFirstOrThrow(),
    db
      .selectFrom('subprocessor_objections')
      .select(sql<string>`count(*)`.as('n'))
      .where(sql`lower(email)`, '=', key)
      .executeTakeFirstOrThrow(),
    db.selectFrom('subject_flags').select(sql<string>`count(*)`.as('n')).where('email_key', '=', key).executeTakeFirstOrThrow(),
    db
      .selectFrom('mail_outbox')
      .select(sql<string>`count(*)`.as('n'))
      .where(sql`lower(to_address)`, '=', key)
      .where('status', '!=', 'queued')
      .executeTakeFirstOrThrow(),
    art19RecipientsOf(db),
  ]);
  // Closed requests and never-confirmed ones (nobody proved the address, so nothing is owed on
  // them) are reduced; requests still being answered keep their data until they close.
  const erasable = (r: { id: string; state: RequestRow['state'] }) => String(r.id) === String(request.id) || isClosed(r.state) || isUnverified(r.state);
  const requests = related.filter(erasable);
  const openElsewhere = related.filter((r) => !erasable(r));
  const ids = requests.map((r) => r.id);
  const [attachments, packageFiles, packages, sessions] = await Promise.all([
    ids.length ? db.selectFrom('request_attachments').select(sql<string>`count(*)`.as('n')).where('request_id', 'in', ids).executeTakeFirstOrThrow() : { n: '0' },
    ids.length ? db.selectFrom('package_files').select(sql<string>`count(*)`.as('n')).where('request_id', 'in', ids).executeTakeFirstOrThrow() : { n: '0' },
    ids.length
      ? db.selectFrom('access_packages').select(sql<string>`count(*)`.as('n')).where('request_id', 'in', ids).where('deleted_at', 'is', null).executeTakeFirstOrThrow()
      : { n: '0' },
    account ? db.selectFrom('sessions').select(sql<string>`count(*)`.as('n')).where('user_id', '=', account.id).executeTakeFirstOrThrow() : { n: '0' },
  ]);
  const list = (rows: typeof related) => rows.map((r) => ({ id: String(r.id), reference: r.reference, type: r.type, state: r.state }));
  return {
    request: { id: String(request.id), reference: request.reference, state: request.state },
    email,
    emailHash: emailProofHash(email),
    account: account
      ? { id: account.id, email: account.email, role: account.role, sessions: Number(sessions.n), erasable: account.role === 'subject' }
      : null,
    requests: list(requests),
    openElsewhere: list(openElsewhere),
    attachments: Number(attachments.n),
    packageFiles: Number(packageFiles.n),
    packages: Number(packages.n),
    subscriptions: Number(subscriptions.n),
    objections: Number(objections.n),
    flags: Number(flags.n),
    sentMail: Number(sentMail.n),
    recipients,
    byHand,
    authorityProblem: erasureAuthorityProblem(request),
  };
}

/**
 * Subprocessors marked as receiving personal data, with their current name: those with a privacy
 * contact get the notice by mail; those without are listed for staff to notify by hand.
 */
export async function art19RecipientsOf(db: DB) {
  const rows = await db
    .selectFrom('subprocessors as s')
    .select([
      's.id',
      's.slug',
      's.privacy_contact_email',
      (eb) =>
        eb
          .selectFrom('subprocessor_changes as c')
          .select(sql<string | null>`c.details->>'name'`.as('name'))
          .whereRef('c.subprocessor_id', '=', 's.id')
          .where('c.details', 'is not', null)
          .orderBy('c.effective_on', 'desc')
          .orderBy('c.id', 'desc')
          .limit(1)
          .as('name'),
    ])
    .where('s.receives_personal_data', '=', true)
    .orderBy('s.id')
    .execute();
  const named = rows.map((r) => ({ id: String(r.id), name: r.name ?? r.slug, contactEmail: r.privacy_contact_email }));
  return {
    recipients: named.flatMap((r) => (r.contactEmail ? [{ id: r.id, name: r.name, contactEmail: r.contactEmail }] : [])),
    byHand: named.flatMap((r) => (r.contactEmail ? [] : [{ id: r.id, name: r.name }])),
  };
}

/** What erasing this request's subject would do, for staff to read before confirming. */
export async function erasurePreview(db: DB, requestId: string): Promise<{ plan: ErasurePlan; version: string; request: RequestRow } | undefined> {
  if (!/^\d{1,18}$/.test(requestId)) return undefined;
  const request = await db.selectFrom('requests').selectAll().where('id', '=', requestId).executeTakeFirst();
  if (!request || request.type !== 'erasure') return undefined;
  return { plan: await plan(db, request), version: requestVersion(request), request };
}

function subjectSummary(lang: Language, p: ErasurePlan): string {
  const t = tFor(lang);
  const lines = [t('erasure.erased'), t('erasure.kept')];
  if (p.openElsewhere.length) lines.push(t('erasure.openElsewhere', { references: p.openElsewhere.map((r) => r.reference).join(', ') }));
  // Only the recipients actually told are named; the others are notified by hand, later.
  if (p.recipients.length) lines.push(t('erasure.recipients', { names: p.recipients.map((r) => r.name).join(', ') }));
  if (p.byHand.length) lines.push(t('erasure.recipientsByHand', { count: p.byHand.length }));
  if (!p.recipients.length && !p.byHand.length) lines.push(t('erasure.noRecipients'));
  return lines.join('\n\n');
}

async function mailArt19Notice(trx: Tx, recipient: ErasurePlan['recipients'][number], p: ErasurePlan, organisation: Organisation, reference: string) {
  // The recipient needs the identifier it holds the person under to find and erase the data:
  // the address the subject gave (its own processing of that address is what is being ended).
  const content = renderMail({
    lang: 'en',
    heading: 'Request to erase personal data (Art. 17 and 19 GDPR)',
    paragraphs: [
      `${organisation.name} has erased, at the data subject's request, the personal data it holds about the person with the email address ${p.email} (our reference ${reference}).`,
      `As a recipient of that person's personal data under our agreement with you, please erase the personal data you process about them on our behalf, and confirm to ${organisation.privacyEmail} quoting ${reference} (Art. 19 and Art. 28(3)(g) GDPR).`,
      `${organisation.name}, ${organisation.postalAddress}.`,
    ],
  });
  await queueMail(trx, { to: recipient.contactEmail, subject: `Erasure request ${reference} (Art. 19 GDPR)`, ...content });
}

/**
 * Confirms the erasure: everything in `erasurePreview`, in one transaction. Throws
 * StaleFormError when the request changed since the preview was shown, RequestConflictError
 * when it is not an erasure request that is received or in progress (a second run lands here
 * and changes nothing). A received request is started by the erasure itself.
 */
export async function eraseSubject(
  db: DB,
  input: { requestId: string; version: string; answer: string; /** Erasing while a connected system has not confirmed: why (issue 19.7). */ systemsOverride?: string | null },
  actor: Actor,
  options: { rules: RequestPolicy; organisation: Organisation; now?: Date },
): Promise<ErasurePlan> {
  const now = options.now ?? new Date();
  return withLockedRequest(db, input.requestId, async (trx, request) => {
    if (!request || request.type !== 'erasure') throw new RequestConflictError('No such erasure request');
    if (!ERASABLE_STATES.includes(request.state)) throw new RequestConflictError(NOT_ERASABLE[request.state] ?? 'This request cannot be erased now.');
    if (input.version !== requestVersion(request)) throw new StaleFormError();
    const p = await plan(trx, request);
    // Issue 24.1: a representative's request erases nobody until the subject confirmed or the authority was checked.
    if (p.authorityProblem) throw new RequestConflictError(p.authorityProblem);
    const key = normalizeEmail(p.email);
    const lang: Language = isLanguage(request.lang) ? request.lang : 'en';
    const staffRef = { kind: 'staff' as const, id: actor.id, ip: actor.ip };

    // 0. A request nobody started yet is started here, in the same transaction, so the timeline
    // shows both steps. The subject gets one email, the answer: no "we started" just before it.
    let working = request;
    if (request.state === 'open') {
      working = await applyTransition(trx, request, 'start', staffRef, { rules: options.rules, now, mail: false });
      await recordAudit(trx, { actorId: actor.id, ip: actor.ip, action: 'request.start', targetType: 'request', targetId: String(request.id), details: { by: 'erasure' } });
    }

    // 1. The subject hears it at the address they gave, while that address still exists.
    await trx.updateTable('requests').set({ outcome: 'fulfilled' }).where('id', '=', request.id).execute();
    const note = `${input.answer}\n\n${subjectSummary(lang, p)}`;
    const systemsOverride = input.systemsOverride?.trim() ? { reason: input.systemsOverride.trim(), staffId: actor.id } : null;
    const completed = await applyTransition(trx, working, 'complete', staffRef, { rules: options.rules, now, note, mail: false, systemsOverride });
    const lastMail = await mailErasureDone(trx, completed, note, { publicUrl: options.rules.publicUrl, organisation: options.organisation });

    // 2. Art. 19: every recipient of personal data is told, once, and that is recorded; one
    // without a contact is recorded as a notice staff send by hand (issue 18.4).
    for (const recipient of p.recipients) {
      const inserted = await trx
        .insertInto('erasure_notices')
        .values({ request_id: request.id, subprocessor_id: recipient.id, contact_email: recipient.contactEmail, method: 'email', notified_at: now, created_at: now })
        .onConflict((oc) => oc.columns(['request_id', 'subprocessor_id']).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (inserted) await mailArt19Notice(trx, recipient, p, options.organisation, request.reference);
    }
    for (const recipient of p.byHand) {
      await trx
        .insertInto('erasure_notices')
        .values({ request_id: request.id, subprocessor_id: recipient.id, contact_email: null, method: 'by_hand', created_at: now })
        .onConflict((oc) => oc.columns(['request_id', 'subprocessor_id']).doNothing())
        .execute();
    }

    // 3. The erasure itself.
    if (p.account?.erasable) {
      await trx.updateTable('requests').set({ user_id: null }).where('user_id', '=', p.account.id).execute();
      // Sessions, email-confirmation and reset links go with the account (ON DELETE CASCADE).
      await trx.deleteFrom('users').where('id', '=', p.account.id).execute();
    }
    await trx.deleteFrom('subprocessor_subscriptions').where(sql`lower(email)`, '=', key).execute();
    // Staff's answer addresses the person by name: it goes with the address and the reason.
    await trx
      .updateTable('subprocessor_objections')
      .set({ email: '', reason: '[erased]', answer: sql<string | null>`case when answer is null then null else '[erased]' end` })
      .where(sql`lower(email)`, '=', key)
      .execute();
    await trx.deleteFrom('subject_flags').where('email_key', '=', key).execute();
    // The sign-in counter is keyed by the address (login-throttle.server.ts throttleKeys).
    await trx.deleteFrom('login_throttle').where('key', '=', `account:${key}`).execute();
    await trx.deleteFrom('mail_outbox').where(sql`lower(to_address)`, '=', key).where('status', '!=', 'queued').execute();
    for (const r of p.requests) {
      await reduceToProofRecord(trx, r.id, { now, note: `Erased (Art. 17) under ${request.reference}; this proof record remains (Art. 17(3)(b) and (e)).` });
    }

    // 4. What a restore of an older backup must apply again, and the scrub of the dead rows,
    // the write-ahead log and the mail files (erasure-scrub.server.ts), run by the job queue.
    await trx
      .insertInto('erasure_ledger')
      .values({
        reference: request.reference,
        email_hash: p.emailHash,
        erased_at: now,
        requests: JSON.stringify(p.requests.map((r) => r.reference)),
        account_deleted: !!p.account?.erasable,
      })
      .execute();
    await enqueueJob(trx, {
      kind: ERASURE_SCRUB_JOB,
      payload: { reference: request.reference, emailHash: p.emailHash, outboxIds: lastMail ? [lastMail] : [] },
      // After the last email's own delivery job, which the scrub waits for.
      runAt: new Date(now.getTime() + SCRUB_DELAY_MS),
      dedupeKey: `${ERASURE_SCRUB_JOB}:${request.id}`,
      maxAttempts: 30,
    });

    await recordAudit(trx, {
      actorId: actor.id,
      ip: actor.ip,
      action: 'request.erase',
      targetType: 'request',
      targetId: String(request.id),
      details: {
        emailHash: p.emailHash,
        account: p.account ? (p.account.erasable ? 'deleted' : 'kept: staff account') : 'none',
        sessions: p.account?.erasable ? p.account.sessions : 0,
        requests: p.requests.length,
        keptOpen: p.openElsewhere.length,
        attachments: p.attachments,
        packageFiles: p.packageFiles,
        packages: p.packages,
        subscriptions: p.subscriptions,
        objections: p.objections,
        flags: p.flags,
        art19Notices: p.recipients.length,
        art19ByHand: p.byHand.length,
      },
    });
    return p;
  });
}

/** A subprocessor's current name: the latest change that carries details. */
function subprocessorName(id: Expression<string>) {
  return sql<string | null>`(select c.details->>'name' from subprocessor_changes c where c.subprocessor_id = ${id} and c.details is not null order by c.effective_on desc, c.id desc limit 1)`;
}

/** The proof an erased request keeps, for the staff page. */
export async function erasureProof(db: DB, requestId: string) {
  const [request, notices] = await Promise.all([
    db
      .selectFrom('requests')
      .select(['reference', 'type', 'state', 'outcome', 'created_at', 'received_at', 'closed_at', 'email_hash', 'personal_data_deleted_at'])
      .where('id', '=', requestId)
      .executeTakeFirst(),
    db
      .selectFrom('erasure_notices as n')
      .innerJoin('subprocessors as s', 's.id', 'n.subprocessor_id')
      .select(['s.slug', 'n.contact_email', 'n.created_at', (eb) => subprocessorName(eb.ref('s.id')).as('name')])
      .where('n.request_id', '=', requestId)
      .orderBy('n.id')
      .execute(),
  ]);
  if (!request?.personal_data_deleted_at) return null;
  return {
    emailHash: request.email_hash,
    erasedAt: request.personal_data_deleted_at.toISOString(),
    // The registry's name as published (the slug is an internal, lower-case key).
    notices: notices.map((n) => ({ subprocessor: n.name ?? n.slug, contact: n.contact_email ?? 'no contact: notify by hand', at: n.created_at.toISOString() })),
  };
}
