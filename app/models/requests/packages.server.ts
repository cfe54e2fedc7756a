import { SYSTEM_FILE_PURPOSE, systemFileAad } from '~/models/systems/answers.server';
import { processingFor } from '~/models/datamap/package.server';
import { createHash, randomUUID } from 'node:crypto';
import { fileTypeFromBuffer } from 'file-type';
import { strToU8, unzipSync, Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import { sql } from 'kysely';
import type { DB, Tx } from '../../../db/client';
import type { PackageFileType, PackageFormatFile, RequestRow } from '../../../db/schema';
import { recordAudit, type Actor } from '~/models/audit.server';
import { enqueueJob } from '~/models/jobs.server';
import { ACCESS_PACKAGE, daysMs } from '~/models/policy';
import { cleanFilename } from '~/models/requests/attachments.server';
import { isClosed } from '~/models/requests/lifecycle';
import { mayReachSubjectData } from '~/models/requests/authority';
import { appendEvent, RequestConflictError, withLockedRequest } from '~/models/requests/transitions.server';
import { loadRegistry } from '~/models/subprocessors/registry.server';
import { registryAsOf } from '~/models/subprocessors/rules';
import { normalizeEmail } from '~/utils/email';
import type { Organisation } from '~/utils/env.server';
import { openBytes, openInSlices, sealBytes } from '~/utils/file-crypto.server';
import { formatDeadline, isLanguage, tFor, type Language } from '~/utils/i18n';
import { localDate } from '~/utils/calendar';
import { buildSummary, renderSummaryHtml, type PackageData, type SummaryExtras } from '~/models/requests/package-summary.server';
import { renderSummaryPdf } from '~/models/requests/package-pdf.server';
import { renderDataCsv } from '~/models/requests/package-csv.server';

/**
 * Access (Art. 15) and portability (Art. 20) packages. Staff upload files from other systems
 * while they work the request; completing it builds one ZIP — `data.json` (everything the
 * portal holds on the subject, machine-readable, keys documented in `summary.html`),
 * `summary.html` (the Art. 15(1) facts in the subject's language) and the uploaded files —
 * encrypted under EXPORT_KEY. The subject downloads it through their status link or account
 * for ACCESS_PACKAGE.downloadDays days, at most ACCESS_PACKAGE.maxDownloads times; then the
 * `package.purge` job deletes the bytes and keeps the record that it was delivered.
 */

export const PACKAGE_TYPES: readonly RequestRow['type'][] = ['access', 'portability'];
export const PACKAGE_PURGE_JOB = 'package.purge';
const FILES_PURPOSE = 'package-files/v1';
const PACKAGE_PURPOSE = 'access-packages/v1';

export class PackageFileError extends Error {
  override name = 'PackageFileError';
}

export function takesPackage(request: Pick<RequestRow, 'type'>): boolean {
  return PACKAGE_TYPES.includes(request.type);
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Printable text: valid UTF-8 with no control characters but tab and line breaks. */
function isText(bytes: Buffer): string | null {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (text.includes('\uFFFD')) return null;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(text)) return null;
  return text;
}

/**
 * The real type of an uploaded file, judged by its bytes: PDF, PNG and JPEG by signature; JSON
 * when it parses; CSV when it is plain UTF-8 text with a comma, semicolon or tab on its first line.
 */
export async function checkPackageFile(filename: string, bytes: Buffer): Promise<PackageFileType> {
  if (bytes.length === 0) throw new PackageFileError(`${filename} is empty`);
  if (bytes.length > ACCESS_PACKAGE.maxFileBytes) throw new PackageFileError(`${filename} is larger than ${ACCESS_PACKAGE.maxFileBytes / 1024 / 1024} MB`);
  const detected = await fileTypeFromBuffer(bytes);
  if (detected) {
    if (detected.mime === 'application/pdf' || detected.mime === 'image/png' || detected.mime === 'image/jpeg') return detected.mime;
    throw new PackageFileError(`${filename} is a ${detected.ext.toUpperCase()} file; upload CSV, JSON, PDF, PNG or JPEG`);
  }
  const text = isText(bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])) ? bytes.subarray(3) : bytes);
  if (text === null) throw new PackageFileError(`${filename} is not a CSV, JSON, PDF, PNG or JPEG file`);
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      JSON.parse(trimmed);
      return 'application/json';
    } catch {
      throw new PackageFileError(`${filename} looks like JSON but does not parse`);
    }
  }
  const firstLine = trimmed.split(/\r?\n/, 1)[0] ?? '';
  if (/[,;\t]/.test(firstLine)) return 'text/csv';
  throw new PackageFileError(`${filename} is text but not CSV (no separator on its first line) or JSON`);
}

const EXTENSIONS: Record<PackageFileType, string> = {
  'text/csv': '.csv',
  'application/json': '.json',
  'application/pdf': '.pdf',
  'image/png': '.png',
  'image/jpeg': '.jpg',
};

/** The few facts the package page needs about a request; undefined for a malformed or unknown id. */
export async function getPackageRequest(db: DB, id: string) {
  if (!/^\d{1,18}$/.test(id)) return undefined;
  return db.selectFrom('requests').select(['id', 'reference', 'type', 'state']).where('id', '=', id).executeTakeFirst();
}

