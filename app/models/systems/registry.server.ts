import { z } from 'zod';
import { IDENTITY_KINDS, IDENTITY_LABELS, KIND_LABELS, SYSTEM_KINDS } from '~/models/systems/labels';
import { recordAudit, type Actor } from '~/models/audit.server';
import { REQUEST_TYPE_VALUES } from '~/models/requests/request-types';
import { parseDiscovery } from '~/models/systems/opendsr.server';
import { OutboundError, outboundRequest } from '~/models/systems/outbound.server';
import { activeSecrets, encryptSecret, newWebhookSecret, rotatedColumns, ROTATION_OVERLAP_MS } from '~/models/systems/secrets.server';
import { webhookHeaders } from '~/models/systems/webhook-signing.server';
import { LANGUAGES } from '~/utils/i18n';
import type { DeliveryDeps } from '~/models/systems/delivery.server';
import type { FormFields } from '~/utils/form-state';
import type { DB } from '../../../db/client';

/**
 * How a system is reached (issue 19.1): its kind, endpoint, deadline and what a missed one does,
 * when it is asked, which identities it is sent, the internal host an administrator allowlisted,
 * OpenDSR's settings; its secret (shown once, rotatable with an overlap) and the test button.
 * Every change is an audit event; a rotation is recorded, never the value.
 */
export { IDENTITY_KINDS, IDENTITY_LABELS, KIND_LABELS, SYSTEM_KINDS };

export const CONNECTION_FIELDS = ['kind', 'endpointUrl', 'allowlisted', 'ownerLang', 'deadlineDays', 'onMissed', 'fanOutOn', 'processorDomain', 'opendsrV3', 'trustedRootPem', ...IDENTITY_KINDS.map((k) => `id:${k}`)];

export const connectionSchema = z
  .object({
    kind: z.enum(SYSTEM_KINDS, { error: 'Choose how requests reach the system' }),
    endpointUrl: z
      .string()
      .trim()
      .max(500, 'At most 500 characters')
      .refine((v) => v === '' || URL.canParse(v), 'Enter a full URL such as https://crm.example.com/dsr')
      .transform((v) => (v === '' ? null : v)),
    allowlisted: z.literal('on').optional(),
    ownerLang: z.enum(LANGUAGES, { error: 'Choose a language' }),
    deadlineDays: z.coerce.number({ error: 'Enter a number of days' }).int('Enter whole days').min(1, 'At least 1 day').max(90, 'At most 90 days'),
    onMissed: z.enum(['block', 'skip'], { error: 'Choose what a missed deadline does' }),
    fanOutOn: z.enum(['verified', 'started'], { error: 'Choose when the system is asked' }),
    processorDomain: z
      .string()
      .trim()
      .toLowerCase()
      .max(253)
      .refine((v) => v === '' || /^[a-z0-9.-]+\.[a-z]{2,}$|^localhost$/.test(v), 'Enter a domain such as opendsr.mparticle.com')
      .default(''),
    opendsrV3: z.literal('on').optional(),
    trustedRootPem: z
      .string()
      .trim()
      .max(20_000)
      .refine((v) => v === '' || v.includes('-----BEGIN CERTIFICATE-----'), 'Paste a PEM certificate, or leave it empty')
      .default(''),
  })
  .superRefine((v, ctx) => {
    if ((v.kind === 'webhook' || v.kind === 'opendsr') && !v.endpointUrl) ctx.addIssue({ code: 'custom', path: ['endpointUrl'], message: 'A webhook or OpenDSR system needs its endpoint URL' });
    if (v.endpointUrl) {
      const url = new URL(v.endpointUrl);
      if (url.username || url.password) ctx.addIssue({ code: 'custom', path: ['endpointUrl'], message: 'Put no credentials in the URL; the secret is kept separately' });
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && v.allowlisted)) ctx.addIssue({ code: 'custom', path: ['endpointUrl'], message: 'Use https (only an allowlisted internal host may use http)' });
    }
    if (v.kind === 'opendsr' && !v.processorDomain) ctx.addIssue({ code: 'custom', path: ['processorDomain'], message: 'Enter the processor’s domain: callbacks from any other are refused' });
  });

