import type { LoaderFunctionArgs } from '@remix-run/node';
import { auditSigningKey } from '~/utils/audit-key.server';

/**
 * GET /.well-known/audit-key: the public Ed25519 key that signs audit exports (PEM, SPKI), for
 * auditors checking an export with `npm run audit:verify -- --file FILE --key KEY.pem`.
 */
export function loader({ context }: LoaderFunctionArgs) {
  const key = auditSigningKey(context.config.secrets.auditSigningKey);
  return new Response(key.publicKeyPem, {
    headers: {
      'Content-Type': 'application/x-pem-file; charset=utf-8',
      'Cache-Control': 'public, max-age=3600',
      'X-Key-Id': key.keyId,
    },
  });
}
