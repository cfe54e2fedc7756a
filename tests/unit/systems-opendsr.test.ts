import { execFileSync } from 'node:child_process';
import { sign } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDsrRequestBody, OpenDsrVerificationError, parseDiscovery, verifyOpenDsrCallback } from '../../app/models/systems/opendsr.server';

/**
 * Issue 19: OpenDSR callbacks. The vector is a real signed mParticle status callback with the
 * certificate chain its /discovery named (tests/fixtures/opendsr-mparticle/README.md says where
 * it comes from). The chain is checked up to a root in Node's trust store, not just loaded.
 */
const dir = new URL('../fixtures/opendsr-mparticle/', import.meta.url);
const body = fs.readFileSync(new URL('callback-body.json', dir));
const signature = fs.readFileSync(new URL('x-opendsr-signature.txt', dir), 'utf8').trim();
const certificatePem = fs.readFileSync(new URL('processor-certificate.pem', dir), 'utf8');
const DOMAIN = 'opendsr.mparticle.com';
const INSIDE = new Date('2025-06-01T12:00:00Z');
const options = (overrides: Partial<Parameters<typeof verifyOpenDsrCallback>[1]> = {}) => ({ allowedDomains: [DOMAIN], certificatePem, now: INSIDE, ...overrides });
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(OpenDsrVerificationError);
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
};

describe('a real mParticle callback', () => {
  it('is accepted with the clock inside the leaf’s validity and the chain checked to a root in Node’s store', () => {
    expect(body.length).toBe(282);
    const parsed = verifyOpenDsrCallback({ body, signature, processorDomain: DOMAIN }, options()) as Record<string, unknown>;
    expect(parsed).toHaveProperty('controller_id');
  });

  it('is refused after one changed byte', () => {
    const changed = Buffer.from(body);
    changed[40] = changed[40]! ^ 1;
    expect(refusal(() => verifyOpenDsrCallback({ body: changed, signature, processorDomain: DOMAIN }, options()))).toMatch(/signature does not match/);
  });

  it('is refused with the JSON re-serialised', () => {
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8')), null, 2));
    expect(reserialised.equals(body)).toBe(false);
    expect(refusal(() => verifyOpenDsrCallback({ body: reserialised, signature, processorDomain: DOMAIN }, options()))).toMatch(/signature does not match/);
  });

  it('is refused from another processor domain, allowlisted or not', () => {
    expect(refusal(() => verifyOpenDsrCallback({ body, signature, processorDomain: 'opendsr.other.example' }, options()))).toMatch(/not allowlisted/);
    expect(
      refusal(() => verifyOpenDsrCallback({ body, signature, processorDomain: 'opendsr.other.example' }, options({ allowedDomains: ['opendsr.other.example'] }))),
    ).toMatch(/not for opendsr.other.example/);
  });

  it('is refused with today’s clock (the leaf expired on 2025-12-07) and before the leaf’s start', () => {
    expect(refusal(() => verifyOpenDsrCallback({ body, signature, processorDomain: DOMAIN }, options({ now: new Date() })))).toMatch(/certificate 1 of the chain is not valid/);
    expect(refusal(() => verifyOpenDsrCallback({ body, signature, processorDomain: DOMAIN }, options({ now: new Date('2024-11-01T00:00:00Z') })))).toMatch(/not valid/);
  });

  it('is refused when the chain does not reach a trusted root (the leaf alone)', () => {
    const leafOnly = certificatePem.slice(0, certificatePem.indexOf('-----END CERTIFICATE-----') + '-----END CERTIFICATE-----'.length);
    expect(refusal(() => verifyOpenDsrCallback({ body, signature, processorDomain: DOMAIN }, options({ certificatePem: leafOnly })))).toMatch(/does not lead to a trusted root/);
  });

  it('is refused without a signature', () => {
    expect(refusal(() => verifyOpenDsrCallback({ body, signature: undefined, processorDomain: DOMAIN }, options()))).toMatch(/no signature/);
  });
});

describe('a processor signing under a test CA the test makes', () => {
  let work: string;
  let rootPem: string;
  let leafPem: string;
  let leafKey: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-opendsr-ca-'));
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'root.key', '-out', 'root.pem', '-days', '3650', '-subj', '/CN=Privacy Portal Test Root');
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=opendsr.processor.test');
    fs.writeFileSync(path.join(work, 'ext.cnf'), 'subjectAltName=DNS:opendsr.processor.test\n');
    openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '30', '-extfile', 'ext.cnf');
    rootPem = fs.readFileSync(path.join(work, 'root.pem'), 'utf8');
    leafPem = fs.readFileSync(path.join(work, 'leaf.pem'), 'utf8');
    leafKey = fs.readFileSync(path.join(work, 'leaf.key'), 'utf8');
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('is accepted with the test root trusted, and refused without it', () => {
    const callback = Buffer.from('{"request_status":"completed","subject_request_id":"DSR-2026-000001"}');
    const sig = sign('sha256', callback, leafKey).toString('base64');
    const opts = { allowedDomains: ['opendsr.processor.test'], certificatePem: leafPem, now: new Date() };
    expect(verifyOpenDsrCallback({ body: callback, signature: sig, processorDomain: 'opendsr.processor.test' }, { ...opts, extraRoots: [rootPem] })).toMatchObject({ request_status: 'completed' });
    expect(refusal(() => verifyOpenDsrCallback({ body: callback, signature: sig, processorDomain: 'opendsr.processor.test' }, opts))).toMatch(/trusted root/);
  });
});

describe('requests and discovery', () => {
  it('writes v2 identities as a list and mParticle v3 identities as an object', () => {
    const base = { requestId: 'DSR-2026-000001', type: 'erasure' as const, submittedAt: new Date('2026-01-02T03:04:05Z'), identities: [{ type: 'email', value: 'a@example.org' }], callbackUrl: 'https://portal.example/callbacks/opendsr' };
    expect(openDsrRequestBody(base)).toMatchObject({ subject_request_type: 'erasure', api_version: '2.0', subject_identities: [{ identity_type: 'email', identity_value: 'a@example.org', identity_format: 'raw' }], status_callback_urls: ['https://portal.example/callbacks/opendsr'] });
    expect(openDsrRequestBody({ ...base, v3Identities: true }).subject_identities).toEqual({ email: { value: 'a@example.org', encoding: 'raw' } });
  });

  it('reads /discovery and refuses one without an https certificate URL', () => {
    expect(parseDiscovery({ supported_identities: [{ identity_type: 'email' }], supported_subject_request_types: ['access', 'erasure'], processor_certificate: 'https://static.example/cert.pem' })).toEqual({
      identities: ['email'],
      types: ['access', 'erasure'],
      certificateUrl: 'https://static.example/cert.pem',
    });
    expect(() => parseDiscovery({ processor_certificate: 'ftp://x' })).toThrow(OpenDsrVerificationError);
  });
});