export type ConnectionInput = z.infer<typeof connectionSchema> & { identities: string[] };

export function identitiesFrom(fields: FormFields): string[] {
  return IDENTITY_KINDS.filter((k) => fields[`id:${k}`] === 'on');
}

export class ConnectionError extends Error {
  override name = 'ConnectionError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export async function saveConnection(db: DB, systemId: string, input: ConnectionInput, actor: Actor): Promise<void> {
  if (input.identities.length === 0) throw new ConnectionError('id:email', 'Choose at least one identity the system is sent');
  await db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('connected_systems').selectAll().where('id', '=', systemId).forUpdate().executeTakeFirst();
    if (!before || before.is_portal) throw new ConnectionError('kind', 'This system cannot be connected');
    if (input.kind === 'manual' && !before.owner_email) throw new ConnectionError('kind', 'A task by email needs the owner’s email: add it to the system first');
    const settings = { ...(before.settings ?? {}), processorDomain: input.processorDomain || undefined, v3: input.opendsrV3 === 'on', trustedRootPem: input.trustedRootPem || undefined };
    const next = {
      kind: input.kind,
      endpoint_url: input.endpointUrl,
      allowlisted_host: input.allowlisted && input.endpointUrl ? new URL(input.endpointUrl).hostname.toLowerCase() : null,
      owner_lang: input.ownerLang,
      deadline_days: input.deadlineDays,
      on_missed: input.onMissed,
      fan_out_on: input.fanOutOn,
      identities: input.identities,
    };
    const changed = (Object.keys(next) as Array<keyof typeof next>).filter((k) => JSON.stringify(before[k] ?? null) !== JSON.stringify(next[k] ?? null));
    if (JSON.stringify(before.settings ?? {}) !== JSON.stringify(JSON.parse(JSON.stringify(settings)))) changed.push('settings' as never);
    await trx
      .updateTable('connected_systems')
      .set({ ...next, settings: JSON.stringify(settings), updated_at: new Date() })
      .where('id', '=', systemId)
      .execute();
    await recordAudit(trx, { actorId: actor.id, ip: actor.ip, action: 'system.connection_changed', targetType: 'system', targetId: systemId, details: { changed, allowlistedHost: next.allowlisted_host } });
  });
}

/**
 * A new secret for the system, returned once to show the administrator. With a secret already
 * set, it is a rotation: the old one keeps signing and verifying for ROTATION_OVERLAP_MS.
 * `provided` is a token an OpenDSR processor issued (else a webhook secret is generated).
 */
export async function issueSecret(db: DB, connectorKey: string, systemId: string, actor: Actor, provided?: string): Promise<{ secret: string; rotated: boolean; overlapUntil: Date | null }> {
  const now = new Date();
  return db.transaction().execute(async (trx) => {
    const system = await trx.selectFrom('connected_systems').select(['id', 'is_portal', 'secret_enc', 'previous_secret_enc', 'previous_secret_valid_until']).where('id', '=', systemId).forUpdate().executeTakeFirst();
    if (!system || system.is_portal) throw new ConnectionError('secret', 'This system takes no secret');
    const secret = provided?.trim() || newWebhookSecret();
    const columns = system.secret_enc ? rotatedColumns(system, secret, connectorKey, now) : { secret_enc: encryptSecret(secret, connectorKey, system.id), previous_secret_enc: null, previous_secret_valid_until: null };
    await trx.updateTable('connected_systems').set({ ...columns, updated_at: now }).where('id', '=', systemId).execute();
    const rotated = !!system.secret_enc;
    const overlapUntil = rotated ? new Date(now.getTime() + ROTATION_OVERLAP_MS) : null;
    await recordAudit(trx, { actorId: actor.id, ip: actor.ip, action: rotated ? 'system.secret_rotated' : 'system.secret_set', targetType: 'system', targetId: systemId, details: { overlapUntil: overlapUntil?.toISOString() ?? null, provided: !!provided?.trim() } });
    return { secret, rotated, overlapUntil };
  });
}

