import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequest } from '../../app/models/requests/requests.server';
import { confirmVerification } from '../../app/models/requests/verification.server';
import { BODY_HARD_LIMIT_BYTES } from '../../app/utils/upload.server';
import { requestInformation, transitionRequest } from '../../app/models/requests/transitions.server';
import { MULTIPART_LIMITS } from '../../app/utils/upload.server';
import { startTestPortal, type TestPortal } from '../support/portal';
import { intakeInput, rules } from '../support/requests';
import { createSessionCookie, createUser } from '../support/users';

/**
 * Issue 24 item 5: a multipart form with any number of text fields. 800,000 tiny fields used to
 * cost 28 s of CPU and 250 MB before a 400; now the parse stops at the 65th part (or past 256 KB
 * of text) with a 413, whichever multipart form it is sent to.
 */
let portal: TestPortal;
let staffCookie = '';
let requestId = '';
let ownRequestId = '';
let subjectCookie = '';

beforeAll(async () => {
  portal = await startTestPortal({ NODE_ENV: 'production' });
  const staff = await createUser(portal.db, { role: 'staff' });
  staffCookie = await createSessionCookie(portal.db, staff, 'production');
  const filed = await createRequest(portal.db, intakeInput(), { rules });
  if (filed.outcome !== 'created') throw new Error('fixture request not created');
  const confirmed = await confirmVerification(portal.db, filed.verifyToken!, { rules });
  if (confirmed.status !== 'verified') throw new Error('fixture request not verified');
  requestId = filed.request.id;
  const subject = await createUser(portal.db);
  subjectCookie = await createSessionCookie(portal.db, subject, 'production');
  const own = await createRequest(portal.db, { ...intakeInput({ email: subject.email }), userId: subject.id }, { rules });
  if (own.outcome !== 'created') throw new Error('fixture request not created');
  ownRequestId = own.request.id;
  // Waiting on the subject, so the reply form is live.
  await transitionRequest(portal.db, { requestId: own.request.id, action: 'start', actor: { kind: 'staff', id: staff.id } }, { rules });
  await requestInformation(portal.db, { requestId: own.request.id, staffId: staff.id, question: 'Which account?' }, { rules });
}, 120_000);
afterAll(async () => {
  await portal?.stop();
});

const BOUNDARY = 'b0';
const part = (name: string, value: string) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;

/**
 * POSTs a multipart body made of `chunks` (with its Content-Length, as browsers send it) in
 * 64 KB writes; resolves with the status and the milliseconds until the answer's headers arrived.
 */
function postMultipart(path: string, chunks: Iterable<string>, headers: Record<string, string> = {}): Promise<{ status: number; ms: number; connection: string }> {
  const body = Buffer.from(`${[...chunks].join('')}--${BOUNDARY}--\r\n`);
  // Under the cap on any body, or the server's up-front 413 would answer instead of the form reader.
  expect(body.length).toBeLessThan(BODY_HARD_LIMIT_BYTES);
  const { hostname, port } = new URL(portal.url);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: hostname,
        port,
        method: 'POST',
        path,
        agent: false,
        headers: {
          'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`,
          'Content-Length': String(body.length),
          Origin: portal.url,
          'X-Forwarded-For': '203.0.113.9',
          ...headers,
        },
      },
      (res) => {
        const ms = performance.now() - started;
        const connection = String(res.headers.connection ?? '');
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, ms, connection }));
      },
    );
    // The server may answer and close before the whole body is sent: that is the point.
    let answered = false;
    req.on('response', () => (answered = true));
    req.on('error', () => undefined);
    req.on('close', () => setTimeout(() => answered || reject(new Error(`no answer to POST ${path}`)), 100));
    (async () => {
      for (let at = 0; at < body.length && !req.destroyed; at += 65_536) {
        if (!req.write(body.subarray(at, at + 65_536))) await new Promise((r) => req.once('drain', r));
      }
      if (!req.destroyed) req.end();
    })().catch(() => undefined);
  });
}

function* tinyFields(count: number) {
  // The shortest part there is, so 800,000 of them stay under the server's 50 MB cap on any body.
  for (let i = 0; i < count; i++) yield part('f', 'x');
}

describe('a multipart form with 800,000 tiny fields', () => {
  it.each([
    ['the public request form', () => '/requests/new', () => ({})],
    ['a subject\'s reply', () => `/account/requests/${ownRequestId}/reply`, () => ({ Cookie: subjectCookie })],
    ['the staff package upload', () => `/staff/requests/${requestId}/package`, () => ({ Cookie: staffCookie })],
  ])('is refused with a 413 in under a second: %s', async (_, path, headers) => {
    const res = await postMultipart(path(), tinyFields(800_000), headers());
    expect(res.status).toBe(413);
    expect(res.connection).toBe('close');
    expect(res.ms).toBeLessThan(1000);
  });
});

describe('the caps', () => {
  it(`allow ${MULTIPART_LIMITS.maxParts} parts and refuse one more`, async () => {
    // A request form of 64 parts is read and judged on its fields (a 400 for what is missing), 65 are not read.
    const within = await postMultipart('/requests/new', tinyFields(MULTIPART_LIMITS.maxParts));
    expect(within.status).toBe(400);
    const over = await postMultipart('/requests/new', tinyFields(MULTIPART_LIMITS.maxParts + 1));
    expect(over.status).toBe(413);
  });

  it('refuse more than 256 KB of text in all, though each field is under its own 64 KB', async () => {
    const field = 'y'.repeat(60_000);
    const fields = function* () {
      for (let i = 0; i < 5; i++) yield part(`details${i}`, field);
    };
    const res = await postMultipart('/requests/new', fields());
    expect(res.status).toBe(413);
  });
});
