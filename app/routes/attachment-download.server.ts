import type { DB } from '../../db/client';
import type { Config } from '~/utils/env.server';
import { readAttachment } from '~/models/requests/attachments.server';
import { invariantResponse } from '~/utils/invariant';

/** The decrypted file as a download that no browser will render in the portal's origin. */
export async function attachmentResponse(
  deps: { db: DB; config: Config },
  scope: { requestId: string; attachmentId: string },
): Promise<Response> {
  const file = await readAttachment(deps.db, scope, deps.config.secrets.exportKey);
  invariantResponse(file, 'Not found', { status: 404 });
  return downloadResponse(file);
}

/**
 * Bytes as a download: saved under their name, never rendered (nosniff, a sandbox with nothing
 * allowed), never cached. `contentType` is for files whose type was checked by their bytes; a
 * file nobody checked (an email's attachment) goes as application/octet-stream.
 */
export function downloadResponse(file: { filename: string; bytes: Uint8Array; contentType?: string }): Response {
  // The quoted name keeps printable ASCII only: no quote, backslash or control character can end it early.
  const ascii = file.filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return new Response(new Uint8Array(file.bytes), {
    headers: {
      'Content-Type': file.contentType ?? 'application/octet-stream',
      'Content-Length': String(file.bytes.length),
      'Content-Disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
    },
  });
}
