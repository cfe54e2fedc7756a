import { sql, type Transaction } from 'kysely';
import type { DB } from '../../db/client';
import type { KeyObject } from 'node:crypto';
import { ChainVerifier, chainHash, signTrailer } from '../../db/audit-chain';
import type { AuditEvent, Database } from '../../db/schema';

/** Who acts, for the audit trail: a user id (null for the system or a script) and the client address. */
export type Actor = { id: string | null; ip?: string | null };

export type AuditEventInput = {
  actorId: string | null;
  action: string;
  targetType?: string;
  targetId?: string;
  details?: Record<string, unknown>;
  ip?: string | null;
};

/**
 * Appends one event to the audit trail, chained to the one before it. Inside the caller's
 * transaction when given one (the event commits or rolls back with the change it records),
 * else in its own. The chain head is locked FOR UPDATE, so writers on any number of instances
 * append one at a time: ids, and so the chain order, follow lock order. The lock is held to
 * the end of the transaction: record the event after the transaction's other row locks (as
 * withLockedRequest does), so two writers never wait on each other in opposite orders.
 */
export async function recordAudit(db: DB | Transaction<Database>, event: AuditEventInput): Promise<void> {
  if (!db.isTransaction) {
    await db.transaction().execute((trx) => recordAudit(trx, event));
    return;
  }
  const head = await db
    .selectFrom('audit_chain_head')
    .select(['last_hash'])
    .where('id', '=', 1)
    .forUpdate()
    .executeTakeFirstOrThrow();
  const { rows } = await sql<{ id: string }>`select nextval(pg_get_serial_sequence('audit_events', 'id'))::text as id`.execute(db);
  const row = {
    id: rows[0]!.id,
    // Milliseconds: what the chain hashes is exactly what is stored.
    occurred_at: new Date(),
    actor_id: event.actorId,
    action: event.action,
    target_type: event.targetType ?? null,
    target_id: event.targetId ?? null,
    // As it will read back from jsonb (undefined dropped, dates as strings).
    details: JSON.parse(JSON.stringify(event.details ?? {})) as Record<string, unknown>,
    ip: event.ip ?? null,
  };
  const hash = chainHash(head.last_hash, row);
  await db
    .insertInto('audit_events')
    .values({ ...row, details: JSON.stringify(row.details), prev_hash: head.last_hash, hash })
    .execute();
  await db.updateTable('audit_chain_head').set({ last_id: row.id, last_hash: hash }).where('id', '=', 1).execute();
}

export async function listAuditEvents(db: DB, filter: { actorId?: string; action?: string; limit?: number } = {}) {
  let query = db.selectFrom('audit_events').selectAll().orderBy('id', 'desc').limit(filter.limit ?? 100);
  if (filter.actorId) query = query.where('actor_id', '=', filter.actorId);
  if (filter.action) query = query.where('action', '=', filter.action);
  return query.execute();
}

export type AuditFilter = {
  actorId?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  from?: Date;
  to?: Date;
  /** Keyset: rows with an id below this one (newest first). */
  before?: string;
  limit?: number;
};

/** An event as the audit page shows it: with the actor's email while the account exists (erased accounts show their id). */
export type AuditEventWithActor = AuditEvent & { actor_email: string | null };

/** One page of the trail, newest first, and the cursor for the next (older) page. */
export async function searchAuditEvents(db: DB, filter: AuditFilter): Promise<{ events: AuditEventWithActor[]; nextBefore: string | null }> {
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 200);
  let query = db
    .selectFrom('audit_events as a')
    .leftJoin('users as u', 'u.id', 'a.actor_id')
    .selectAll('a')
    .select('u.email as actor_email')
    .orderBy('a.id', 'desc')
    .limit(limit + 1);
  if (filter.actorId) query = query.where('a.actor_id', '=', filter.actorId);
  if (filter.action) query = query.where('a.action', '=', filter.action);
  if (filter.targetType) query = query.where('a.target_type', '=', filter.targetType);
  if (filter.targetId) query = query.where('a.target_id', '=', filter.targetId);
  if (filter.from) query = query.where('a.occurred_at', '>=', filter.from);
  if (filter.to) query = query.where('a.occurred_at', '<', filter.to);
  if (filter.before) query = query.where(sql`a.id`, '<', sql`${filter.before}::bigint`);
  const rows = await query.execute();
  const events = rows.slice(0, limit);
  return { events, nextBefore: rows.length > limit ? String(events[events.length - 1]!.id) : null };
}

/**
 * The trail in chain order (oldest first), in keyset batches: at most `batchSize` rows in
 * memory whatever the length of the trail. `from`/`to` bound occurred_at.
 */
export async function* auditEventsInChainOrder(
  db: DB,
  options: { from?: Date; to?: Date; batchSize?: number } = {},
): AsyncGenerator<AuditEvent> {
  let after: string | null = null;
  for (;;) {
    let query = db.selectFrom('audit_events').selectAll().orderBy('id').limit(options.batchSize ?? 5000);
    if (after !== null) query = query.where(sql`id`, '>', sql`${after}::bigint`);
    if (options.from) query = query.where('occurred_at', '>=', options.from);
    if (options.to) query = query.where('occurred_at', '<', options.to);
    const rows = await query.execute();
    if (rows.length === 0) return;
    yield* rows;
    after = String(rows[rows.length - 1]!.id);
  }
}

