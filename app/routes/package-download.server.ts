import type { AppLoadContext } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import type { PackageFormatFile } from '../../db/schema';
import { downloadPackage } from '~/models/requests/packages.server';
import { invariantResponse } from '~/utils/invariant';

/**
 * `body`, read one piece at a time and only when the response has room for it (decision 218):
 * Remix's adapter does not wait for the socket, so without this a slow client would leave the
 * whole package queued in the server's memory. A client that goes away stops the reads.
 */
export function paced(body: ReadableStream<Uint8Array>, drained: () => Promise<boolean>): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!(await drained())) {
          await reader.cancel('the client went away');
          return controller.close();
        }
        const { done, value } = await reader.read();
        if (done) return controller.close();
        controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

/** A ZIP (or the PDF or CSV inside it) as a download that no browser renders in the portal's origin, never cached. */
export function packageResponse(
  file: { filename: string; body: ReadableStream<Uint8Array>; size?: number; contentType?: string },
  drained: () => Promise<boolean>,
): Response {
  return new Response(paced(file.body, drained), {
    headers: {
      'Content-Type': file.contentType ?? 'application/zip',
      ...(file.size === undefined ? {} : { 'Content-Length': String(file.size) }),
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
  context: Pick<AppLoadContext, 'db' | 'config' | 'clientIp' | 'drained'>,
  input: { requestId: string; via: 'status_link' | 'account'; userId: string | null; backTo: string; url: string },
): Promise<Response> {
  const file = await downloadPackage(
    context.db,
    { requestId: input.requestId, via: input.via, userId: input.userId, ip: context.clientIp, file: formatFileParam(input.url) },
    { exportKey: context.config.secrets.exportKey },
  );
  if (!file) return redirect(input.backTo, { headers: { 'Cache-Control': 'no-store' } });
  return packageResponse(file, context.drained);
}

const FORMAT_FILES: readonly string[] = ['summary.pdf', 'data.csv'] satisfies PackageFormatFile[];

/** `?file=summary.pdf` or `?file=data.csv`: the asked-for format on its own; any other value is a 404. */
function formatFileParam(url: string): PackageFormatFile | undefined {
  const file = new URL(url).searchParams.get('file');
  if (file === null) return undefined;
  invariantResponse(FORMAT_FILES.includes(file), 'Not found', { status: 404 });
  return file as PackageFormatFile;
}
