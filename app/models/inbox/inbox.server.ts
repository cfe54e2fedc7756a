import { randomUUID } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { simpleParser, type AddressObject } from 'mailparser';
import { convert } from 'html-to-text';
import type { DB } from '../../../db/client';
import type { InboxItemState } from '../../../db/schema';
import { recordAudit, type Actor } from '~/models/audit.server';
import { encryptAttachment } from '~/models/requests/attachments.server';
import { appendEvent } from '~/models/requests/transitions.server';
import { openBytes, sealBytes } from '~/utils/file-crypto.server';

/**
 * The privacy mailbox (issue 21, part 2). A poller reads new messages from INBOX_IMAP_URL and
 * keeps each as an inbox item: sender, subject, date, a text rendering made on the server (the
 * sender's HTML is never shown as HTML, and nothing it links to is fetched), its attachments
 * and the raw .eml, both encrypted under EXPORT_KEY. (mailbox, UIDVALIDITY, UID) is unique and
 * inserted with ON CONFLICT DO NOTHING, so each message is taken once across instances and
 * restarts. The only change made to the mailbox is the \Seen flag on messages taken.
 */
const PURPOSE = 'inbox/v1';
/** A message larger than this is taken with its headers and a note, not its body (the server's cap on one item). */
export const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;
/** Messages read per poll; the rest wait for the next minute. */
export const POLL_BATCH = 200;

export class InboxConflictError extends Error {
  override name = 'InboxConflictError';
}
export class InboxNotFoundError extends Error {
  override name = 'InboxNotFoundError';
}

export type InboxSettings = { url: string; password: string; exportKey: string };
export type PollResult = { mailbox: string; uidvalidity: string; seen: number; taken: number; alreadyTaken: number; uids: number[] };
type Log = { info: (obj: Record<string, unknown>, msg: string) => void };

/** The sender's HTML as plain text: scripts, styles and images dropped, link targets not kept. */
export function htmlToSafeText(html: string): string {
  return convert(html, {
    wordwrap: false,
    selectors: [
      { selector: 'script', format: 'skip' },
      { selector: 'style', format: 'skip' },
      { selector: 'head', format: 'skip' },
      { selector: 'img', format: 'skip' },
      { selector: 'a', options: { ignoreHref: true } },
    ],
  }).trim();
}

function firstAddress(from: AddressObject | AddressObject[] | undefined): { address: string; name: string } {
  const list = Array.isArray(from) ? from : from ? [from] : [];
  const first = list.flatMap((a) => a.value)[0];
  return { address: (first?.address ?? '').slice(0, 320), name: (first?.name ?? '').slice(0, 200) };
}

function sealEml(itemId: string, bytes: Uint8Array, exportKey: string) {
  return sealBytes(bytes, exportKey, PURPOSE, `inbox:${itemId}:eml`);
}

export function openEml(item: { id: string; eml_iv: Buffer; eml_auth_tag: Buffer; eml_ciphertext: Buffer }, exportKey: string): Buffer {
  return openBytes({ iv: item.eml_iv, auth_tag: item.eml_auth_tag, ciphertext: item.eml_ciphertext }, exportKey, PURPOSE, `inbox:${item.id}:eml`);
}

export function openInboxAttachment(att: { id: string; item_id: string; iv: Buffer; auth_tag: Buffer; ciphertext: Buffer }, exportKey: string): Buffer {
  return openBytes(att, exportKey, PURPOSE, `inbox:${att.item_id}:${att.id}`);
}

/**
 * Stores one raw message as an inbox item unless (mailbox, uidvalidity, uid) is already there.
 * Returns the new item's id, or null when another poller (or an earlier run) took it.
 */