export async function setSystemEnabled(db: DB, systemId: string, enabled: boolean, actor: Actor): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('connected_systems').set({ enabled, disabled_reason: enabled ? null : 'Disabled by an administrator', updated_at: new Date() }).where('id', '=', systemId).where('is_portal', '=', false).execute();
    await recordAudit(trx, { actorId: actor.id, ip: actor.ip, action: enabled ? 'system.enabled' : 'system.disabled', targetType: 'system', targetId: systemId, details: {} });
  });
}

/**
 * The "test connection" button: a signed `ping` to a webhook, `/discovery` of an OpenDSR
 * processor, and for a manual system a check that it has an owner to mail. The result (a few
 * words, never a body) is kept on the system and audited.
 */
export async function testConnection(deps: Pick<DeliveryDeps, 'db' | 'config' | 'lookup'>, systemId: string, actor: Actor): Promise<{ ok: boolean; result: string }> {
  const system = await deps.db.selectFrom('connected_systems').selectAll().where('id', '=', systemId).executeTakeFirst();
  if (!system || system.is_portal) throw new ConnectionError('kind', 'This system cannot be tested');
  const now = new Date();
  let ok = false;
  let result: string;
  try {
    if (system.kind === 'webhook') {
      if (!system.endpoint_url) throw new ConnectionError('endpointUrl', 'No endpoint URL');
      const secrets = activeSecrets(system, deps.config.secrets.connectorKey, now);
      if (secrets.length === 0) throw new ConnectionError('secret', 'No signing secret: create one first');
      const payload = JSON.stringify({ type: 'ping', timestamp: now.toISOString(), data: { system: system.name } });
      const response = await outboundRequest(system.endpoint_url, {
        method: 'POST',
        headers: { ...webhookHeaders(secrets, `msg_test_${now.getTime()}`, now, payload), 'content-type': 'application/json', 'user-agent': 'PrivacyPortal-Webhooks/1' },
        body: payload,
        allowlistedHost: system.allowlisted_host,
        lookup: deps.lookup,
        maxBytes: 64 * 1024,
      });
      ok = response.status >= 200 && response.status < 300;
      result = ok ? `The endpoint answered ${response.status} to a signed ping.` : `The endpoint answered ${response.status}.`;
    } else if (system.kind === 'opendsr') {
      if (!system.endpoint_url) throw new ConnectionError('endpointUrl', 'No endpoint URL');
      const response = await outboundRequest(`${system.endpoint_url.replace(/\/+$/, '')}/discovery`, { method: 'GET', allowlistedHost: system.allowlisted_host, lookup: deps.lookup, maxBytes: 256 * 1024 });
      if (response.status !== 200) result = `/discovery answered ${response.status}.`;
      else {
        const discovery = parseDiscovery(JSON.parse(response.body.toString('utf8')));
        ok = true;
        result = `/discovery answered: ${discovery.types.join(', ') || 'no request types listed'}; certificate at ${discovery.certificateUrl}.`;
      }
    } else if (system.kind === 'manual') {
      ok = !!system.owner_email;
      result = ok ? `Tasks will be mailed to ${system.owner_email}.` : 'The system has no owner email.';
    } else {
      ok = true;
      result = 'This system is not connected: staff record its answers by hand.';
    }
  } catch (error) {
    result = error instanceof OutboundError || error instanceof ConnectionError ? `Failed: ${error.message}.` : 'Failed: the answer could not be read.';
  }
  await deps.db.transaction().execute(async (trx) => {
    await trx.updateTable('connected_systems').set({ last_tested_at: now, last_test_result: result.slice(0, 300) }).where('id', '=', systemId).execute();
    await recordAudit(trx, { actorId: actor.id, ip: actor.ip, action: 'system.tested', targetType: 'system', targetId: systemId, details: { ok } });
  });
  return { ok, result };
}

export { REQUEST_TYPE_VALUES };
