import { verify as verifySignature, X509Certificate } from 'node:crypto';
import tls from 'node:tls';

/**
 * OpenDSR (https://github.com/opengdpr/OpenDSR, v2; mParticle's v3 differences behind a
 * per-system flag): the request a processor receives, and the check of the status callbacks it
 * sends back. A callback is accepted only when all of this holds, checked before its JSON is
 * read:
 *
 * - the processor's domain (`X-OpenDSR-Processor-Domain`) is one the system allowlists;
 * - the certificate chain its `/discovery` names is valid at the instant given, chains to a root
 *   in Node's trust store (or a root the caller adds, for tests), and its leaf is for that domain;
 * - `X-OpenDSR-Signature` is an RSA-SHA256 (PKCS#1 v1.5) signature by the leaf's key over the
 *   raw body bytes as received: re-serialised JSON does not verify.
 */
export class OpenDsrVerificationError extends Error {
  override name = 'OpenDsrVerificationError';
}

const PEM_BEGIN = '-----BEGIN CERTIFICATE-----';
const PEM_END = '-----END CERTIFICATE-----';
let storeRoots: X509Certificate[] | undefined;

export function parseCertificateChain(pem: string): X509Certificate[] {
  // Split by plain string search (linear, unlike a lazy regular expression over the whole text).
  const blocks: string[] = [];
  for (let at = pem.indexOf(PEM_BEGIN); at !== -1; ) {
    const end = pem.indexOf(PEM_END, at + PEM_BEGIN.length);
    if (end === -1) break;
    blocks.push(pem.slice(at, end + PEM_END.length));
    at = pem.indexOf(PEM_BEGIN, end + PEM_END.length);
  }
  if (blocks.length === 0) throw new OpenDsrVerificationError('the processor certificate holds no certificate');
  try {
    return blocks.map((b) => new X509Certificate(b));
  } catch {
    throw new OpenDsrVerificationError('the processor certificate could not be read');
  }
}

/** Leaf first; each certificate valid at `now` and issued by the next, up to a trusted root. */
export function checkChain(chain: X509Certificate[], options: { domain: string; now: Date; extraRoots?: string[] }): X509Certificate {
  const roots = [...(storeRoots ??= tls.rootCertificates.map((p) => new X509Certificate(p))), ...(options.extraRoots ?? []).map((p) => new X509Certificate(p))];
  const leaf = chain[0]!;
  if (!leaf.checkHost(options.domain)) throw new OpenDsrVerificationError(`the certificate is not for ${options.domain}`);
  for (const [i, cert] of chain.entries()) {
    const from = new Date(cert.validFrom);
    const to = new Date(cert.validTo);
    if (options.now < from || options.now > to) throw new OpenDsrVerificationError(`certificate ${i + 1} of the chain is not valid on ${options.now.toISOString()}`);
    const anchor = roots.find((r) => r.fingerprint256 === cert.fingerprint256 || (cert.checkIssued(r) && cert.verify(r.publicKey)));
    if (anchor) {
      const rootTo = new Date(anchor.validTo);
      if (options.now < new Date(anchor.validFrom) || options.now > rootTo) throw new OpenDsrVerificationError('the trusted root is not valid at this time');
      return leaf;
    }
    const issuer = chain[i + 1];
    if (!issuer || !cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) throw new OpenDsrVerificationError(`certificate ${i + 1} of the chain does not lead to a trusted root`);
  }
  throw new OpenDsrVerificationError('the chain does not lead to a trusted root');
}

export type OpenDsrCallback = {
  body: Buffer;
  signature: string | undefined;
  processorDomain: string | undefined;
};

/**
 * Verifies one callback; returns its parsed JSON only once the domain, the chain and the
 * signature over the raw bytes all check out.
 */
export function verifyOpenDsrCallback(
  callback: OpenDsrCallback,
  options: { allowedDomains: readonly string[]; certificatePem: string; now: Date; extraRoots?: string[] },
): unknown {
  const domain = (callback.processorDomain ?? '').trim().toLowerCase();
  if (!domain || !options.allowedDomains.some((d) => d.toLowerCase() === domain)) throw new OpenDsrVerificationError('the processor domain is not allowlisted for this system');
  if (!callback.signature || !/^[A-Za-z0-9+/]+={0,2}$/.test(callback.signature.trim())) throw new OpenDsrVerificationError('no signature');
  const leaf = checkChain(parseCertificateChain(options.certificatePem), { domain, now: options.now, extraRoots: options.extraRoots });
  const ok = verifySignature('sha256', callback.body, leaf.publicKey, Buffer.from(callback.signature.trim(), 'base64'));
  if (!ok) throw new OpenDsrVerificationError('the signature does not match the body');
  try {
    return JSON.parse(callback.body.toString('utf8'));
  } catch {
    throw new OpenDsrVerificationError('the signed body is not JSON');
  }
}

/** The body of `POST /requests` (v2; `subject_identities` as an object in mParticle's v3). */
export function openDsrRequestBody(input: {
  requestId: string;
  type: 'access' | 'portability' | 'erasure';
  submittedAt: Date;
  identities: Array<{ type: string; value: string }>;
  callbackUrl: string;
  v3Identities?: boolean;
}) {
  const type = { access: 'access', portability: 'portability', erasure: 'erasure' }[input.type];
  return {
    regulation: 'gdpr',
    subject_request_id: input.requestId,
    subject_request_type: type,
    submitted_time: input.submittedAt.toISOString(),
    subject_identities: input.v3Identities
      ? Object.fromEntries(input.identities.map((i) => [i.type, { value: i.value, encoding: 'raw' }]))
      : input.identities.map((i) => ({ identity_type: i.type, identity_value: i.value, identity_format: 'raw' })),
    api_version: input.v3Identities ? '3.0' : '2.0',
    status_callback_urls: [input.callbackUrl],
  };
}

/** A processor's `/discovery` answer: what it supports and where its certificate is. */
export function parseDiscovery(json: unknown): { identities: string[]; types: string[]; certificateUrl: string } {
  const d = json as { supported_identities?: Array<{ identity_type?: string }>; supported_subject_request_types?: string[]; processor_certificate?: string };
  // https is enforced where the certificate is fetched (outbound.server.ts): only an allowlisted internal host may serve it over http.
  if (!d || typeof d.processor_certificate !== 'string' || !/^https?:\/\//.test(d.processor_certificate)) {
    throw new OpenDsrVerificationError('the discovery answer names no processor_certificate URL');
  }
  return {
    identities: (d.supported_identities ?? []).map((i) => i.identity_type ?? '').filter(Boolean),
    types: (d.supported_subject_request_types ?? []).filter((t) => typeof t === 'string'),
    certificateUrl: d.processor_certificate,
  };
}