export async function storeInboxMessage(
  db: DB,
  input: { mailbox: string; uidvalidity: string; uid: number; source: Buffer },
  exportKey: string,
): Promise<string | null> {
  const parsed = await simpleParser(input.source, { skipImageLinks: true, skipHtmlToText: true, skipTextLinks: true });
  const from = firstAddress(parsed.from);
  const text = parsed.text?.trim() ? parsed.text.trim() : parsed.html ? htmlToSafeText(parsed.html) : '';
  const id = randomUUID();
  const eml = sealEml(id, input.source, exportKey);
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('inbox_items')
      .values({
        id,
        mailbox: input.mailbox,
        uidvalidity: input.uidvalidity,
        uid: input.uid,
        message_id: parsed.messageId?.slice(0, 998) ?? null,
        from_address: from.address,
        from_name: from.name,
        subject: (parsed.subject ?? '').slice(0, 998),
        sent_at: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date : null,
        body_text: text,
        eml_size: input.source.length,
        eml_iv: eml.iv,
        eml_auth_tag: eml.authTag,
        eml_ciphertext: eml.ciphertext,
      })
      .onConflict((oc) => oc.constraint('inbox_items_message_once').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!row) return null;
    for (const att of parsed.attachments) {
      const attId = randomUUID();
      const sealed = sealBytes(att.content, exportKey, PURPOSE, `inbox:${id}:${attId}`);
      await trx
        .insertInto('inbox_attachments')
        .values({
          id: attId,
          item_id: id,
          filename: cleanName(att.filename ?? 'attachment'),
          content_type: (att.contentType || 'application/octet-stream').slice(0, 200),
          size: att.content.length,
          iv: sealed.iv,
          auth_tag: sealed.authTag,
          ciphertext: sealed.ciphertext,
        })
        .execute();
    }
    await recordAudit(trx, { actorId: null, action: 'inbox.received', targetType: 'inbox_item', targetId: id, details: { mailbox: input.mailbox, uid: input.uid } });
    return id;
  });
}

