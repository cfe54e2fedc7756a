import type { AppLoadContext } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { downloadPackage } from '~/models/requests/packages.server';

/** A ZIP as a download that no browser renders in the portal's origin, never cached. */
export function packageResponse(file: { filename: string; bytes: Uint8Array }): Response {
  return new Response(new Uint8Array(file.bytes), {
    headers: {
      'Content-Type': 'application/zip',
      'Content-Length': String(file.bytes.length),
      'Content-Disposition': `attachment; filename="${file.filename.replace(/[^\x20-\x7e]/g, '_').replace(/"/g, '')}"`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
    },
  });
}

/**
 * The subject's download, through their status link or their account: counted and audited.
 * When the package is gone (expired, used up, never made) the subject is sent back to their
 * request page, which says so and whom to write to.
 */
export async function subjectPackageDownload(
  context: Pick<AppLoadContext, 'db' | 'config' | 'clientIp'>,
  input: { requestId: string; via: 'status_link' | 'account'; userId: string | null; backTo: string },
): Promise<Response> {
  const file = await downloadPackage(
    context.db,
    { requestId: input.requestId, via: input.via, userId: input.userId, ip: context.clientIp },
    { exportKey: context.config.secrets.exportKey },
  );
  if (!file) return redirect(input.backTo, { headers: { 'Cache-Control': 'no-store' } });
  return packageResponse(file);
}
