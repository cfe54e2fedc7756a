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
  return new Response(new Uint8Array(file.bytes), {
    headers: {
      'Content-Type': file.contentType,
      'Content-Length': String(file.bytes.length),
      'Content-Disposition': `attachment; filename="${file.filename.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
    },
  });
}