export type AuditVerifyResult =
  | { ok: true; count: number }
  | { ok: false; count: number; broken: { id: string; occurredAt: string; reason: string } };

/** Walks the whole chain in batches; also checks the head row names the last event. */
export async function verifyAuditChain(db: DB, options: { batchSize?: number } = {}): Promise<AuditVerifyResult> {
  const verifier = new ChainVerifier();
  let last: AuditEvent | undefined;
  for await (const row of auditEventsInChainOrder(db, options)) {
    const broken = verifier.check(row);
    if (broken) return { ok: false, count: verifier.count, broken };
    last = row;
  }
  const head = await db.selectFrom('audit_chain_head').selectAll().where('id', '=', 1).executeTakeFirst();
  if (!head || head.last_hash !== verifier.prevHash) {
    return {
      ok: false,
      count: verifier.count,
      broken: {
        id: last ? String(last.id) : '(none)',
        occurredAt: last ? new Date(last.occurred_at).toISOString() : '',
        reason: 'the chain head names a later event: events at the end of the trail were removed',
      },
    };
  }
  return { ok: true, count: verifier.count };
}

/**
 * An administrator reads one page of the trail; the reading is itself audited. `filter.actor`
 * is an account's email or id (an email no account has matches nothing).
 */
export async function browseAuditTrail(db: DB, actor: Actor, input: Omit<AuditFilter, 'actorId'> & { actor?: string }) {
  const { actor: who, ...filter } = input;
  let actorId: string | undefined;
  if (who) {
    actorId = who.includes('@')
      ? ((await db.selectFrom('users').select('id').where(sql<string>`lower(email)`, '=', who.trim().toLowerCase()).executeTakeFirst())?.id ??
        '00000000-0000-0000-0000-000000000000')
      : who;
  }
  const page = await searchAuditEvents(db, { ...filter, actorId });
  await recordAudit(db, {
    actorId: actor.id,
    action: 'audit.viewed',
    ip: actor.ip ?? null,
    details: { filter: { ...filter, actorId, from: filter.from?.toISOString(), to: filter.to?.toISOString() } },
  });
  return page;
}

/**
 * An export of the trail between two instants as JSON lines: a header line carrying the
 * prev_hash of the first exported event (so the chain can be checked offline from there:
 * `npm run audit:verify -- --file FILE`), then one event per line in chain order with its
 * prev_hash and hash, then a trailer with the count and the last hash, signed with `signingKey`
 * (a file cut short or rewritten fails the check). Streamed in keyset batches. The export is
 * audited before it starts.
 */
export async function exportAuditTrail(
  db: DB,
  actor: Actor,
  range: { from: Date; to: Date },
  signingKey: { privateKey: KeyObject; keyId: string },
): Promise<ReadableStream<Uint8Array>> {
  await recordAudit(db, {
    actorId: actor.id,
    action: 'audit.exported',
    ip: actor.ip ?? null,
    details: { from: range.from.toISOString(), to: range.to.toISOString() },
  });
  const encoder = new TextEncoder();
  const rows = auditEventsInChainOrder(db, { ...range, batchSize: 2000 });
  const line = (value: unknown) => encoder.encode(`${JSON.stringify(value)}\n`);
  const from = range.from.toISOString();
  const to = range.to.toISOString();
  let header: { prev_hash: string | null } | null = null;
  let count = 0;
  let last: { id: string; hash: string } | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await rows.next();
      if (!header) {
        header = { prev_hash: next.done ? null : next.value.prev_hash };
        controller.enqueue(
          line({ type: 'audit-export', from, to, prev_hash: header.prev_hash, chain: 'hash = sha256_hex(prev_hash || canonical JSON of {id, occurred_at, actor_id, action, target_type, target_id, details, ip}, keys sorted)' }),
        );
      }
      if (next.done) {
        const trailer = signTrailer(signingKey.privateKey, {
          type: 'audit-export-trailer',
          from,
          to,
          prev_hash: header.prev_hash,
          count,
          last_id: last?.id ?? null,
          head_hash: last?.hash ?? header.prev_hash,
          key_id: signingKey.keyId,
        });
        controller.enqueue(line(trailer));
        controller.close();
        return;
      }
      const e = next.value;
      count += 1;
      last = { id: String(e.id), hash: e.hash };
      controller.enqueue(
        line({ id: String(e.id), occurred_at: new Date(e.occurred_at).toISOString(), actor_id: e.actor_id, action: e.action, target_type: e.target_type, target_id: e.target_id, details: e.details, ip: e.ip, prev_hash: e.prev_hash, hash: e.hash }),
      );
    },
    async cancel() {
      await rows.return(undefined);
    },
  });
}