function cleanName(name: string): string {
  // eslint-disable-next-line no-control-regex
  return (name.split(/[\\/]/).pop() ?? '').replace(/[\u0000-\u001F\u007F"]/g, '').trim().slice(0, 120) || 'attachment';
}

/** Splits imaps://user@host:993/INBOX into what ImapFlow needs. */
export function imapOptions(url: string, password: string) {
  const u = new URL(url);
  const secure = u.protocol === 'imaps:';
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : secure ? 993 : 143,
    secure,
    // Plain imap:// is for a server on this host (tests, a local relay); it never upgrades to TLS.
    doSTARTTLS: secure ? undefined : false,
    auth: { user: decodeURIComponent(u.username), pass: password },
    mailbox: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'INBOX',
  };
}

/**
 * One poll: opens the mailbox, reads messages with a UID above the highest taken for this
 * UIDVALIDITY, stores each (once) and then flags it \Seen. Nothing else in the mailbox changes.
 */
export async function pollInbox(db: DB, settings: InboxSettings, log?: Log): Promise<PollResult> {
  const { mailbox, ...options } = imapOptions(settings.url, settings.password);
  const client = new ImapFlow({ ...options, logger: false });
  await client.connect();
  try {
    const opened = await client.mailboxOpen(mailbox);
    const uidvalidity = String(opened.uidValidity);
    const last = await db
      .selectFrom('inbox_items')
      .select((eb) => eb.fn.max('uid').as('max'))
      .where('mailbox', '=', mailbox)
      .where('uidvalidity', '=', uidvalidity)
      .executeTakeFirst();
    const after = Number(last?.max ?? 0);
    const result: PollResult = { mailbox, uidvalidity, seen: 0, taken: 0, alreadyTaken: 0, uids: [] };
    if (opened.exists === 0) return result;
    const messages: { uid: number; source: Buffer }[] = [];
    for await (const msg of client.fetch(`${after + 1}:*`, { uid: true, source: { maxLength: MAX_MESSAGE_BYTES } }, { uid: true })) {
      // "N:*" also names the last message when none is above N: keep only new UIDs.
      if (msg.uid > after && msg.source && messages.length < POLL_BATCH) messages.push({ uid: msg.uid, source: msg.source });
    }
    for (const msg of messages) {
      result.seen += 1;
      const id = await storeInboxMessage(db, { mailbox, uidvalidity, uid: msg.uid, source: msg.source }, settings.exportKey);
      if (id) {
        result.taken += 1;
        result.uids.push(msg.uid);
      } else result.alreadyTaken += 1;
      await client.messageFlagsAdd(String(msg.uid), ['\\Seen'], { uid: true });
    }
    log?.info({ mailbox, uidvalidity, seen: result.seen, taken: result.taken, alreadyTaken: result.alreadyTaken, uids: result.uids }, 'privacy mailbox polled');
    return result;
  } finally {
    await client.logout().catch(() => client.close());
  }
}

export type InboxListRow = { id: string; from_address: string; from_name: string; subject: string; sent_at: Date | null; received_at: Date; state: InboxItemState };

export async function listInboxItems(db: DB, filter: { state?: InboxItemState | 'all'; limit?: number } = {}): Promise<InboxListRow[]> {
  let q = db.selectFrom('inbox_items').select(['id', 'from_address', 'from_name', 'subject', 'sent_at', 'received_at', 'state']);
  const state = filter.state ?? 'new';
  if (state !== 'all') q = q.where('state', '=', state);
  return q.orderBy('received_at', 'desc').orderBy('id').limit(filter.limit ?? 200).execute();
}

/** One item for staff, without its encrypted bytes; the view is audited. */
export async function viewInboxItem(db: DB, itemId: string, actor: Actor) {
  const item = await db
    .selectFrom('inbox_items')
    .select(['id', 'from_address', 'from_name', 'subject', 'sent_at', 'received_at', 'body_text', 'eml_size', 'state', 'state_reason', 'request_id', 'handled_at'])
    .where('id', '=', itemId)
    .executeTakeFirst();
  if (!item) return null;
  const attachments = await db.selectFrom('inbox_attachments').select(['id', 'filename', 'content_type', 'size']).where('item_id', '=', itemId).orderBy('filename').execute();
  await recordAudit(db, { actorId: actor.id, ip: actor.ip, action: 'inbox.viewed', targetType: 'inbox_item', targetId: itemId });
  return { ...item, attachments };
}

/**
 * One attachment of an item, decrypted, for staff to download; the opening is audited (by file
 * name and size, never its bytes). Null when the item has no such attachment.
 */
export async function openInboxAttachmentFor(db: DB, scope: { itemId: string; attachmentId: string }, actor: Actor, exportKey: string) {
  const att = await db
    .selectFrom('inbox_attachments')
    .select(['id', 'item_id', 'filename', 'size', 'iv', 'auth_tag', 'ciphertext'])
    .where('id', '=', scope.attachmentId)
    .where('item_id', '=', scope.itemId)
    .executeTakeFirst();
  if (!att) return null;
  const bytes = openInboxAttachment(att, exportKey);
  await recordAudit(db, {
    actorId: actor.id,
    ip: actor.ip,
    action: 'inbox.attachment_opened',
    targetType: 'inbox_item',
    targetId: scope.itemId,
    details: { attachmentId: att.id, filename: att.filename.slice(0, 200), bytes: att.size },
  });
  return { filename: att.filename, bytes };
}

/** Where "turn into a request" leads: the staff intake form with the message's facts filled in. */
export function requestPrefillUrl(item: { id: string; from_address: string; from_name: string; sent_at: Date | null; received_at: Date }): string {
  const params = new URLSearchParams({
    channel: 'email',
    received_at: (item.sent_at ?? item.received_at).toISOString(),
    email: item.from_address,
    name: item.from_name,
    inbox: item.id,
  });
  return `/staff/requests/new?${params.toString()}`;
}

async function lockNewItem(trx: DB, itemId: string) {
  const item = await trx.selectFrom('inbox_items').selectAll().where('id', '=', itemId).forUpdate().executeTakeFirst();
  if (!item) throw new InboxNotFoundError('No such inbox item');
  if (item.state !== 'new') throw new InboxConflictError(`This message was already handled (${item.state})`);
  return item;
}

async function attachEml(trx: DB, requestId: string, eventId: string, eml: Buffer, exportKey: string) {
  const sealed = encryptAttachment(eml, exportKey, requestId);
  await trx
    .insertInto('request_attachments')
    .values({ request_id: requestId, event_id: eventId, filename: 'message.eml', content_type: 'message/rfc822', size: eml.length, iv: sealed.iv, auth_tag: sealed.authTag, ciphertext: sealed.ciphertext })
    .execute();
}

/**
 * The request made from this message now exists: the item is marked converted and its raw
 * .eml becomes an attachment of the request (on a timeline event). Call inside the
 * transaction that created the request.
 */
export async function takeInboxItemForRequest(trx: DB, itemId: string, requestId: string, actor: Actor, options: { exportKey: string; now?: Date }) {
  const now = options.now ?? new Date();
  const item = await lockNewItem(trx, itemId);
  const eml = openEml(item, options.exportKey);
  const eventId = await appendEvent(trx, { requestId, actor: { kind: 'staff', id: actor.id }, kind: 'inbox_email', note: `Made from the email "${item.subject}" from ${item.from_address}` });
  await attachEml(trx, requestId, eventId, eml, options.exportKey);
  await trx.updateTable('inbox_items').set({ state: 'converted', request_id: requestId, handled_by: actor.id, handled_at: now }).where('id', '=', itemId).execute();
  await recordAudit(trx, { actorId: actor.id, ip: actor.ip, action: 'inbox.converted', targetType: 'inbox_item', targetId: itemId, details: { requestId } });
}

/** Attaches the message to an existing request (by its reference) as the subject's reply: a timeline event with the text and the .eml. */
export async function attachInboxItemToRequest(db: DB, itemId: string, reference: string, actor: Actor, options: { exportKey: string; now?: Date }): Promise<string> {
  const now = options.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    const request = await trx.selectFrom('requests').select(['id']).where('reference', '=', reference.trim().toUpperCase()).executeTakeFirst();
    if (!request) throw new InboxNotFoundError('No request has this reference');
    const item = await lockNewItem(trx, itemId);
    const eml = openEml(item, options.exportKey);
    const note = `Email from ${item.from_address}: ${item.subject}\n\n${item.body_text}`.slice(0, 20_000);
    const eventId = await appendEvent(trx, { requestId: request.id, actor: { kind: 'subject', id: null }, kind: 'reply', note });
    await attachEml(trx, request.id, eventId, eml, options.exportKey);
    await trx.updateTable('inbox_items').set({ state: 'attached', request_id: request.id, handled_by: actor.id, handled_at: now }).where('id', '=', itemId).execute();
    await recordAudit(trx, { actorId: actor.id, ip: actor.ip, action: 'inbox.attached', targetType: 'inbox_item', targetId: itemId, details: { requestId: request.id } });
    return request.id;
  });
}

/** "Not a request", with the reason staff gave. */
export async function dismissInboxItem(db: DB, itemId: string, reason: string, actor: Actor, now: Date = new Date()) {
  const why = reason.trim();
  if (!why) throw new InboxConflictError('Give a reason');
  await db.transaction().execute(async (trx) => {
    await lockNewItem(trx, itemId);
    await trx.updateTable('inbox_items').set({ state: 'dismissed', state_reason: why.slice(0, 2000), handled_by: actor.id, handled_at: now }).where('id', '=', itemId).execute();
    await recordAudit(trx, { actorId: actor.id, ip: actor.ip, action: 'inbox.dismissed', targetType: 'inbox_item', targetId: itemId, details: { reason: why.slice(0, 500) } });
  });
}

/** Retention: items received more than `days` ago are deleted with their files (a converted item's .eml lives on in its request). */
export async function purgeInboxItems(db: DB, now: Date, days: number): Promise<number> {
  const cutoff = new Date(now.getTime() - days * 86_400_000);
  const res = await db.deleteFrom('inbox_items').where('received_at', '<', cutoff).executeTakeFirst();
  return Number(res.numDeletedRows);
}