/** The staff side of a request that takes a package: open and of the right type. */
async function lockForPackageWork(trx: Tx, request: RequestRow | undefined): Promise<RequestRow> {
  if (!request) throw new RequestConflictError('No such request');
  if (!mayReachSubjectData(request)) {
    throw new RequestConflictError(
      "This request was made by a representative, and the person it is about has not confirmed it, nor is a check of the representative's authority recorded: add files about them once one of those is done.",
    );
  }
  if (!takesPackage(request)) throw new RequestConflictError('Only access and portability requests have a package');
  if (isClosed(request.state) || request.state === 'unverified') {
    throw new RequestConflictError('Files can be added only while the request is open');
  }
  return request;
}

/** Staff add files from other systems to the package; each checked by content, encrypted, on the timeline (internal) and audited. */
export async function uploadPackageFiles(
  db: DB,
  input: { requestId: string; files: Array<{ filename: string; bytes: Buffer }> },
  actor: Actor,
  options: { exportKey: string },
): Promise<Array<{ id: string; filename: string }>> {
  if (input.files.length === 0) throw new PackageFileError('Choose a file to upload');
  const checked = await Promise.all(
    input.files.map(async (f) => ({ ...f, filename: cleanFilename(f.filename), contentType: await checkPackageFile(cleanFilename(f.filename), f.bytes) })),
  );
  return withLockedRequest(db, input.requestId, async (trx, found) => {
    const request = await lockForPackageWork(trx, found);
    const existing = await trx
      .selectFrom('package_files')
      .select(sql<string>`count(*)`.as('n'))
      .where('request_id', '=', request.id)
      .executeTakeFirstOrThrow();
    if (Number(existing.n) + checked.length > ACCESS_PACKAGE.maxFiles) {
      throw new PackageFileError(`A package holds at most ${ACCESS_PACKAGE.maxFiles} uploaded files`);
    }
    const stored: Array<{ id: string; filename: string }> = [];
    for (const file of checked) {
      // The id is made here so the ciphertext can be bound to it (additional data) in one insert.
      const id = randomUUID();
      const sealed = sealBytes(file.bytes, options.exportKey, FILES_PURPOSE, `package-file:${request.id}:${id}`);
      await trx
        .insertInto('package_files')
        .values({
          id,
          request_id: request.id,
          filename: file.filename,
          content_type: file.contentType,
          size: file.bytes.length,
          sha256: sha256(file.bytes),
          iv: sealed.iv,
          auth_tag: sealed.authTag,
          ciphertext: sealed.ciphertext,
          uploaded_by: actor.id,
        })
        .execute();
      stored.push({ id, filename: file.filename });
    }
    await appendEvent(trx, {
      requestId: request.id,
      actor: { kind: 'staff', id: actor.id, ip: actor.ip },
      kind: 'package_file_added',
      note: `Added to the package: ${stored.map((f) => f.filename).join(', ')}.`,
      visibleToSubject: false,
    });
    await recordAudit(trx, {
      actorId: actor.id,
      ip: actor.ip,
      action: 'request.package_file_upload',
      targetType: 'request',
      targetId: String(request.id),
      details: { files: checked.map((f) => ({ type: f.contentType, size: f.bytes.length })) },
    });
    return stored;
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function removePackageFile(db: DB, input: { requestId: string; fileId: string }, actor: Actor): Promise<void> {
  if (!UUID.test(input.fileId)) throw new RequestConflictError('No such file');
  await withLockedRequest(db, input.requestId, async (trx, found) => {
    const request = await lockForPackageWork(trx, found);
    const removed = await trx
      .deleteFrom('package_files')
      .where('id', '=', input.fileId)
      .where('request_id', '=', request.id)
      .returning('filename')
      .executeTakeFirst();
    if (!removed) throw new RequestConflictError('No such file');
    await appendEvent(trx, {
      requestId: request.id,
      actor: { kind: 'staff', id: actor.id, ip: actor.ip },
      kind: 'package_file_removed',
      note: `Removed from the package: ${removed.filename}.`,
      visibleToSubject: false,
    });
    await recordAudit(trx, { actorId: actor.id, ip: actor.ip, action: 'request.package_file_remove', targetType: 'request', targetId: String(request.id) });
  });
}

export async function listPackageFiles(db: DB, requestId: string) {
  return db
    .selectFrom('package_files')
    .select(['id', 'filename', 'content_type', 'size', 'sha256', 'created_at'])
    .where('request_id', '=', requestId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/**
 * The address the package is about: the person's own, or for an agent's request the subject's.
 * An agent's request reaches the subject's data only once the subject confirmed or staff
 * recorded the authority check (issue 24.1); until then the key matches nothing but the request.
 */
function subjectEmailKey(request: RequestRow): string | null {
  if (!mayReachSubjectData(request)) return null;
  if (request.requester_role === 'representative' && request.subject_email) return normalizeEmail(request.subject_email);
  return request.email_key ?? normalizeEmail(request.email);
}

const iso = (d: Date | string | null | undefined) => (d == null ? null : new Date(d).toISOString());

/** Everything the portal holds on the subject of `request`, as `data.json` carries it. */
export async function collectSubjectData(trx: DB, request: RequestRow, organisation: Organisation, timeZone: string, now: Date): Promise<PackageData> {
  // Null until an agent's request may reach the subject: then only the request as the agent gave it.
  const subjectKey = subjectEmailKey(request);
  const key = subjectKey ?? '';
  const user = subjectKey === null
    ? undefined
    : await trx
        .selectFrom('users')
        .select(['id', 'email', 'role', 'created_at', 'email_verified_at', 'password_changed_at'])
        .where(sql`lower(email)`, '=', key)
        .executeTakeFirst();
  const [requests, sessions, accountEvents, subscriptions, objections, registry] = await Promise.all([
    trx
      .selectFrom('requests')
      .selectAll()
      .where((eb) =>
        subjectKey === null
          ? eb('id', '=', request.id)
          : eb.or([eb('email_key', '=', key), eb(sql`lower(subject_email)`, '=', key), ...(user ? [eb('user_id', '=', user.id)] : [])]),
      )
      .orderBy('id')
      .execute(),
    user
      ? trx.selectFrom('sessions').select(['created_at', 'last_seen_at', 'expires_at']).where('user_id', '=', user.id).orderBy('created_at').execute()
      : Promise.resolve([]),
    user
      ? trx
          .selectFrom('audit_events')
          .select(['occurred_at', 'action', 'ip'])
          .where('target_type', '=', 'user')
          .where('target_id', '=', user.id)
          .where((eb) => eb.or([eb('action', 'like', 'auth.%'), eb('action', 'like', 'account.%')]))
          .orderBy('id')
          .execute()
      : Promise.resolve([]),
    trx
      .selectFrom('subprocessor_subscriptions')
      .select(['created_at', 'confirmed_at', 'unsubscribed_at', 'lang'])
      .where(sql`lower(email)`, '=', key)
      .where(sql<boolean>`${subjectKey !== null}`)
      .orderBy('id')
      .execute(),
    trx
      .selectFrom('subprocessor_objections as o')
      .innerJoin('subprocessor_changes as c', 'c.id', 'o.change_id')
      .innerJoin('subprocessors as s', 's.id', 'c.subprocessor_id')
      .select(['o.created_at', 'o.organisation', 'o.reason', 'o.answer', 'o.answered_at', 'o.lang', 's.slug', 'c.summary'])
      .where(sql`lower(o.email)`, '=', key)
      .where(sql<boolean>`${subjectKey !== null}`)
      .orderBy('o.id')
      .execute(),
    loadRegistry(trx),
  ]);
  const requestIds = requests.map((r) => r.id);
  const [events, attachments] = requestIds.length
    ? await Promise.all([
        trx
          .selectFrom('request_events')
          .select(['request_id', 'at', 'kind', 'note'])
          .where('request_id', 'in', requestIds)
          .where('visible_to_subject', '=', true)
          .orderBy('id')
          .execute(),
        trx
          .selectFrom('request_attachments')
          .select(['request_id', 'filename', 'content_type', 'size', 'created_at'])
          .where('request_id', 'in', requestIds)
          .orderBy('created_at')
          .execute(),
      ])
    : [[], []];
  // Recipients as the registry stood when the request was received (Art. 15(1)(c)).
  const asOf = localDate(request.received_at ?? request.created_at, timeZone);
  const recipients = registryAsOf(registry.changes, asOf).map((e) => ({
    name: e.name,
    legalEntity: e.legalEntity,
    purpose: e.purpose,
    dataCategories: e.dataCategories,
    locations: e.locations,
    transferMechanism: e.transferMechanism,
    since: e.since,
  }));
  const processing = await processingFor(trx, request.id, isLanguage(request.lang) ? request.lang : 'en', now, {
    account: Boolean(user),
    alerts: subscriptions.length > 0,
    objections: objections.length > 0,
  });
  return {
    format: 'privacy-portal/access-package/v1',
    generatedAt: now.toISOString(),
    request: {
      reference: request.reference,
      type: request.type,
      receivedAt: iso(request.received_at),
      state: request.state,
      closedAt: iso(request.closed_at),
      outcome: request.outcome,
      withheldReason: request.withheld_reason,
    },
    controller: {
      name: organisation.name,
      postalAddress: organisation.postalAddress,
      privacyEmail: organisation.privacyEmail,
      dpo: organisation.dpo ?? null,
      supervisoryAuthority: organisation.authority,
    },
    account: user
      ? {
          email: user.email,
          role: user.role,
          createdAt: iso(user.created_at)!,
          emailConfirmedAt: iso(user.email_verified_at),
          passwordLastChangedAt: iso(user.password_changed_at),
          sessions: sessions.map((s) => ({ startedAt: iso(s.created_at)!, lastSeenAt: iso(s.last_seen_at)!, expiresAt: iso(s.expires_at)! })),
          signInHistory: accountEvents.map((e) => ({ at: iso(e.occurred_at)!, event: e.action, ipAddress: e.ip })),
        }
      : null,
    requests: requests.map((r) => ({
      reference: r.reference,
      type: r.type,
      state: r.state,
      filedAt: iso(r.created_at)!,
      receivedAt: iso(r.received_at),
      dueDate: r.due_date,
      closedAt: iso(r.closed_at),
      outcome: r.outcome,
      withheldReason: r.withheld_reason,
      language: r.lang,
      name: r.name,
      email: r.email,
      filedBy: r.requester_role,
      subject: r.requester_role === 'representative' ? { name: r.subject_name, email: r.subject_email, relationship: r.agent_relationship } : null,
      accountIdentifier: r.account_identifier,
      details: r.details,
      scope: r.scope,
      period: r.period_from || r.period_to ? { from: r.period_from, to: r.period_to } : null,
      otherIdentifiers: r.aliases,
      preferredFormat: r.preferred_format,
      countryOfResidence: r.country,
      extension: r.extension_months ? { months: r.extension_months, reason: r.extension_reason } : null,
      timeline: events.filter((e) => e.request_id === r.id).map((e) => ({ at: iso(e.at)!, event: e.kind, message: e.note })),
      filesYouSent: attachments
        .filter((a) => a.request_id === r.id)
        .map((a) => ({ name: a.filename, type: a.content_type, bytes: a.size, sentAt: iso(a.created_at)! })),
    })),
    subprocessorAlertSubscriptions: subscriptions.map((s) => ({
      subscribedAt: iso(s.created_at)!,
      confirmedAt: iso(s.confirmed_at),
      unsubscribedAt: iso(s.unsubscribed_at),
      language: s.lang,
    })),
    subprocessorObjections: objections.map((o) => ({
      at: iso(o.created_at)!,
      subprocessor: o.slug,
      change: o.summary,
      organisation: o.organisation,
      reason: o.reason,
      answer: o.answer,
      answeredAt: iso(o.answered_at),
      language: o.lang,
    })),
    recipients: { asOf, subprocessors: recipients },
    filesFromOtherSystems: [],
    processing,
  };
}

type PackageFileMeta = { id: string; filename: string; content_type: PackageFileType; size: number; sha256: string };

function uniqueNames(files: PackageFileMeta[]): string[] {
  const seen = new Set<string>();
  return files.map((f) => {
    let name = f.filename.replace(/[\\/:*?"<>|]/g, '_');
    if (!name.toLowerCase().endsWith(EXTENSIONS[f.content_type])) name += EXTENSIONS[f.content_type];
    let candidate = name;
    for (let i = 2; seen.has(candidate.toLowerCase()); i++) candidate = name.replace(/(\.[^.]*)?$/, (ext) => ` (${i})${ext}`);
    seen.add(candidate.toLowerCase());
    return candidate;
  });
}

/** The file in the format the subject asked for, beside data.json and summary.html; none for JSON or no choice. */
export function formatFileFor(request: Pick<RequestRow, 'preferred_format'>): PackageFormatFile | null {
  if (request.preferred_format === 'pdf') return 'summary.pdf';
  if (request.preferred_format === 'csv') return 'data.csv';
  return null;
}

/** Plain bytes of the ZIP per sealed chunk; every chunk but the last is exactly this long (decision 218). */
export const PACKAGE_CHUNK_BYTES = 32 * 1024;
/** Files are fed to the ZIP writer in slices of this size, so no more than one slice's output waits. */
const FEED_BYTES = 32 * 1024;

type ZipSink = (chunk: Uint8Array) => Promise<void>;

async function* slicesOf(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.length; at += FEED_BYTES) yield bytes.subarray(at, Math.min(bytes.length, at + FEED_BYTES));
}

type SealedSource = {
  table: 'package_files' | 'system_task_files';
  column: 'ciphertext' | 'data';
  id: string;
  /** Plain length, which AES-GCM keeps. */
  size: number;
  purpose: string;
  aad: string;
};

/**
 * A sealed file's plain bytes, read from the database FEED_BYTES at a time (`substring` on the
 * bytea fetches only the TOAST chunks it needs) and decrypted as they come: a 20 MB file costs a
 * slice of memory, not its size. The tag is checked after the last slice; until then the bytes are
 * unauthenticated, which is safe where they go into a transaction that a failure rolls back (a
 * stored package). With `verifyFirst` (the preview, whose bytes go straight to a browser) the
 * whole file is read and checked once before any of it is handed on.
 */
async function* sealedSlices(trx: DB, source: SealedSource, exportKey: string, verifyFirst: boolean): AsyncIterable<Uint8Array> {
  const keys = await sql<{ iv: Uint8Array | null; auth_tag: Uint8Array | null; n: string | number }>`
    select iv, auth_tag, octet_length(${sql.ref(source.column)}) as n from ${sql.table(source.table)} where id = ${source.id}`
    .execute(trx)
    .then((r) => r.rows[0]);
  if (!keys?.iv || !keys.auth_tag) throw new Error(`${source.table} ${source.id} is missing or has no key material`);
  if (Number(keys.n) !== source.size) throw new Error(`${source.table} ${source.id} holds ${keys.n} bytes, not ${source.size}`);
  const read = async (at: number) => {
    const { rows } = await sql<{ slice: Uint8Array }>`
      select substring(${sql.ref(source.column)} from ${at + 1} for ${FEED_BYTES}) as slice from ${sql.table(source.table)} where id = ${source.id}`.execute(trx);
    if (!rows[0]) throw new Error(`${source.table} ${source.id} went away while it was read`);
    return rows[0].slice;
  };
  const meta = { iv: keys.iv, auth_tag: keys.auth_tag };
  if (verifyFirst) {
    const check = openInSlices(meta, exportKey, source.purpose, source.aad);
    for (let at = 0; at < source.size; at += FEED_BYTES) check.update(await read(at));
    check.finish();
  }
  const opener = openInSlices(meta, exportKey, source.purpose, source.aad);
  for (let at = 0; at < source.size; at += FEED_BYTES) yield new Uint8Array(opener.update(await read(at)));
  const tail = opener.finish();
  if (tail.length) yield new Uint8Array(tail);
}

/**
 * Writes the ZIP for `request` as it would be built now, in order, to `sink`: fflate's streaming
 * `Zip`, each file fed in slices and each slice's output handed on before the next, so the
 * package is never whole in memory. Uploaded files and the files connected systems sent are read
 * and decrypted one at a time. The format file (summary.pdf / data.csv) is stored uncompressed
 * and its offset returned, so it can later be served from the stored chunks alone.
 */
export async function writePackage(
  trx: DB,
  request: RequestRow,
  options: { exportKey: string; organisation: Organisation; answer: string | null; timeZone: string; publicUrl: string; now: Date; verifyFirst?: boolean },
  sink: ZipSink,
): Promise<{ data: PackageData; formatFile: { name: PackageFormatFile; size: number; offset: number } | null; size: number; sha256: string }> {
  const files = (await trx
    .selectFrom('package_files')
    .select(['id', 'filename', 'content_type', 'size', 'sha256'])
    .where('request_id', '=', request.id)
    .orderBy('created_at')
    .orderBy('id')
    .execute()) as PackageFileMeta[];
  const data = await collectSubjectData(trx, request, options.organisation, options.timeZone, options.now);
  const names = uniqueNames(files);
  data.filesFromOtherSystems = files.map((f, i) => ({ path: `files/${names[i]}`, type: f.content_type, bytes: f.size, sha256: f.sha256 }));
  // Files connected systems answered with (issue 19): systems/<system>/<file>, named uniquely.
  const fromSystems = await trx
    .selectFrom('system_task_files as f')
    .innerJoin('system_tasks as t', 't.id', 'f.task_id')
    .innerJoin('connected_systems as s', 's.id', 't.system_id')
    .select(['f.id', 'f.name', 'f.content_type', 'f.bytes', 'f.sha256', 's.name as system'])
    .where('t.request_id', '=', request.id)
    .where('t.state', '=', 'answered')
    .orderBy(sql`lower(s.name)`)
    .orderBy('f.created_at')
    .orderBy('f.id')
    .execute();
  const taken = new Set<string>();
  const systemPaths = fromSystems.map((f) => {
    const folder = f.system.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_').trim() || 'system';
    const clean = f.name.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_');
    let name = clean;
    for (let i = 2; taken.has(`${folder}/${name}`.toLowerCase()); i++) name = clean.replace(/(\.[^.]*)?$/, (ext) => ` (${i})${ext}`);
    taken.add(`${folder}/${name}`.toLowerCase());
    const path = `systems/${folder}/${name}`;
    data.filesFromOtherSystems.push({ path, type: f.content_type, bytes: f.bytes, sha256: f.sha256 });
    return path;
  });

  const hash = createHash('sha256');
  let written = 0;
  const pending: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((err, chunk, _final) => {
    if (err) failure = err;
    else if (chunk.length) pending.push(chunk);
  });
  const drain = async () => {
    if (failure) throw failure;
    while (pending.length) {
      const chunk = pending.shift()!;
      hash.update(chunk);
      written += chunk.length;
      await sink(chunk);
    }
  };
  const add = async (name: string, content: Uint8Array | AsyncIterable<Uint8Array>, compress: boolean) => {
    const entry = compress ? new ZipDeflate(name, { level: 6 }) : new ZipPassThrough(name);
    entry.mtime = options.now;
    zip.add(entry);
    const slices: AsyncIterable<Uint8Array> = content instanceof Uint8Array ? slicesOf(content) : content;
    for await (const slice of slices) {
      entry.push(slice, false);
      await drain();
    }
    entry.push(new Uint8Array(0), true);
    await drain();
  };

  for (const [i, f] of files.entries()) {
    const source = { table: 'package_files', column: 'ciphertext', id: f.id, size: f.size, purpose: FILES_PURPOSE, aad: `package-file:${request.id}:${f.id}` } as const;
    await add(`files/${names[i]}`, sealedSlices(trx, source, options.exportKey, options.verifyFirst ?? false), true);
  }
  for (const [i, f] of fromSystems.entries()) {
    const source = { table: 'system_task_files', column: 'data', id: f.id, size: f.bytes, purpose: SYSTEM_FILE_PURPOSE, aad: systemFileAad(f.id) } as const;
    await add(systemPaths[i]!, sealedSlices(trx, source, options.exportKey, options.verifyFirst ?? false), true);
  }
  const lang: Language = isLanguage(request.lang) ? request.lang : 'en';
  const formatName = formatFileFor(request);
  const extras: SummaryExtras = { pdf: formatName === 'summary.pdf', csv: formatName === 'data.csv' };
  const summaryOptions = { lang, organisation: options.organisation, answer: options.answer, timeZone: options.timeZone, publicUrl: options.publicUrl, extras };
  await add('data.json', strToU8(`${JSON.stringify(data, null, 2)}\n`), true);
  await add('summary.html', strToU8(renderSummaryHtml(data, summaryOptions)), true);
  let formatFile: { name: PackageFormatFile; size: number; offset: number } | null = null;
  if (formatName) {
    const bytes =
      formatName === 'summary.pdf'
        ? new Uint8Array(await renderSummaryPdf(buildSummary(data, summaryOptions), { createdAt: options.now }))
        : strToU8(renderDataCsv(data));
    // Stored, not deflated: its bytes follow the 30-byte local header and the name (no extra field).
    formatFile = { name: formatName, size: bytes.length, offset: written + 30 + formatName.length };
    await add(formatName, bytes, false);
  }
  zip.end();
  await drain();
  return { data, formatFile, size: written, sha256: hash.digest('hex') };
}

/** The ZIP for `request` as it would be built now, in memory (small packages and tests; storage and preview stream). */
export async function buildPackage(
  trx: DB,
  request: RequestRow,
  options: { exportKey: string; organisation: Organisation; answer: string | null; timeZone: string; publicUrl: string; now: Date },
): Promise<{ bytes: Uint8Array; data: PackageData; formatFile: { name: PackageFormatFile; size: number } | null }> {
  const parts: Uint8Array[] = [];
  const { data, formatFile } = await writePackage(trx, request, options, async (chunk) => void parts.push(chunk));
  return { bytes: new Uint8Array(Buffer.concat(parts)), data, formatFile: formatFile && { name: formatFile.name, size: formatFile.size } };
}

/** When a package made at `now` stops being downloadable. */
export function packageExpiry(now: Date): Date {
  return new Date(now.getTime() + daysMs(ACCESS_PACKAGE.downloadDays));
}

/** The sentence the completion email and timeline carry, in the subject's language: where and until when. */
export function packageReadyNote(request: Pick<RequestRow, 'lang'>, now: Date, timeZone: string): string {
  const lang: Language = isLanguage(request.lang) ? request.lang : 'en';
  return tFor(lang)('package.readyNote', {
    date: formatDeadline(lang, localDate(packageExpiry(now), timeZone)),
    count: ACCESS_PACKAGE.maxDownloads,
  });
}

/**
 * Inside the completing transaction, after the request was moved to `completed` (so data.json
 * describes it as answered, with its closing time and outcome): builds the package, stores it
 * encrypted, deletes the uploaded files (they live on inside the package) and schedules the
 * purge. The subject's email says where to get it (packageReadyNote, same clock).
 */
export async function createPackage(
  trx: Tx,
  request: RequestRow,
  actor: Actor,
  options: { exportKey: string; organisation: Organisation; answer: string; timeZone: string; publicUrl: string; now: Date },
): Promise<void> {
  const expiresAt = packageExpiry(options.now);
  const id = randomUUID();
  // The row first (the chunks refer to it), its size, digest and chunk count once the ZIP is written.
  await trx
    .insertInto('access_packages')
    .values({
      id,
      request_id: request.id,
      filename: `${request.reference}-data.zip`,
      size: 0,
      sha256: '',
      iv: null,
      auth_tag: null,
      ciphertext: null,
      created_by: actor.id,
      // The same clock as expires_at: the package lives exactly ACCESS_PACKAGE.downloadDays.
      created_at: options.now,
      expires_at: expiresAt,
      max_downloads: ACCESS_PACKAGE.maxDownloads,
    })
    .execute();
  let seq = 0;
  let held: Uint8Array[] = [];
  let heldBytes = 0;
  const seal = async (plain: Uint8Array) => {
    const sealed = sealBytes(plain, options.exportKey, PACKAGE_PURPOSE, chunkAad(request.id, id, seq));
    await trx.insertInto('package_chunks').values({ package_id: id, seq, iv: sealed.iv, auth_tag: sealed.authTag, ciphertext: sealed.ciphertext }).execute();
    seq++;
    // On the embedded database the statements of a transaction run back to back without reaching
    // the event loop; every 16 chunks it gets a turn, so other visitors are answered during a long
    // build.
    if (seq % 16 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  };
  const written = await writePackage(trx, request, options, async (chunk) => {
    held.push(chunk);
    heldBytes += chunk.length;
    if (heldBytes < PACKAGE_CHUNK_BYTES) return;
    const joined = Buffer.concat(held);
    let at = 0;
    for (; joined.length - at >= PACKAGE_CHUNK_BYTES; at += PACKAGE_CHUNK_BYTES) await seal(joined.subarray(at, at + PACKAGE_CHUNK_BYTES));
    held = at < joined.length ? [joined.subarray(at)] : [];
    heldBytes = joined.length - at;
  });
  if (heldBytes > 0) await seal(Buffer.concat(held));
  const { formatFile } = written;
  const row = await trx
    .updateTable('access_packages')
    .set({
      size: written.size,
      sha256: written.sha256,
      chunks: seq,
      format_file: formatFile?.name ?? null,
      format_size: formatFile?.size ?? null,
      format_offset: formatFile?.offset ?? null,
    })
    .where('id', '=', id)
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx.deleteFrom('package_files').where('request_id', '=', request.id).execute();
  await enqueueJob(trx, { kind: PACKAGE_PURGE_JOB, payload: { packageId: row.id }, runAt: expiresAt, dedupeKey: `${PACKAGE_PURGE_JOB}:${row.id}:expiry` });
  await recordAudit(trx, {
    actorId: actor.id,
    ip: actor.ip,
    action: 'request.package_created',
    targetType: 'request',
    targetId: String(request.id),
    details: { packageId: row.id, bytes: written.size, ...(formatFile ? { formatFile: formatFile.name } : {}) },
  });
}

/** Each chunk is bound to its request, package and place: moved, reordered or swapped, it no longer opens. */
function chunkAad(requestId: string, packageId: string, seq: number): string {
  return `package:${requestId}:${packageId}:chunk:${seq}`;
}

/**
 * The plain bytes [from, to) of a stored package as a stream: each chunk read and decrypted
 * when the reader asks for it, so one chunk at a time is in memory. A chunk missing (the package
 * purged meanwhile) or failing to open errors the stream.
 */
export function packageByteStream(
  db: DB,
  p: { id: string; request_id: string; chunks: number },
  exportKey: string,
  from = 0,
  to = Number.POSITIVE_INFINITY,
): ReadableStream<Uint8Array> {
  let seq = Math.floor(from / PACKAGE_CHUNK_BYTES);
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (seq >= p.chunks || seq * PACKAGE_CHUNK_BYTES >= to) return controller.close();
        const row = await db.selectFrom('package_chunks').select(['iv', 'auth_tag', 'ciphertext']).where('package_id', '=', p.id).where('seq', '=', seq).executeTakeFirst();
        if (!row) return controller.error(new Error(`package ${p.id} has no chunk ${seq}`));
        const plain = openBytes(row, exportKey, PACKAGE_PURPOSE, chunkAad(p.request_id, p.id, seq));
        const base = seq * PACKAGE_CHUNK_BYTES;
        seq++;
        controller.enqueue(new Uint8Array(plain.subarray(Math.max(0, from - base), Math.min(plain.length, to - base))));
      },
    },
    { highWaterMark: 1 },
  );
}

const bytesStream = (bytes: Uint8Array) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });

export type PackageState = 'available' | 'expired' | 'used_up' | 'deleted';

function stateOf(p: { deleted_at: Date | null; expires_at: Date; downloads: number; max_downloads: number }, now: Date): PackageState {
  if (p.downloads >= p.max_downloads) return 'used_up';
  if (p.expires_at.getTime() <= now.getTime()) return 'expired';
  if (p.deleted_at) return 'deleted';
  return 'available';
}

/** What the subject's page shows about their package; never the bytes. */
export async function packageForSubject(db: DB, requestId: string, now: Date = new Date()) {
  const p = await db
    .selectFrom('access_packages')
    .select(['filename', 'size', 'expires_at', 'downloads', 'max_downloads', 'deleted_at', 'format_file', 'format_size'])
    .where('request_id', '=', requestId)
    .executeTakeFirst();
  if (!p) return null;
  return {
    filename: p.filename,
    size: p.size,
    /** The file in the format the subject asked for, downloadable beside the ZIP. */
    formatFile: p.format_file && p.format_size !== null ? { name: p.format_file, size: p.format_size } : null,
    expiresAt: p.expires_at.toISOString(),
    downloadsLeft: Math.max(0, p.max_downloads - p.downloads),
    state: stateOf(p, now),
  };
}

/** What staff see: when it was made, when it goes, and every download (never a token). */
export async function packageForStaff(db: DB, requestId: string, now: Date = new Date()) {
  const p = await db
    .selectFrom('access_packages')
    .select(['id', 'filename', 'size', 'sha256', 'created_at', 'expires_at', 'downloads', 'max_downloads', 'deleted_at', 'format_file'])
    .where('request_id', '=', requestId)
    .executeTakeFirst();
  if (!p) return null;
  const downloads = await db.selectFrom('package_downloads').select(['at', 'via']).where('package_id', '=', p.id).orderBy('id').execute();
  return {
    filename: p.filename,
    size: p.size,
    sha256: p.sha256,
    createdAt: p.created_at.toISOString(),
    expiresAt: p.expires_at.toISOString(),
    deletedAt: p.deleted_at?.toISOString() ?? null,
    downloads: p.downloads,
    maxDownloads: p.max_downloads,
    formatFile: p.format_file,
    state: stateOf(p, now),
    downloadLog: downloads.map((d) => ({ at: d.at.toISOString(), via: d.via })),
  };
}

/**
 * One download by the subject: counted, logged and audited in one transaction with the row
 * locked, so five concurrent clicks cannot make six downloads. The last allowed download
 * schedules the deletion at once. Returns null when the package is gone (expired, used up).
 */
export async function downloadPackage(
  db: DB,
  input: {
    requestId: string;
    via: 'status_link' | 'account';
    userId: string | null;
    ip: string | null;
    /** The file in the asked-for format alone, instead of the whole ZIP; counted like the ZIP. */
    file?: PackageFormatFile;
  },
  options: { exportKey: string; now?: Date },
): Promise<PackageDownload | null> {
  const now = options.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    const p = await trx.selectFrom('access_packages').selectAll().where('request_id', '=', input.requestId).forUpdate().executeTakeFirst();
    const legacy = p?.ciphertext && p.iv && p.auth_tag ? { iv: p.iv, auth_tag: p.auth_tag, ciphertext: p.ciphertext } : null;
    if (!p || stateOf(p, now) !== 'available' || (!legacy && p.chunks === 0)) return null;
    if (input.file && p.format_file !== input.file) return null;
    const downloads = p.downloads + 1;
    await trx.updateTable('access_packages').set({ downloads }).where('id', '=', p.id).execute();
    await trx.insertInto('package_downloads').values({ package_id: p.id, via: input.via, at: now }).execute();
    if (downloads >= p.max_downloads) {
      await enqueueJob(trx, { kind: PACKAGE_PURGE_JOB, payload: { packageId: p.id }, runAt: now, dedupeKey: `${PACKAGE_PURGE_JOB}:${p.id}:used` });
    }
    await recordAudit(trx, {
      actorId: input.userId,
      ip: input.ip,
      action: 'request.package_download',
      targetType: 'request',
      targetId: input.requestId,
      details: { via: input.via, download: downloads, of: p.max_downloads, ...(input.file ? { file: input.file } : {}) },
    });
    const entry = input.file;
    const single = entry && {
      filename: p.filename.replace(/-data\.zip$/, '') + `-${entry}`,
      contentType: entry === 'summary.pdf' ? 'application/pdf' : 'text/csv; charset=utf-8',
    };
    if (legacy) {
      // A package from before decision 218: one sealed piece, opened whole.
      const zip = openBytes(legacy, options.exportKey, PACKAGE_PURPOSE, `package:${input.requestId}:${p.id}`);
      if (!entry || !single) return { filename: p.filename, size: zip.length, body: bytesStream(new Uint8Array(zip)), contentType: 'application/zip' };
      const bytes = unzipSync(new Uint8Array(zip), { filter: (f) => f.name === entry })[entry];
      if (!bytes) throw new Error(`package ${p.id} has no ${entry}`);
      return { ...single, size: bytes.length, body: bytesStream(bytes) };
    }
    // The chunks are read after this transaction, as the response is sent; a purge meanwhile ends the stream.
    if (!single) return { filename: p.filename, size: p.size, body: packageByteStream(db, p, options.exportKey), contentType: 'application/zip' };
    if (p.format_offset === null || p.format_size === null) throw new Error(`package ${p.id} has no offset for ${entry}`);
    const from = Number(p.format_offset);
    return { ...single, size: p.format_size, body: packageByteStream(db, p, options.exportKey, from, from + p.format_size) };
  });
}

