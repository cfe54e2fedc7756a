import type { AppLoadContext } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import type { PackageFormatFile } from '../../db/schema';
import { downloadPackage } from '~/models/requests/packages.server';
import { invariantResponse } from '~/utils/invariant';

/** A ZIP (or the PDF or CSV inside it) as a download that no browser renders in the portal's origin, never cached. */
export function packageResponse(file: { filename: string; bytes: Uint8Array; contentType?: string }): Response {
  return new Response(new Uint8Array(file.bytes), {
    headers: {
      'Content-Type': file.contentType ?? 'application/zip',
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
  input: { requestId: string; via: 'status_link' | 'account'; userId: string | null; backTo: string; url: string },
): Promise<Response> {
  const file = await downloadPackage(
    context.db,
    { requestId: input.requestId, via: input.via, userId: input.userId, ip: context.clientIp, file: formatFileParam(input.url) },
    { exportKey: context.config.secrets.exportKey },
  );
  if (!file) return redirect(input.backTo, { headers: { 'Cache-Control': 'no-store' } });
  return packageResponse(file);
}

const FORMAT_FILES: readonly string[] = ['summary.pdf', 'data.csv'] satisfies PackageFormatFile[];

/** `?file=summary.pdf` or `?file=data.csv`: the asked-for format on its own; any other value is a 404. */
function formatFileParam(url: string): PackageFormatFile | undefined {
  const file = new URL(url).searchParams.get('file');
  if (file === null) return undefined;
  invariantResponse(FORMAT_FILES.includes(file), 'Not found', { status: 404 });
  return file as PackageFormatFile;
}
