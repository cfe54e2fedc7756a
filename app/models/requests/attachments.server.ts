import { fileTypeFromBuffer } from 'file-type';
import type { DB } from '../../../db/client';
import { isClosed } from '~/models/requests/lifecycle';
import { daysMs, RETENTION_DAYS } from '~/models/policy';
import { openBytes, sealBytes } from '~/utils/file-crypto.server';

/**
 * Files a subject attaches to a reply (proof of identity or of authority to act). Only PDF,
 * PNG and JPEG, judged by their bytes rather than the name or the browser's word; at most
 * 10 MB each; encrypted with AES-256-GCM under a key derived from EXPORT_KEY, so a database
 * dump alone does not reveal them.
 */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
// Four files of 10 MB stay under the server's 50 MB hard cap on any body.
export const MAX_ATTACHMENTS_PER_REPLY = 4;
const ALLOWED = ['application/pdf', 'image/png', 'image/jpeg'] as const;
type AllowedType = (typeof ALLOWED)[number];
export type AttachmentType = AllowedType;

/** Why a file was refused: `code` and `params` let a page say it in the subject's language. */
export class AttachmentError extends Error {
  override name = 'AttachmentError';
  constructor(
    message: string,
    readonly code: 'empty' | 'too_large' | 'type' | 'too_many' = 'type',
    readonly params: { name?: string; count?: number } = {},
  ) {
    super(message);
  }
}

const PURPOSE = 'request-attachments/v1';

export function encryptAttachment(plain: Buffer, exportKey: string, requestId: string) {
  return sealBytes(plain, exportKey, PURPOSE, `request:${requestId}`);
}

export function decryptAttachment(
  stored: { iv: Buffer; auth_tag: Buffer; ciphertext: Buffer },
  exportKey: string,
  requestId: string,
): Buffer {
  return openBytes(stored, exportKey, PURPOSE, `request:${requestId}`);
}

/** The real type of `bytes` when it is one we accept; throws with a message for the subject. */
export async function checkAttachment(filename: string, bytes: Buffer): Promise<AllowedType> {
  if (bytes.length === 0) throw new AttachmentError(`${filename} is empty`, 'empty', { name: filename });
  if (bytes.length > MAX_ATTACHMENT_BYTES) throw new AttachmentError(`${filename} is larger than 10 MB`, 'too_large', { name: filename });
  const detected = await fileTypeFromBuffer(bytes);
  const mime = detected?.mime as AllowedType | undefined;
  if (!mime || !ALLOWED.includes(mime)) throw new AttachmentError(`${filename} is not a PDF, PNG or JPEG file`, 'type', { name: filename });
  return mime;
}

/** What staff may keep as the request as received: the original email, or a scan (issue 21). */
export type OriginalType = AllowedType | 'message/rfc822' | 'application/vnd.ms-outlook';
export type StoredAttachmentType = OriginalType;

/** Header names one of which any real email carries near its top. */
const MAIL_HEADERS = /^(from|date|subject|received|message-id|mime-version|return-path|to|delivered-to)$/i;

/**
 * An email saved as `.eml` is text, so no magic bytes say what it is: it is taken as one when
 * it starts with a block of RFC 5322 header lines, among them at least two that every mail
 * carries, ended by a blank line. Only the first 64 KB are looked at.
 */
export function looksLikeEmail(bytes: Buffer): boolean {
  const head = bytes.subarray(0, 65_536).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  if (end <= 0) return false;
  let known = 0;
  for (const line of head.slice(0, end).split(/\r?\n/)) {
    if (/^[ \t]/.test(line)) continue; // a folded continuation of the header above
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) return false;
    if (MAIL_HEADERS.test(name)) known += 1;
  }
  return known >= 2;
}

/**
 * The real type of the request as received, judged by its bytes: a PDF or image scan as any
 * attachment, an Outlook `.msg` (an OLE compound file), or an `.eml`. Same 10 MB limit.
 */