export type PackageDownload = { filename: string; size: number; body: ReadableStream<Uint8Array>; contentType: string };

/** The purge job: once a package has expired or been downloaded its last time, its bytes go. */
export async function purgePackage(db: DB, packageId: string, now: Date = new Date()): Promise<boolean> {
  if (!UUID.test(packageId)) return false;
  const result = await db
    .updateTable('access_packages')
    .set({ iv: null, auth_tag: null, ciphertext: null, deleted_at: now })
    .where('id', '=', packageId)
    .where('deleted_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('downloads', '>=', eb.ref('max_downloads'))]))
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return false;
  await db.deleteFrom('package_chunks').where('package_id', '=', packageId).execute();
  return true;
}

/** Retention sweep (daily): any package past its time whose purge job was lost. */
export async function purgeLapsedPackages(db: DB, now: Date = new Date()): Promise<number> {
  const result = await db
    .updateTable('access_packages')
    .set({ iv: null, auth_tag: null, ciphertext: null, deleted_at: now })
    .where('deleted_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('downloads', '>=', eb.ref('max_downloads'))]))
    .returning('id')
    .execute();
  const ids = result.map((r) => r.id);
  if (ids.length) await db.deleteFrom('package_chunks').where('package_id', 'in', ids).execute();
  return ids.length;
}

/**
 * A stream whose bytes `write` produces: it waits while the reader has four chunks unread, so a
 * slow download holds back the build instead of filling memory. Cancelled, the build stops.
 */
function streamOf(write: (sink: ZipSink) => Promise<unknown>): ReadableStream<Uint8Array> {
  let wake: (() => void) | null = null;
  let cancelled = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        void write(async (chunk) => {
          if (cancelled) throw new Error('download cancelled');
          controller.enqueue(chunk);
          while (!cancelled && (controller.desiredSize ?? 1) <= 0) await new Promise<void>((resolve) => (wake = resolve));
        }).then(
          () => !cancelled && controller.close(),
          (error: unknown) => !cancelled && controller.error(error),
        );
      },
      pull() {
        wake?.();
        wake = null;
      },
      cancel() {
        cancelled = true;
        wake?.();
      },
    },
    { highWaterMark: 4 },
  );
}

/** Staff check the package before completing: built as it would be now while it is sent, audited, never stored. */
export async function previewPackage(
  db: DB,
  requestId: string,
  actor: Actor,
  options: { exportKey: string; organisation: Organisation; timeZone: string; publicUrl: string; now?: Date },
): Promise<{ filename: string; body: ReadableStream<Uint8Array> } | undefined> {
  if (!/^\d{1,18}$/.test(requestId)) return undefined;
  const request = await db.selectFrom('requests').selectAll().where('id', '=', requestId).executeTakeFirst();
  if (!request || !takesPackage(request)) return undefined;
  await recordAudit(db, { actorId: actor.id, ip: actor.ip, action: 'request.package_preview', targetType: 'request', targetId: requestId });
  const now = options.now ?? new Date();
  return { filename: `${request.reference}-data-preview.zip`, body: streamOf((sink) => writePackage(db, request, { ...options, answer: null, now, verifyFirst: true }, sink)) };
}
