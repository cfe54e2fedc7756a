/**
 * API tokens for external monitors: issued by an administrator, shown once, stored as SHA-256
 * only, limited to scopes (component status, incidents) and optionally to some components,
 * expiring, revocable. Every issue and revocation is audited; the token never is.
 */
import { sql } from 'kysely';
import type { DB } from '../../../db/client';
import { recordAudit, type Actor } from '~/models/audit.server';
import { randomToken, sha256 } from '~/utils/crypto.server';
import { StatusRuleError } from '~/models/status/components.server';

import { TOKEN_SCOPES, type TokenScope } from '~/models/status/rules';

export { TOKEN_SCOPES, type TokenScope };
export const TOKEN_PREFIX = 'ppst_';
/** The longest an administrator may let a token live. */
export const TOKEN_MAX_DAYS = 730;

export type ApiToken = { id: string; name: string; scopes: TokenScope[]; componentIds: string[] | null };

export async function issueApiToken(
  db: DB,
  input: { name: string; scopes: TokenScope[]; componentIds: string[] | null; expiresAt: Date },
  actor: Actor & { now?: Date },
): Promise<{ id: string; token: string }> {
  const now = actor.now ?? new Date();
  if (input.scopes.length === 0) throw new StatusRuleError('Choose at least one scope.', 'scopes');
  if (input.expiresAt <= now) throw new StatusRuleError('Choose an expiry date in the future.', 'expiresOn');
  if (input.expiresAt.getTime() - now.getTime() > TOKEN_MAX_DAYS * 86_400_000) throw new StatusRuleError(`A token lives at most ${TOKEN_MAX_DAYS} days.`, 'expiresOn');
  const token = `${TOKEN_PREFIX}${randomToken(32)}`;
  return db.transaction().execute(async (trx) => {
    if (input.componentIds && input.componentIds.length > 0) {
      const found = await trx.selectFrom('status_components').select('id').where('id', 'in', input.componentIds).where('is_group', '=', false).execute();
      if (found.length !== input.componentIds.length) throw new StatusRuleError('Choose components from the list.', 'components');
    }
    const { id } = await trx
      .insertInto('status_api_tokens')
      .values({
        name: input.name,
        token_hash: sha256(token),
        scopes: JSON.stringify(input.scopes),
        component_ids: input.componentIds && input.componentIds.length > 0 ? JSON.stringify(input.componentIds) : null,
        created_by: actor.id,
        created_at: now,
        expires_at: input.expiresAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actorId: actor.id,
      ip: actor.ip,
      action: 'status.api_key_issued',
      targetType: 'status_api_token',
      targetId: String(id),
      details: { name: input.name, scopes: input.scopes, componentIds: input.componentIds, expiresAt: input.expiresAt.toISOString() },
    });
    return { id: String(id), token };
  });
}

export async function revokeApiToken(db: DB, id: string, actor: Actor & { now?: Date }): Promise<boolean> {
  const now = actor.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('status_api_tokens')
      .set({ revoked_at: now, revoked_by: actor.id })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returning('name')
      .executeTakeFirst();
    if (!row) return false;
    await recordAudit(trx, { actorId: actor.id, ip: actor.ip, action: 'status.api_key_revoked', targetType: 'status_api_token', targetId: id, details: { name: row.name } });
    return true;
  });
}

export async function listApiTokens(db: DB) {
  const rows = await db
    .selectFrom('status_api_tokens')
    .select(['id', 'name', 'scopes', 'component_ids', 'created_at', 'expires_at', 'revoked_at', 'last_used_at'])
    .orderBy('id', 'desc')
    .limit(200)
    .execute();
  return rows.map((r) => ({
    id: String(r.id),
    name: r.name,
    scopes: r.scopes,
    componentIds: r.component_ids,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    lastUsedAt: r.last_used_at,
  }));
}

export type TokenCheck = { ok: true; token: ApiToken } | { ok: false; status: 401 | 403; reason: string };

/**
 * The token behind an `Authorization: Bearer …` (or Statuspage's `OAuth …`) header, if it is
 * known, unexpired, unrevoked and carries `scope`. The refusal never says which of the first
 * three failed (a guesser learns nothing), only that the key was not accepted.
 */
export async function authenticateApiToken(db: DB, header: string | null, scope: TokenScope, now: Date = new Date()): Promise<TokenCheck> {
  const match = /^(?:Bearer|OAuth)[ \t]+([\x21-\x7e]{10,200})[ \t]*$/i.exec(header ?? '');
  if (!match) return { ok: false, status: 401, reason: 'An API key is required: send it as "Authorization: Bearer <key>".' };
  const row = await db
    .selectFrom('status_api_tokens')
    .select(['id', 'name', 'scopes', 'component_ids', 'expires_at', 'revoked_at'])
    .where('token_hash', '=', sha256(match[1]!))
    .executeTakeFirst();
  if (!row || row.revoked_at !== null || row.expires_at <= now) {
    return { ok: false, status: 401, reason: 'The API key is not valid: it is unknown, expired or revoked.' };
  }
  if (!row.scopes.includes(scope)) return { ok: false, status: 403, reason: `The API key may not do this (it lacks the "${scope}" scope).` };
  // At most one write a minute per token: a monitor pushing every few seconds costs no write each time.
  await db
    .updateTable('status_api_tokens')
    .set({ last_used_at: now })
    .where('id', '=', row.id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', sql<Date>`${now}::timestamptz - interval '1 minute'`)]))
    .execute();
  return { ok: true, token: { id: String(row.id), name: row.name, scopes: row.scopes as TokenScope[], componentIds: row.component_ids } };
}

export function tokenCovers(token: ApiToken, componentId: string): boolean {
  return token.componentIds === null || token.componentIds.includes(componentId);
}