export async function checkOriginal(filename: string, bytes: Buffer): Promise<OriginalType> {
  if (bytes.length === 0) throw new AttachmentError(`${filename} is empty`, 'empty', { name: filename });
  if (bytes.length > MAX_ATTACHMENT_BYTES) throw new AttachmentError(`${filename} is larger than 10 MB`, 'too_large', { name: filename });
  const detected = await fileTypeFromBuffer(bytes);
  if (detected?.mime === 'application/x-cfb' && /\.msg$/i.test(filename)) return 'application/vnd.ms-outlook';
  if (detected && (ALLOWED as readonly string[]).includes(detected.mime)) return detected.mime as AllowedType;
  if (!detected && looksLikeEmail(bytes)) return 'message/rfc822';
  throw new AttachmentError(`${filename} is not an email (.eml, .msg), a PDF, PNG or JPEG file`, 'type', { name: filename });
}

/** Keeps a name safe to show and to put in a Content-Disposition header. */
export function cleanFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001F\u007F"]/g, '').trim().slice(0, 120);
  return cleaned || 'attachment';
}

export async function storeAttachment(
  trx: DB,
  input: { requestId: string; eventId: string; filename: string; bytes: Buffer; contentType: StoredAttachmentType },
  exportKey: string,
) {
  const { iv, authTag, ciphertext } = encryptAttachment(input.bytes, exportKey, input.requestId);
  return trx
    .insertInto('request_attachments')
    .values({
      request_id: input.requestId,
      event_id: input.eventId,
      filename: cleanFilename(input.filename),
      content_type: input.contentType,
      size: input.bytes.length,
      iv,
      auth_tag: authTag,
      ciphertext,
    })
    .returning(['id', 'filename', 'size'])
    .executeTakeFirstOrThrow();
}

export async function listAttachments(db: DB, requestId: string) {
  return db
    .selectFrom('request_attachments')
    .select(['id', 'event_id', 'filename', 'content_type', 'size', 'created_at'])
    .where('request_id', '=', requestId)
    .orderBy('created_at')
    .execute();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One attachment of one request, decrypted; undefined when it belongs to another request. */
export async function readAttachment(db: DB, scope: { requestId: string; attachmentId: string }, exportKey: string) {
  if (!UUID.test(scope.attachmentId)) return undefined;
  const row = await db
    .selectFrom('request_attachments')
    .selectAll()
    .where('id', '=', scope.attachmentId)
    .where('request_id', '=', scope.requestId)
    .executeTakeFirst();
  if (!row) return undefined;
  return { filename: row.filename, contentType: row.content_type, bytes: decryptAttachment(row, exportKey, scope.requestId) };
}

/** The subject removes a file they attached; the timeline keeps a line saying so. */
export async function removeAttachment(db: DB, scope: { requestId: string; attachmentId: string }): Promise<boolean> {
  if (!UUID.test(scope.attachmentId)) return false;
  return db.transaction().execute(async (trx) => {
    const removed = await trx
      .deleteFrom('request_attachments')
      .where('id', '=', scope.attachmentId)
      .where('request_id', '=', scope.requestId)
      .returning('filename')
      .executeTakeFirst();
    if (!removed) return false;
    await trx
      .insertInto('request_events')
      .values({ request_id: scope.requestId, actor: 'subject', kind: 'attachment_removed', note: `You removed ${removed.filename}.` })
      .execute();
    return true;
  });
}

/** The retention job: 30 days after a request closed, its attachments go. */
export async function purgeAttachmentsOfClosedRequest(db: DB, requestId: string, now: Date = new Date()): Promise<number> {
  const request = await db.selectFrom('requests').select(['state', 'closed_at']).where('id', '=', requestId).executeTakeFirst();
  if (!request || !isClosed(request.state) || !request.closed_at) return 0;
  if (request.closed_at.getTime() + daysMs(RETENTION_DAYS.requestAttachmentsAfterClose) > now.getTime()) return 0;
  const result = await db.deleteFrom('request_attachments').where('request_id', '=', requestId).executeTakeFirst();
  return Number(result.numDeletedRows);
}
